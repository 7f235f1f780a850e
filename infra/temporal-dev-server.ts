import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../core/search-attributes.ts';

export interface DevServerOptions {
  /** Path of the `temporal` CLI; when undefined, PATH is searched, then the SDK downloads its own copy. */
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
export function findTemporalCli(explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  try {
    const found = execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
    return found || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `temporal server start-dev` with dagen's search attributes registered. The server is a
 * child of this process and stops with it.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli(options.cliPath);
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
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
