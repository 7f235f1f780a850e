import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WorkflowRun } from '../../db/entities/index.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { delayed, saveWorkflow } from '../runs/run-fixtures.ts';

/**
 * Examples per operation and the seed: enough to reach every parameter's edge cases, bounded so the
 * run stays within a couple of minutes on CI (about 550 requests), and fixed so a failure replays
 * exactly.
 */
const MAX_EXAMPLES = 25;
const SEED = 8;
/**
 * Below the key's limit (600 a minute, the most a key may have): a 429 is a valid answer, so a fast
 * machine would otherwise spend the stateful phase on 429s without any check failing.
 */
const REQUESTS_PER_MINUTE = 540;

/**
 * What the command line cannot say. A start may reuse an Idempotency-Key the fuzzer generated for an
 * earlier, different start: that is the documented 422, right for a valid request, not a refusal of
 * valid data (the default expectations of `positive_data_acceptance` plus 422, for that operation only).
 * Likewise a cancel of a run that has ended is the guide's documented 400 ("only pending or running
 * runs; otherwise 400"), right for a well-formed request. A usage query whose `from` is not before its
 * `to` is a 400 no JSON Schema of two separate parameters can state.
 */
const CONFIG = `
[[operations]]
include-operation-id = "runWorkflow"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-operation-id = "cancelWorkflowRun"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

[[operations]]
include-operation-id = "getUsage"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
`;

/** Where bin/bootstrap.sh's `dagen_use_schemathesis` (called by .ci/run) put the pinned fuzzer. */
function schemathesisPath(): string {
  const found = process.env.SCHEMATHESIS_PATH;
  if (!found) {
    throw new Error(
      'SCHEMATHESIS_PATH is not set: run `. bin/bootstrap.sh && dagen_use_schemathesis` (as .ci/run does) first',
    );
  }
  return found;
}

interface Finished {
  readonly code: number | null;
  readonly output: string;
}

/** Runs the fuzzer without blocking this process's event loop: the server under test lives here too. */
function runFuzzer(bin: string, args: string[], cwd: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (err) => reject(new Error(`cannot run SCHEMATHESIS_PATH=${bin}: ${err.message}`)));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the External API against its own OpenAPI document (schemathesis)', () => {
  let h: Harness;
  let t: Tenant;
  let server: http.Server;
  let origin: string;
  let scratch: string;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    h = await startHarness();
    t = await createTenant(h, { scopes: ['agents', 'workflows'], rateLimitPerMinute: 600 });
    // Runnable, and slow enough that a cancel can find it still running.
    await saveWorkflow(h, t, delayed(1));
    const app = h.api.koa.callback();
    // Counts answers by status, to show the fuzzer reached the API's core, not only its gate.
    server = http.createServer((req, res) => {
      res.on('finish', () => statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1));
      return app(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    scratch = mkdtempSync(path.join(os.tmpdir(), 'dagen-fuzz-'));
    writeFileSync(path.join(scratch, 'schemathesis.toml'), CONFIG);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await h.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('finds no failure with every check, stateful links included', async () => {
    const { code, output } = await runFuzzer(
      schemathesisPath(),
      [
        '--config-file',
        'schemathesis.toml',
        'run',
        `${origin}/api/v1/openapi.json`,
        '--checks',
        'all',
        '--header',
        `X-API-Key: ${t.key}`,
        '--max-examples',
        String(MAX_EXAMPLES),
        '--seed',
        String(SEED),
        '--generation-database',
        'none',
        '--rate-limit',
        `${REQUESTS_PER_MINUTE}/m`,
        '--workers',
        '1',
        '--no-color',
      ],
      // Its own folder: nothing it writes lands in the checkout, and no stray config is read.
      scratch,
    );
    if (code !== 0) throw new Error(`schemathesis exited with ${code}:\n${output}`);
    // Every phase ran, the stateful one through the document's links, and it got past the gate:
    // runs were started (202) and read, never throttled.
    expect(output).toMatch(/Coverage[^]*Fuzzing[^]*Stateful[^]*API Links:\s+[1-9]\d* covered/);
    expect(statuses.get(429)).toBeUndefined();
    expect(statuses.get(202)).toBeGreaterThan(0);
    expect(await h.services.orm.em.fork().count(WorkflowRun, { workspaceId: t.workspaceId })).toBeGreaterThan(
      0,
    );
  }, 300_000);
});
