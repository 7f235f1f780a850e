import { lookup } from 'node:dns/promises';
import { as, saveWorkflow, useRunHarness } from '../runs/run-fixtures.ts';
import { startTestServer, type TestServer } from './http-test-server.ts';

/**
 * Disguised loopback targets for an http node, run through the External API and Temporal. The
 * allowlist admits ::1 only: the control run proves the test server is reachable over loopback, so
 * zero hits for the disguised 127.0.0.1 forms means the guard refused them, not that nothing listened.
 */
describe('http node SSRF guard: disguised loopback addresses', () => {
  const env = useRunHarness({ env: { HTTP_NODE_ALLOWLIST: '::1' } });
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** Runs a one-node http workflow through the API, waiting for it to finish. */
  async function runHttp(url: string) {
    const wf = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'call', type: 'http', with: { url }, retry: { max_attempts: 3, backoff_seconds: 0.1 } }],
    });
    const res = await as(env.h, env.t).run(wf.id, { wait: true, timeout: 60 });
    expect(res.status).toBe(200);
    return res.body as {
      status: string;
      error_message: string | null;
      steps: Array<Record<string, unknown>>;
    };
  }

  it('the allowlisted ::1 reaches the test server (control)', async () => {
    const run = await runHttp(`http://[::1]:${server.port}/control`);
    expect(run.status).toBe('success');
    expect(server.hits).toEqual(['/control']);
  });

  it('`localhost` resolves to loopback on this machine (precondition of the name case)', async () => {
    const addresses = await lookup('localhost', { all: true });
    expect(addresses.map((a) => a.address)).toContain('127.0.0.1');
  });

  it.each([
    [
      'IPv4-mapped IPv6',
      '[::ffff:127.0.0.1]',
      /refused http:\/\/\[::ffff:7f00:1\]:\d+: ::ffff:7f00:1 is a loopback address$/,
    ],
    ['IPv4-mapped IPv6 in hex', '[::ffff:7f00:1]', /::ffff:7f00:1 is a loopback address$/],
    [
      'IPv4-compatible IPv6',
      '[::127.0.0.1]',
      /::7f00:1 is a loopback address \(127\.0\.0\.1 in IPv4-compatible form\)$/,
    ],
    [
      'NAT64',
      '[64:ff9b::127.0.0.1]',
      /64:ff9b::7f00:1 is a loopback address \(127\.0\.0\.1 in NAT64 form\)$/,
    ],
    ['6to4', '[2002:7f00:1::]', /2002:7f00:1:: is a loopback address \(127\.0\.0\.1 in 6to4 form\)$/],
    [
      'decimal IPv4 (WHATWG turns it into 127.0.0.1)',
      '2130706433',
      /refused http:\/\/127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address$/,
    ],
    ['hex-dotted IPv4', '0x7f.1', /127\.0\.0\.1 is a loopback address$/],
    [
      'a name resolving to loopback',
      'localhost',
      /refused http:\/\/localhost:\d+: 127\.0\.0\.1 is a loopback address$/,
    ],
  ])('refuses %s (%s) before connecting, without retrying', async (_label, host, reason) => {
    const hitsBefore = server.hits.length;
    const run = await runHttp(`http://${host}:${server.port}/secret`);
    expect(run.status).toBe('failed');
    expect(run.error_message).toMatch(/^node "call" failed: refused /);
    expect(run.error_message).toMatch(reason);
    expect(run.steps).toEqual([
      expect.objectContaining({
        node_id: 'call',
        status: 'failed',
        attempt: 1,
        error: expect.stringMatching(reason),
      }),
    ]);
    expect(server.hits.length).toBe(hitsBefore);
    expect(server.hits).not.toContain('/secret');
  });
});
