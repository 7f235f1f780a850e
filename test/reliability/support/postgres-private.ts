import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateDatabase } from '../../../db/scratch-database.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../infra/embedded-postgres.ts';
import { createLogger } from '../../../infra/logger.ts';
import { freePort } from '../../../infra/temporal-runtime.ts';

/**
 * A Postgres cluster of the test's own (embedded-postgres, on a free port), migrated like a real
 * install, that the test may stop and start: the shared server on 5432 is never touched.
 */
export interface PrivatePostgres {
  readonly databaseUrl: string;
  /** Fast shutdown: open connections are terminated, new ones refused. */
  stop(): Promise<void>;
  /** Starts the same cluster again on the same port. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export async function privatePostgres(): Promise<PrivatePostgres> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dagen-pg-outage-'));
  // As root the cluster runs as the `postgres` user, which must own what it writes.
  chmodSync(dataDir, 0o777);
  const options = { dataDir, port: await freePort(), log: createLogger('silent') };
  let running: EmbeddedPostgres | undefined = await startEmbeddedPostgres(options);
  const databaseUrl = running.databaseUrl;
  await migrateDatabase(databaseUrl);
  const stop = async () => {
    const cluster = running;
    running = undefined;
    await cluster?.stop();
  };
  return {
    databaseUrl,
    stop,
    async start() {
      running ??= await startEmbeddedPostgres(options);
    },
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
