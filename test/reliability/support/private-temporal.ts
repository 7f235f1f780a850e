import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer } from '../../../infra/temporal-dev-server.ts';
import { identify, stopProcess } from '../../../infra/process-stop.ts';
import { freePort } from '../../../infra/temporal-runtime.ts';

/**
 * A Temporal dev server of the test's own, on a fixed port and an SQLite file, so it can be killed
 * without disturbing other tests and started again with its history intact.
 */
export interface PrivateTemporal {
  readonly address: string;
  /** Starts the server (again) on the same port and file. */
  start(): Promise<void>;
  /** `kill -9`, then waits until the process is gone. */
  kill(): Promise<void>;
  /** Stops the server if it runs and deletes its file. */
  dispose(): Promise<void>;
}

const KILL_WAIT_MS = 10_000;

export async function privateTemporal(): Promise<PrivateTemporal> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dagen-temporal-'));
  let server: DevServer | undefined;
  return {
    address: `127.0.0.1:${port}`,
    async start() {
      server = await startDevServer({
        cliPath: process.env.TEMPORAL_CLI_PATH,
        namespace: 'default',
        port,
        dbFile: path.join(dir, 'temporal.sqlite'),
      });
    },
    async kill() {
      const killed = server;
      server = undefined;
      const target = killed?.process && identify(killed.process.pid);
      if (!killed || !target) throw new Error('no dev server process to kill');
      if (!(await stopProcess(target, ['SIGKILL'], KILL_WAIT_MS))) {
        throw new Error(`dev server ${target.pid} survived SIGKILL`);
      }
      // Releases the SDK's handle on the dead server (its own stop would find nothing to kill).
      await killed.stop().catch(() => undefined);
    },
    async dispose() {
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
