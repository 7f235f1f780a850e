import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes.ts';

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
  stop(): Promise<void>;
}

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
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
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
  return {
    address: env.address,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}
