import { randomUUID } from 'node:crypto';
import type { InferEntity } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import {
  ActiveRunLimitError,
  AppError,
  BadRequestError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
} from '../../core/errors.ts';
import type { JsonValue, Source } from '../../core/run-status.ts';
import type { A2aOrigin } from '../../core/tasks/task-parts.ts';
import { WorkflowDefinition, type WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { Caller } from '../tenants/caller.ts';
import { describeProblems } from '../definitions/definitions.service.ts';
import { describeInputProblems } from '../definitions/input-schema.ts';
import type { DefinitionHead, DefinitionHeads } from '../definitions/definition-heads.ts';
import type { LastRunRecorder } from '../definitions/last-run-recorder.ts';
import type { RunnableVersions } from '../definitions/runnable-versions.ts';
import { insertRunWithinLimit } from './active-run-limit.ts';
import { findKeyHolder, requestHash } from './idempotency.ts';
import { launchRun, type RunServices } from './run-launcher.ts';

type RunRow = InferEntity<typeof WorkflowRun>;

/** What a run start asks for, whichever door it came through. */
export interface RunStartRequest {
  /** `{}` when the caller sent none. */
  readonly inputData: unknown;
  readonly source: Source;
  /** A replay with the same key and request returns the first run. */
  readonly idempotencyKey?: string | undefined;
  /** The agent job that starts the run (its `run_workflow` tool), recorded on the trigger. */
  readonly jobId?: string | undefined;
  /** How A2A asked for the run, when it did. */
  readonly a2a?: A2aOrigin | undefined;
}

/**
 * Whom a run is started for: a caller of the API, or an agent job (whose key is null when an
 * `agent` node of a run without a key started it).
 */
export type RunStarter = Pick<Caller, 'workspaceId' | 'ownerId'> & { readonly apiKeyId: string | null };

export interface StartRunDeps {
  readonly services: RunServices;
  readonly versions: RunnableVersions;
  readonly heads: DefinitionHeads;
  readonly lastRuns: LastRunRecorder;
}

/**
 * Starts a run of the workflow `workflowId` for the caller, or returns the run an earlier request
 * with the same Idempotency-Key started. Throws 404 for a workflow outside the caller's workspace,
 * 400 for a workflow that is not active, invalid, or whose input does not match its schema, 422 for
 * a key reused with another request, 429 when the workspace already has WORKSPACE_MAX_ACTIVE_RUNS
 * live runs, 503 when Temporal refuses the start (the key stays free for a retry after both).
 * Keys replay for IDEMPOTENCY_KEY_TTL_MS (24 h); an older one starts a new run.
 */
export async function startRun(
  deps: StartRunDeps,
  auth: RunStarter,
  workflowId: string,
  request: RunStartRequest,
): Promise<RunRow> {
  const em = deps.services.orm.em.fork();
  for (let attempt = 1; ; attempt++) {
    // The cached head first; the definition itself once the insert found the head stale.
    const head = await deps.heads.get(em, auth.workspaceId, workflowId, { fresh: attempt > 1 });
    if (!head) throw new NotFoundError('Workflow');
    const run = await startVersion(deps, em, auth, head, request);
    if (run) return run;
    if (attempt === STALE_HEAD_ATTEMPTS) {
      throw new UnavailableError('The workflow is being changed; retry the request');
    }
  }
}

/** Attempts at a start whose workflow keeps changing between its read and the run insert. */
const STALE_HEAD_ATTEMPTS = 3;

/** Starts a run of `definition` as the caller read it; undefined when the workflow changed since. */
async function startVersion(
  deps: StartRunDeps,
  em: EntityManager,
  auth: RunStarter,
  definition: DefinitionHead,
  request: RunStartRequest,
): Promise<RunRow | undefined> {
  const { idempotencyKey } = request;
  const hash = idempotencyKey ? requestHash(definition.id, request.inputData) : undefined;
  if (idempotencyKey) {
    // A replay returns the first run even if the workflow was paused or changed since.
    const prior = await findKeyHolder(em, auth.workspaceId, idempotencyKey);
    if (prior) return replay(deps, prior, hash, definition.name);
  }
  await checkRunnable(deps, em, definition, request.inputData);
  const run: RunRow = {
    id: randomUUID(),
    workspaceId: auth.workspaceId,
    workflowId: definition.id,
    workflowVersion: definition.version,
    status: 'pending',
    inputData: request.inputData as JsonValue,
    outputData: null,
    errorMessage: null,
    trigger: {
      source: request.source,
      api_key_id: auth.apiKeyId,
      owner_id: auth.ownerId,
      ...(request.jobId ? { job_id: request.jobId } : {}),
    },
    a2a: request.a2a ?? null,
    idempotencyKey: idempotencyKey ?? null,
    idempotencyHash: hash ?? null,
    createdAt: new Date(),
    startedAt: null,
    finishedAt: null,
  };
  const inserted = await insertRun(em, run, deps.services.config.workspaceMaxActiveRuns);
  if (inserted === STALE) return undefined;
  if (inserted) return replay(deps, inserted, hash, definition.name);
  await launchRun(deps.services, run, definition.name, { onError: 'fail-run' });
  // Only the start decides the answer: once it succeeded the run exists, and a 500 would make a
  // retrying client start a second one. So `last_run_at` is written after the answer, best-effort.
  deps.lastRuns.record(definition.id, run.createdAt);
  return run;
}

/** Attempts at inserting a run whose key keeps being released under it before giving up. */
const KEY_INSERT_ATTEMPTS = 3;

/** The run's workflow is no longer active at the version the start read: nothing was inserted. */
const STALE = Symbol('stale definition');

/**
 * Inserts the run, or returns the run that holds its Idempotency-Key when another request got the
 * key first: the unique (workspace_id, idempotency_key) picks one winner among concurrent requests.
 * Refuses with 429 when the workspace already has `maxActive` live runs, leaving nothing behind.
 * Returns STALE when the workflow is no longer active at the run's version in the run's workspace.
 */
async function insertRun(
  em: EntityManager,
  run: RunRow,
  maxActive: number,
): Promise<RunRow | typeof STALE | undefined> {
  for (let attempt = 1; ; attempt++) {
    let inserted: boolean;
    try {
      // One statement (no unit-of-work transaction): this is on every start's critical path.
      inserted = await insertRunWithinLimit(em, run, maxActive, { activeVersionOnly: true });
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException) || !run.idempotencyKey) throw err;
      const holder = await findKeyHolder(em, run.workspaceId, run.idempotencyKey);
      if (holder) return holder;
      // The holder gave the key up between our insert and our read (its start was refused, or the
      // key expired): the key is free again.
      if (attempt === KEY_INSERT_ATTEMPTS) {
        throw new UnavailableError('The Idempotency-Key is changing hands; retry the request', err);
      }
      continue;
    }
    if (inserted) return undefined;
    // A concurrent request with the same key may have got its run in first: a replay.
    const holder = run.idempotencyKey ? await findKeyHolder(em, run.workspaceId, run.idempotencyKey) : null;
    if (holder) return holder;
    // Refused: the head the start read is stale (retried from a fresh read), or the cap is reached.
    if (!(await isCurrentVersion(em, run))) return STALE;
    throw new ActiveRunLimitError(maxActive);
  }
}

