import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { RunStep } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import {
  createWorkspace,
  eventually,
  loadRun,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
} from './dag-fixtures.ts';
import { startTestServer, type TestServer } from './http-test-server.ts';

describe('http nodes: retries, cancellation and SSRF refusals', () => {
  let h: Harness;
  let server: TestServer;
  let workspaceId: string;
  beforeAll(async () => {
    server = await startTestServer();
    h = await startHarness({ env: { HTTP_NODE_ALLOWLIST: '127.0.0.1' } });
    workspaceId = await createWorkspace(h);
  });
  afterAll(async () => {
    await h.close();
    await server.close();
  });

  const base = () => `http://127.0.0.1:${server.port}`;

  async function runHttp(
    withFields: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    input = {},
  ) {
    const wf = await saveWorkflow(h, workspaceId, {
      nodes: [{ id: 'call', type: 'http', with: withFields, ...extra }],
    });
    const { runId, handle } = await startRun(h, wf, input);
    const outcome = await settle(handle);
    return { runId, outcome, run: await loadRun(h, runId), step: (await loadSteps(h, runId)).call! };
  }

  it('sends templated requests and records { status, headers, body }', async () => {
    const { run, step } = await runHttp(
      {
        method: 'POST',
        url: `${base()}/echo/{{ input.id }}`,
        headers: { 'x-test': '{{ input.tag }}' },
        body: { id: '{{ input.id }}' },
      },
      {},
      { id: 42, tag: 'hello' },
    );
    expect(run.status).toBe('success');
    expect(step.output).toMatchObject({
      status: 200,
      body: { method: 'POST', path: '/echo/42', body: { id: 42 }, header: 'hello' },
    });
    expect((step.output as { headers: Record<string, string> }).headers['content-type']).toBe(
      'application/json',
    );
    expect(step.input).toMatchObject({ url: `${base()}/echo/42`, headers: { 'x-test': 'hello' } });
  });

  it('retries a failing call and succeeds on the 3rd attempt with exactly one step row', async () => {
    const { runId, run, step } = await runHttp(
      { url: `${base()}/flaky/retry-${Date.now()}` },
      { retry: { max_attempts: 3, backoff_seconds: 0.1 } },
    );
    expect(run.status).toBe('success');
    expect(step).toMatchObject({ status: 'success', attempt: 3, error: null });
    expect(step.output).toMatchObject({ status: 200, body: { ok: true, count: 3 } });
    expect(await h.services.orm.em.fork().count(RunStep, { runId, nodeId: 'call' })).toBe(1);
  });

  it('fails on a non-2xx answer unless fail_on_status is false', async () => {
    const failed = await runHttp({ url: `${base()}/status/404` });
    expect(failed.run.status).toBe('failed');
    expect(failed.run.errorMessage).toMatch(/^node "call" failed: HTTP 404 from GET /);
    const tolerated = await runHttp({ url: `${base()}/status/404`, fail_on_status: false });
    expect(tolerated.run.status).toBe('success');
    expect(tolerated.step.output).toMatchObject({ status: 404 });
  });

  it.each([
    [
      '127.0.0.2 (loopback, not allowlisted)',
      () => `http://127.0.0.2:${server.port}/secret-v4`,
      /127\.0\.0\.2 is a loopback address/,
    ],
    ['[::1]', () => `http://[::1]:${server.port}/secret-v6`, /::1 is a loopback address/],
    [
      '169.254.169.254 (metadata)',
      () => 'http://169.254.169.254/latest/meta-data',
      /169\.254\.169\.254 is a link-local \/ cloud metadata address/,
    ],
  ])('refuses %s', async (_label, url, reason) => {
    const before = server.hits.length;
    const { run, step } = await runHttp({ url: url() }, { retry: { max_attempts: 3, backoff_seconds: 0.1 } });
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(reason);
    expect(step).toMatchObject({ status: 'failed', attempt: 1 }); // refusals are not retried
    expect(server.hits.length).toBe(before);
  });

  it('refuses a redirect from an allowed host to a loopback address', async () => {
    const target = `http://127.0.0.2:${server.port}/secret-after-redirect`;
    const { run } = await runHttp({ url: `${base()}/redirect/x?to=${encodeURIComponent(target)}` });
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(/refused http:\/\/127\.0\.0\.2:\d+: 127\.0\.0\.2 is a loopback address/);
    expect(server.hits).toContain('/redirect/x');
    expect(server.hits).not.toContain('/secret-after-redirect');
  });

  it('follows a redirect between allowed addresses', async () => {
    const { run, step } = await runHttp({
      url: `${base()}/redirect/y?to=${encodeURIComponent('/echo/landed')}`,
    });
    expect(run.status).toBe('success');
    expect(step.output).toMatchObject({ status: 200, body: { path: '/echo/landed' } });
  });

  it('bounds a call by its request timeout and a node by its own timeout_seconds', async () => {
    const request = await runHttp({ url: `${base()}/slow/request-timeout`, timeout_seconds: 0.5 });
    expect(request.run.errorMessage).toMatch(
      /^node "call" failed: request to http:\/\/127\.0\.0\.1:\d+ timed out after 500 ms/,
    );
    const node = await runHttp({ url: `${base()}/slow/node-timeout` }, { timeout_seconds: 1 });
    expect(node.run.errorMessage).toBe('node "call" failed: timed out (START_TO_CLOSE)');
    expect(node.step.status).toBe('failed');
  });

  it('aborts a slow call when the run is cancelled: step and run become cancelled', async () => {
    const wf = await saveWorkflow(h, workspaceId, {
      nodes: [{ id: 'call', type: 'http', with: { url: `${base()}/slow/cancel-me`, timeout_seconds: 120 } }],
    });
    const { runId, handle } = await startRun(h, wf);
    await eventually(async () => server.hits.includes('/slow/cancel-me'), Boolean);
    await handle.cancel();
    const { error } = await settle(handle);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const run = await loadRun(h, runId);
    expect(run.status).toBe('cancelled');
    expect(run.finishedAt).toBeInstanceOf(Date);
    expect((await loadSteps(h, runId)).call).toMatchObject({ status: 'cancelled' });
    // The HTTP request itself was aborted (the activity learns of the cancel from its heartbeat).
    await eventually(async () => server.aborted.includes('/slow/cancel-me'), Boolean);
  });
});

describe('http nodes without an allowlist', () => {
  let h: Harness;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
    await server.close();
  });

  it('checks the resolved address: a host name that resolves to loopback is refused', async () => {
    const workspaceId = await createWorkspace(h);
    const wf = await saveWorkflow(h, workspaceId, {
      nodes: [{ id: 'call', type: 'http', with: { url: `http://localhost:${server.port}/by-name` } }],
    });
    const { runId, handle } = await startRun(h, wf);
    await settle(handle);
    const run = await loadRun(h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(
      /refused http:\/\/localhost:\d+: (127\.0\.0\.1|::1) is a loopback address/,
    );
    expect(server.hits).toEqual([]);
  });
});
