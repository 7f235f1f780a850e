import { once } from 'node:events';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { commandLine, parentPid } from '../../infra/process-stop.ts';
import { eventually } from '../engine/dag-fixtures.ts';
import {
  cleanEnv,
  freeStartPorts,
  interrupt,
  killAndRemove,
  processesMentioning,
  runDagen,
  spawnDagen,
  waitForStartBanner,
  waitUntil,
  type DagenProcess,
} from './support/dagen-process.ts';

const READY_TIMEOUT_MS = 90_000;
/** The documented default of SHUTDOWN_GRACE_MS. */
const SHUTDOWN_GRACE_MS = 30_000;
/** The watchdog's worst case: three signals to Postgres, 3 s apart, plus slack for a busy machine. */
const REAP_TIMEOUT_MS = 15_000;
const KEY_LINE = /API key:\s+(dg_[A-Za-z0-9_-]+)/;

/** Whether something accepts TCP connections on the loopback port. */
async function listening(port: number): Promise<boolean> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

/**
 * `dagen start` must never leave its Temporal dev server or embedded Postgres behind: not when it is
 * killed outright, not when interrupted with work in flight (which must end within the grace), not
 * when interrupted twice, and not when its stop hangs past the grace. The tests run in order on one
 * data dir: the first prints the demo key, the third saves the workflows the later ones run.
 */
