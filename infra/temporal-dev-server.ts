import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes.ts';
import type { ReapableChild } from './child-reaper.ts';
import { parentPid, processesWhere, stopProcess } from './process-stop.ts';

export interface DevServerOptions {
  /** Path of the `temporal` CLI; when undefined, PATH is searched. */
  cliPath?: string | undefined;
  /** SQLite file that keeps history across restarts; in-memory when undefined. */
  dbFile?: string | undefined;
  namespace: string;
  port?: number | undefined;
  /** Port of the embedded Temporal Web UI; no UI when undefined. */
  uiPort?: number | undefined;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  /** The server's process (the SDK spawns it from native code and does not expose it). */
  readonly process: ReapableChild | undefined;
  stop(): Promise<void>;
}

/** SIGTERM lets the server close its SQLite file; the SDK's own teardown is a SIGKILL. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGKILL'];
const LEFTOVER_STEP_MS = 3000;

/** Finds the Temporal CLI: an explicit path, else `temporal` on PATH, else undefined. */
function findTemporalCli(explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  try {
    const found = execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
    return found || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Thrown when there is no Temporal CLI to run a dev server with. The SDK could download one, but
 * that hangs or fails offline, so the message says how to provide one instead (one line).
 */
export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

const PROVIDE_ONE =
  'set TEMPORAL_CLI_PATH=/path/to/temporal (./dagen installs one), or TEMPORAL_ADDRESS=host:port to use a running server';

/** The CLI to run, or a TemporalCliNotFoundError saying how to provide one. */
function requireTemporalCli(explicit: string | undefined): string {
  if (explicit && !existsSync(explicit)) {
    throw new TemporalCliNotFoundError(`no Temporal CLI at TEMPORAL_CLI_PATH=${explicit}: ${PROVIDE_ONE}`);
  }
  const cli = findTemporalCli(explicit);
  if (!cli) throw new TemporalCliNotFoundError(`no Temporal CLI (\`temporal\`) on PATH: ${PROVIDE_ONE}`);
  return cli;
}

/**
 * Starts `temporal server start-dev` with dagen's search attributes registered. The server is a
 * child of this process and stops with it.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = requireTemporalCli(options.cliPath);
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    await stopLeftoverServers(options.dbFile);
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli },
      namespace: options.namespace,
      ip: '127.0.0.1',
      port: options.port,
      dbFilename: options.dbFile,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
      extraArgs: ['--log-level', 'error'],
    },
  });
  const port = env.address.split(':').pop()!;
  const [server] = processesWhere(
    (args, pid) => args.includes('start-dev') && args.includes(port) && parentPid(pid) === process.pid,
  );
  return {
    address: env.address,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: server && { name: 'temporal dev server', pid: server.pid, signals: STOP_SIGNALS },
    stop: () => env.teardown(),
  };
}

/**
 * A dev server still running on this SQLite file was orphaned by an earlier start that died before
 * its watchdog could stop it (e.g. both were killed): it holds the file and the ports, so stop it.
 */
async function stopLeftoverServers(dbFile: string): Promise<void> {
  const leftovers = processesWhere((args) => args.includes('start-dev') && args.includes(dbFile));
  await Promise.all(leftovers.map((p) => stopProcess(p, STOP_SIGNALS, LEFTOVER_STEP_MS)));
}