/** Whether the run's workflow is still active at the run's version in the run's workspace. */
async function isCurrentVersion(em: EntityManager, run: RunRow): Promise<boolean> {
  const current = await em.count(WorkflowDefinition, {
    id: run.workflowId,
    workspaceId: run.workspaceId,
    version: run.workflowVersion,
    status: 'active',
  });
  return current > 0;
}

async function checkRunnable(
  deps: StartRunDeps,
  em: EntityManager,
  definition: DefinitionHead,
  inputData: unknown,
): Promise<void> {
  if (definition.status !== 'active') {
    throw new BadRequestError(
      `Workflow '${definition.name}' is ${definition.status}; only active workflows can run`,
    );
  }
  const version = await deps.versions.get(em, definition.id, definition.version);
  if (!version) throw new AppError(500, `Workflow version ${definition.version} is missing`);
  if (version.problems.length > 0) {
    throw new BadRequestError(`Workflow definition is invalid: ${describeProblems(version.problems)}`, {
      problems: version.problems,
    });
  }
  if (version.schemaError) {
    throw new BadRequestError(`The workflow's input_schema is invalid: ${version.schemaError}`);
  }
  const problems = version.validateInput?.(inputData) ?? [];
  if (problems.length > 0) {
    throw new BadRequestError(`input_data does not match input_schema: ${describeInputProblems(problems)}`, {
      problems,
    });
  }
}

async function replay(
  deps: StartRunDeps,
  prior: RunRow,
  hash: string | undefined,
  workflowName: string,
): Promise<RunRow> {
  if (prior.idempotencyHash !== hash) {
    throw new UnprocessableError(
      'Idempotency-Key was already used with a different request (workflow or input_data)',
    );
  }
  // The first request may still be between its insert and its start (or may have died there):
  // starting again is a no-op once the workflow exists, and makes sure a waiting replay finds it.
  // When Temporal refuses this start too, the answer is 503: a 202 would promise a run that may
  // never start.
  if (prior.status === 'pending') {
    await launchRun(deps.services, prior, workflowName, { onError: 'keep-run' });
  }
  return prior;
}
