import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Harness } from '../../helpers/harness.ts';

const DAGEN_BIN = fileURLToPath(new URL('../../../bin/dagen.js', import.meta.url));

/**
 * `dagen worker` processes of one test file, each a separate OS process (so `kill -9` really kills
 * a worker, not the test), against the harness's Postgres and Temporal. `killAll` in afterAll stops
 * whatever is still running, also when a test failed halfway.
 */
export interface WorkerProcesses {
  /** Starts a worker on `taskQueue` and resolves once it polls; `env` adds or overrides variables. */
  start(taskQueue: string, env?: Record<string, string>): Promise<ChildProcess>;
  /** `kill -9` and wait until the process is gone. */
  kill(child: ChildProcess): Promise<void>;
  killAll(): Promise<void>;
}

export function workerProcesses(h: Harness): WorkerProcesses {
  const live = new Set<ChildProcess>();
  const kill = async (child: ChildProcess) => {
    live.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    async start(taskQueue, env = {}) {
      const child = spawn(process.execPath, [DAGEN_BIN, 'worker'], {
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: h.config.databaseUrl,
          TEMPORAL_ADDRESS: h.config.temporal.address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          DAGEN_KEY_PEPPER: h.config.keyPepper,
          METRICS_PORT: '0',
          LOG_LEVEL: 'info',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      live.add(child);
      let output = '';
      let ready = false;
      await new Promise<void>((resolve, reject) => {
        // Keeps draining the pipes once ready (a full pipe would block the worker), without keeping the text.
        const onData = (chunk: Buffer) => {
          if (ready) return;
          output += chunk.toString();
          ready = output.includes('worker running');
          if (ready) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`worker exited early (${code}): ${output}`)));
      });
      return child;
    },
    kill,
    async killAll() {
      await Promise.all([...live].map(kill));
    },
  };
}
