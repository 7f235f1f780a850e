import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { readRuntimeInfo } from '../../infra/data-dir.ts';
import {
  cleanEnv,
  freeStartPorts,
  interrupt,
  killAndRemove,
  processesMentioning,
  runDagen,
  spawnDagen,
  waitForStartBanner,
  type DagenProcess,
} from './support/dagen-process.ts';

const READY_TIMEOUT_MS = 90_000;
const KEY_LINE = /API key:\s+(dg_[A-Za-z0-9_-]+)/;
const WORKSPACE_LINE = /Workspace:\s+demo \(([0-9a-f-]{36})\)/;
const WORKFLOW_LINE = /Workflow:\s+hello \(([0-9a-f-]{36}),/;

/**
 * `dagen start` as a user runs it: a child process with nothing but a data dir and free ports, which
 * must bring up Temporal (with its UI), embedded Postgres, the worker and the API, and stop them all.
 */
describe('dagen start (embedded stack in one process)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let uiUrl: string;
  let running: DagenProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dagen-start-'));
    // As root the embedded Postgres runs as the `postgres` user, which must be able to enter the dir.
    chmodSync(dataDir, 0o755);
    const ports = await freeStartPorts();
    apiUrl = `http://127.0.0.1:${ports.PORT}`;
    uiUrl = `http://127.0.0.1:${ports.TEMPORAL_UI_PORT}`;
    env = cleanEnv({ DAGEN_DATA_DIR: dataDir, ...ports, LOG_LEVEL: 'warn' });
  });

  afterAll(() => killAndRemove(running, dataDir));

  async function startAndWait(): Promise<DagenProcess> {
    running = spawnDagen(['start'], env);
    await waitForStartBanner(running, apiUrl, READY_TIMEOUT_MS);
    return running;
  }

  async function interruptAndExpectCleanExit(proc: DagenProcess): Promise<void> {
    expect(await interrupt(proc, dataDir)).toEqual({ code: 0, left: [] });
    expect(readRuntimeInfo(dataDir)?.pid).toBeUndefined();
  }

  let firstKey: string;
  let demoWorkspaceId: string;

  it('first start: everything up, the demo key printed once and working, the Temporal UI answering', async () => {
    const proc = await startAndWait();
    const out = proc.stdout();
    firstKey = KEY_LINE.exec(out)?.[1] ?? '';
    demoWorkspaceId = WORKSPACE_LINE.exec(out)?.[1] ?? '';
    expect(firstKey).toMatch(/^dg_/);
    expect(out).toContain(`API:          ${apiUrl}`);
    expect(out).toContain(`Temporal UI:  ${uiUrl}`);

    const ready = (await (await fetch(`${apiUrl}/readyz`)).json()) as { checks: Record<string, boolean> };
    expect(ready.checks).toEqual({ postgres: true, temporal: true });

    const agents = await fetch(`${apiUrl}/api/v1/agents`, { headers: { 'x-api-key': firstKey } });
    expect(agents.status).toBe(200);
    expect(((await agents.json()) as { workspace_id: string }).workspace_id).toBe(demoWorkspaceId);
    expect((await fetch(`${apiUrl}/api/v1/agents`)).status).toBe(401);

    // The demo workflow runs end to end through Temporal with the printed key.
    const workflowId = WORKFLOW_LINE.exec(out)?.[1] ?? '';
    const run = await fetch(`${apiUrl}/api/v1/workflow/${workflowId}/run`, {
      method: 'POST',
      headers: { 'x-api-key': firstKey, 'content-type': 'application/json' },
      body: JSON.stringify({ input_data: { name: 'Ada' }, wait: true, timeout: 60 }),
    });
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({ status: 'success', output_data: { greet: 'Hello, Ada!' } });

    expect((await fetch(uiUrl)).status).toBe(200);
    // Temporal and Postgres run as children with the data dir on their command line.
    expect(processesMentioning(dataDir).length).toBeGreaterThanOrEqual(2);

    // runtime.json lets admin commands in another terminal reach the same embedded Postgres.
    const runtime = readRuntimeInfo(dataDir)!;
    expect(runtime.pid).toBe(proc.child.pid);
    const migrate = await runDagen(['migrate', '--json'], env);
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout)).toEqual({ applied: [] });

    // Only a hash of the key is stored.
    const db = new pg.Client({ connectionString: runtime.databaseUrl });
    await db.connect();
    try {
      const keys = await db.query<{ key_hash: string; prefix: string }>(
        'select key_hash, prefix from api_keys',
      );
      expect(keys.rows).toHaveLength(1);
      expect(keys.rows[0]!.key_hash).not.toContain(firstKey);
      expect(firstKey.startsWith(keys.rows[0]!.prefix)).toBe(true);
      const wf = await db.query<{ status: string }>(
        "select status from workflow_definitions where name = 'hello'",
      );
      expect(wf.rows).toEqual([{ status: 'active' }]);
    } finally {
      await db.end();
    }

    await interruptAndExpectCleanExit(proc);
  });

  it('second start: reuses the data, prints no new key, the first key still works', async () => {
    const proc = await startAndWait();
    expect(proc.stdout()).not.toMatch(KEY_LINE);
    expect(proc.stdout()).toContain('Reusing the existing data');
    const agents = await fetch(`${apiUrl}/api/v1/agents`, { headers: { 'x-api-key': firstKey } });
    expect(agents.status).toBe(200);
    expect(((await agents.json()) as { workspace_id: string }).workspace_id).toBe(demoWorkspaceId);

    // A second `dagen start` on the same data dir refuses instead of fighting over it.
    const second = await runDagen(['start'], env);
    expect(second.code).toBe(1);
    expect(second.output).toContain('already running');

    await interruptAndExpectCleanExit(proc);
  });
});
