import { randomBytes } from 'node:crypto';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { WorkflowDocument } from '../../core/dag/definition.ts';
import { secretCipher, setSecret } from '../../domain/secrets/secrets.service.ts';
import { captureLog } from '../auth/support/log-capture.ts';
import { startTestServer, type TestServer } from '../engine/http-test-server.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { as, saveWorkflow } from '../runs/run-fixtures.ts';
import { databaseText, historyText, plaintextForms } from './support/plaintext-search.ts';

const PLAINTEXT = `sk_live_${randomBytes(16).toString('hex')}`;
const SECRETS_KEY = randomBytes(32).toString('base64');

describe('workspace secrets: the upstream gets the value, nothing else ever holds it', () => {
  const log = captureLog();
  const temporalLog: string[] = [];
  const answers: unknown[] = [];
  const runIds: string[] = [];
  let server: TestServer;
  let h: Harness;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    // Installed before the harness would install its quiet one: every SDK and core line is kept.
    Runtime.install({
      logger: new DefaultLogger('DEBUG', (entry) =>
        temporalLog.push(JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))),
      ),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'DEBUG' }), forward: {} } },
    });
    server = await startTestServer();
    h = await startHarness({
      env: { HTTP_NODE_ALLOWLIST: '127.0.0.1', DAGEN_SECRETS_KEY: SECRETS_KEY, LOG_LEVEL: 'debug' },
      log: log.log,
    });
    a = await createTenant(h);
    b = await createTenant(h);
    await setSecret(h.services.orm.em.fork(), secretCipher(SECRETS_KEY), a.workspaceId, 'TOKEN', PLAINTEXT);
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  const base = () => `http://127.0.0.1:${server.port}`;

  /** Saves `doc` in the tenant's workspace, runs it with wait, and keeps every answer of the run. */
  async function runAs(tenant: Tenant, doc: Pick<WorkflowDocument, 'nodes'>, inputData: unknown = {}) {
    const wf = await saveWorkflow(h, tenant, doc);
    const started = await as(h, tenant).run(wf.id, { input_data: inputData, wait: true, timeout: 60 });
    expect(started.status).toBe(200);
    const read = await as(h, tenant).get(`/workflow/runs/${started.body.id}`);
    const listed = await as(h, tenant).get(`/workflow/runs?workflow_id=${wf.id}`);
    answers.push(started.body, read.body, listed.body);
    runIds.push(String(started.body.id));
    return read.body as {
      status: string;
      error_message: string | null;
      output_data: unknown;
      steps: { node_id: string; input: unknown; output: unknown; error: string | null }[];
    };
  }

  /** An http node that sends the secret in a header, the query and the body, to a server that echoes them. */
  const callNode = (status: number) => ({
    id: 'call',
    type: 'http' as const,
    with: {
      method: 'POST',
      url: `${base()}/headers/${status}?t={{ secrets.TOKEN }}`,
      headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', 'x-whole': '{{ secrets.TOKEN }}' },
      body: { token: '{{ secrets.TOKEN }}', n: '{{ input.n }}' },
    },
  });

  it('sends the real value upstream and records "***" in the step input and output', async () => {
    const run = await runAs(
      a,
      {
        nodes: [
          callNode(200),
          {
            id: 'after',
            type: 'transform',
            needs: ['call'],
            with: { expression: 'nodes.call.output.body.headers.authorization' },
          },
        ],
      },
      { n: 7 },
    );
    expect(run.status).toBe('success');
    const received = server.headers.at(-1)!;
    expect(received.authorization).toBe(`Bearer ${PLAINTEXT}`);
    expect(received['x-whole']).toBe(PLAINTEXT);
    const call = run.steps.find((s) => s.node_id === 'call')!;
    expect(call.input).toEqual({
      method: 'POST',
      url: `${base()}/headers/200?t=***`,
      headers: { Authorization: 'Bearer ***', 'x-whole': '***' },
      body: { token: '***', n: 7 },
    });
    // The echo came back masked: downstream nodes and the run output only ever see "***".
    expect(call.output).toMatchObject({
      status: 200,
      body: { url: '/headers/200?t=***', headers: { authorization: 'Bearer ***', 'x-whole': '***' } },
    });
    expect(run.output_data).toEqual({ after: 'Bearer ***' });
  });

  it('masks the value in the error of a failing call (an upstream that echoes it in a 401)', async () => {
    const run = await runAs(a, { nodes: [callNode(401)] });
    expect(server.headers.at(-1)!.authorization).toBe(`Bearer ${PLAINTEXT}`);
    expect(run.status).toBe('failed');
    expect(run.error_message).toContain('HTTP 401');
    expect(run.error_message).toContain('Bearer ***');
    expect(run.steps[0]!.error).toContain('Bearer ***');
  });

  it('another workspace cannot use it: the same name there is not found, and the node says which', async () => {
    const hitsBefore = server.hits.length;
    const run = await runAs(b, { nodes: [callNode(200)] });
    expect(run.status).toBe('failed');
    expect(run.error_message).toContain('secret "TOKEN" is not set in this workspace');
    expect(server.hits.length).toBe(hitsBefore);
  });

  it('leaves the value in no table, no history, no log line and no API answer', async () => {
    expect(runIds).toHaveLength(3);
    const db = await databaseText(h);
    // The dump really covers the step rows (else finding nothing would prove nothing).
    expect(db).toContain('Bearer ***');
    expect(plaintextForms(db, PLAINTEXT)).toEqual([]);
    for (const runId of runIds) {
      const history = await historyText(h.services.temporal.client.workflow.getHandle(`run:${runId}`));
      expect(history).toContain('runNode');
      expect(plaintextForms(history, PLAINTEXT)).toEqual([]);
    }
    expect(log.text()).toContain('"level"');
    expect(plaintextForms(log.text(), PLAINTEXT)).toEqual([]);
    expect(temporalLog.length).toBeGreaterThan(0);
    expect(plaintextForms(temporalLog.join('\n'), PLAINTEXT)).toEqual([]);
    const api = JSON.stringify(answers);
    expect(api).toContain('***');
    expect(plaintextForms(api, PLAINTEXT)).toEqual([]);
  });
});

describe('a worker without DAGEN_SECRETS_KEY', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { DAGEN_SECRETS_KEY: '' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('fails only the nodes that use secrets, with a message that says what to configure', async () => {
    const t = await createTenant(h);
    await setSecret(h.services.orm.em.fork(), secretCipher(SECRETS_KEY), t.workspaceId, 'TOKEN', PLAINTEXT);
    const plain = await saveWorkflow(h, t, {
      nodes: [{ id: 'n', type: 'transform', with: { expression: '1' } }],
    });
    expect((await as(h, t).run(plain.id, { wait: true, timeout: 60 })).body.status).toBe('success');
    const wf = await saveWorkflow(h, t, {
      nodes: [{ id: 'call', type: 'http', with: { url: 'http://127.0.0.1:9/{{ secrets.TOKEN }}' } }],
    });
    const res = await as(h, t).run(wf.id, { wait: true, timeout: 60 });
    expect(res.body).toMatchObject({
      status: 'failed',
      error_message:
        'node "call" failed: this node uses secrets, but the worker has no DAGEN_SECRETS_KEY to decrypt them',
    });
    expect(res.body.steps[0]).toMatchObject({ attempt: 1, input: { url: 'http://127.0.0.1:9/***' } });
  });
});