describe('dagen start: stopping is bounded and leaves nothing running', () => {
  let dataDir: string;
  let ports: Awaited<ReturnType<typeof freeStartPorts>>;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let running: DagenProcess | undefined;
  let key: string;
  let hangWorkflowId: string;
  /** Takes requests and never answers: an http node calling it stays in flight. */
  const hanging = http.createServer(() => undefined);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dagen-stop-'));
    // As root the embedded Postgres runs as the `postgres` user, which must be able to enter the dir.
    chmodSync(dataDir, 0o755);
    ports = await freeStartPorts();
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    apiUrl = `http://127.0.0.1:${ports.PORT}`;
    env = cleanEnv({
      DAGEN_DATA_DIR: dataDir,
      ...ports,
      LOG_LEVEL: 'warn',
      HTTP_NODE_ALLOWLIST: '127.0.0.1',
    });
  });

  afterAll(async () => {
    hanging.closeAllConnections();
    hanging.close();
    await killAndRemove(running, dataDir);
  });

  async function startAndWait(extraEnv: Record<string, string> = {}): Promise<DagenProcess> {
    running = spawnDagen(['start'], { ...env, ...extraEnv });
    await waitForStartBanner(running, apiUrl, READY_TIMEOUT_MS);
    return running;
  }

  async function startRun(workflowId: string): Promise<string> {
    const started = await fetch(`${apiUrl}/api/v1/workflow/${workflowId}/run`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ input_data: {} }),
    });
    expect(started.status).toBe(202);
    return ((await started.json()) as { id: string }).id;
  }

  async function stepStatus(runId: string): Promise<string | undefined> {
    const run = await fetch(`${apiUrl}/api/v1/workflow/runs/${runId}`, { headers: { 'x-api-key': key } });
    return ((await run.json()) as { steps: { status: string }[] }).steps[0]?.status;
  }

  const portsInUse = async () => {
    const all = [ports.PORT, ports.TEMPORAL_PORT, ports.TEMPORAL_UI_PORT, ports.EMBEDDED_POSTGRES_PORT];
    const open = await Promise.all(all.map(async (p) => ((await listening(Number(p))) ? [p] : [])));
    return open.flat();
  };

  it('kill -9: the watchdog stops Temporal and Postgres at once; the next start comes up', async () => {
    const proc = await startAndWait();
    key = KEY_LINE.exec(proc.stdout())?.[1] ?? '';
    expect(processesMentioning(dataDir).length).toBeGreaterThanOrEqual(2);

    const killedAt = performance.now();
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBe('SIGKILL');
    await waitUntil(() => processesMentioning(dataDir).length === 0, REAP_TIMEOUT_MS);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(performance.now() - killedAt).toBeLessThan(REAP_TIMEOUT_MS);
    expect(await portsInUse()).toEqual([]);

    // The same data dir starts again: no lock file or runtime.json of the killed run is in the way.
    const next = await startAndWait();
    expect(await interrupt(next, dataDir)).toEqual({ code: 0, left: [] });
  });

  it('kill -9 of dagen and its watchdog: the orphans are stopped by the next start', async () => {
    const proc = await startAndWait();
    const watchdog = processesMentioning('child-reaper-process').filter(
      (pid) => parentPid(pid) === proc.child.pid,
    );
    expect(watchdog).toHaveLength(1);
    process.kill(watchdog[0]!, 'SIGKILL');
    proc.child.kill('SIGKILL');
    await proc.exited;
    // Nothing is left to stop them now: Postgres and the dev server keep running, orphaned.
    const orphans = processesMentioning(dataDir);
    expect(orphans.map((pid) => commandLine(pid)[0]).join(' ')).toMatch(
      /postgres.*temporal|temporal.*postgres/,
    );

    const next = await startAndWait();
    expect(orphans.filter((pid) => commandLine(pid).some((arg) => arg.includes(dataDir)))).toEqual([]);
    expect(await interrupt(next, dataDir)).toEqual({ code: 0, left: [] });
  });

  it('Ctrl-C with a long delay and a hanging http call in flight: exits 0 within the grace', async () => {
    const proc = await startAndWait();
    const definitions = {
      nap: { nodes: [{ id: 'nap', type: 'delay', with: { seconds: 3600 } }] },
      hang: {
        nodes: [
          {
            id: 'call',
            type: 'http',
            with: {
              url: `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}/`,
              timeout_seconds: 300,
            },
          },
        ],
      },
    };
    const requested = once(hanging, 'request');
    const runIds: Record<string, string> = {};
    for (const [name, definition] of Object.entries(definitions)) {
      const file = path.join(dataDir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ name, status: 'active', ...definition }));
      const applied = await runDagen(
        ['workflows', 'apply', '--workspace', 'demo', '--file', file, '--json'],
        env,
      );
      expect(applied.code).toBe(0);
      const { id } = JSON.parse(applied.stdout) as { id: string };
      if (name === 'hang') hangWorkflowId = id;
      runIds[name] = await startRun(id);
    }
    // In flight: the http node's request has reached the server, and the delay's step is running.
    await requested;
    expect(
      await eventually(
        () => stepStatus(runIds.nap!),
        (s) => s === 'running',
      ),
    ).toBe('running');

    const interruptedAt = performance.now();
    const stopped = await interrupt(proc, dataDir);
    const tookMs = performance.now() - interruptedAt;
    expect(stopped).toEqual({ code: 0, left: [] });
    expect(tookMs).toBeLessThan(SHUTDOWN_GRACE_MS);
    expect(await portsInUse()).toEqual([]);
  });

  it('a second signal exits at once, and still takes Temporal and Postgres down', async () => {
    const proc = await startAndWait();
    const requested = once(hanging, 'request');
    await startRun(hangWorkflowId);
    await requested;

    const interruptedAt = performance.now();
    proc.child.kill('SIGINT');
    // A different signal, so the kernel cannot merge it with the first one while both are pending.
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(130);
    // Without the second signal, the worker would wait a third of the grace for the hanging call.
    expect(performance.now() - interruptedAt).toBeLessThan(SHUTDOWN_GRACE_MS / 3);
    await waitUntil(() => processesMentioning(dataDir).length === 0, REAP_TIMEOUT_MS);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(await portsInUse()).toEqual([]);
  });

  it('a held wait answers at once with the run as it is when the stop begins; the stop is clean', async () => {
    const graceMs = 5000;
    const proc = await startAndWait({ SHUTDOWN_GRACE_MS: String(graceMs) });
    // A request waiting for a run that cannot end (its http call hangs).
    const requested = once(hanging, 'request');
    const waiting = fetch(`${apiUrl}/api/v1/workflow/${hangWorkflowId}/run`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ input_data: {}, wait: true, timeout: 300 }),
    }).then(
      async (res) => ({ status: res.status, location: res.headers.get('location'), body: await res.json() }),
      () => 'connection lost',
    );
    await requested;

    const interruptedAt = performance.now();
    proc.child.kill('SIGINT');
    expect(await waiting).toMatchObject({
      status: 202,
      location: expect.stringMatching(/^\/api\/v1\/workflow\/runs\//),
      body: { status: 'running' },
    });
    const code = await proc.exited;
    if (code !== 0) console.log(proc.output());
    expect(code).toBe(0);
    expect(performance.now() - interruptedAt).toBeLessThan(graceMs);
    await waitUntil(() => processesMentioning(dataDir).length === 0, REAP_TIMEOUT_MS);
    expect(processesMentioning(dataDir)).toEqual([]);
    expect(await portsInUse()).toEqual([]);
  });
});
