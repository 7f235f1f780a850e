import { Client, Connection } from '@temporalio/client';
import type { WorkflowDocument } from '../../core/dag/definition.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import type { Services } from '../../infra/services.ts';
import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

export interface RunTestEnv {
  readonly h: Harness;
  /** A tenant created for the describe block. */
  readonly t: Tenant;
}

/** Registers beforeAll/afterAll in the calling describe block: one harness and one tenant for it. */
export function useRunHarness(options?: HarnessOptions): RunTestEnv {
  const env: { h?: Harness; t?: Tenant } = {};
  beforeAll(async () => {
    env.h = await startHarness(options);
    env.t = await createTenant(env.h);
  });
  afterAll(async () => {
    await env.h?.close();
  });
  return {
    get h() {
      return env.h!;
    },
    get t() {
      return env.t!;
    },
  };
}

/** Saves a definition in the tenant's workspace (active unless the doc says otherwise). */
export async function saveWorkflow(
  h: Harness,
  tenant: Tenant,
  doc: Partial<WorkflowDocument> & Pick<WorkflowDocument, 'nodes'>,
): Promise<{ id: string; version: number }> {
  const name = doc.name ?? `wf-${Math.random().toString(36).slice(2)}`;
  return applyDefinition(h.services.orm.em.fork(), tenant.workspaceId, { status: 'active', ...doc, name });
}

/**
 * What a request that died between its insert and its workflow's start leaves behind: a `pending`
 * row with no execution. Returns its id.
 */
export async function insertStrandedRun(
  h: Harness,
  tenant: Tenant,
  wf: { id: string; version: number },
  fields: { inputData: unknown; idempotencyKey?: string; idempotencyHash?: string },
): Promise<string> {
  const em = h.services.orm.em.fork();
  const row = em.create(WorkflowRun, {
    workspaceId: tenant.workspaceId,
    workflowId: wf.id,
    workflowVersion: wf.version,
    trigger: { source: 'external_api', api_key_id: tenant.apiKeyId },
    ...fields,
  });
  await em.flush();
  return row.id;
}

/** One transform node whose output is `input.n * 2`. */
export const DOUBLE = {
  nodes: [{ id: 'double', type: 'transform' as const, with: { expression: 'input.n * 2' } }],
};

/** A delay of `seconds`, then a transform. */
export function delayed(seconds: number) {
  return {
    nodes: [
      { id: 'pause', type: 'delay' as const, with: { seconds } },
      { id: 'after', type: 'transform' as const, needs: ['pause'], with: { expression: '"done"' } },
    ],
  };
}

/** Requests as the tenant: `X-API-Key` set, JSON bodies. */
export function as(h: Harness, tenant: Tenant) {
  return {
    run: (workflowId: string, body: unknown = {}, idempotencyKey?: string) => {
      const req = h.http.post(`/api/v1/workflow/${workflowId}/run`).set('x-api-key', tenant.key);
      return (idempotencyKey === undefined ? req : req.set('idempotency-key', idempotencyKey)).send(
        body as object,
      );
    },
    get: (path: string) => h.http.get(`/api/v1${path}`).set('x-api-key', tenant.key),
    cancel: (runId: string) =>
      h.http.post(`/api/v1/workflow/runs/${runId}/cancel`).set('x-api-key', tenant.key).send({}),
  };
}

/**
 * The harness's services with a Temporal client whose connection is already closed: every start
 * fails like an unreachable frontend. The caller closes nothing; the connection is closed already.
 */
export async function refusingTemporal(h: Harness): Promise<Services> {
  const connection = await Connection.connect({ address: h.config.temporal.address! });
  await connection.close();
  return { ...h.services, temporal: { connection, client: new Client({ connection }) } };
}
