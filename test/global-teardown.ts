import { rmSync } from 'node:fs';
import pg from 'pg';
import type { DevServer } from '../infra/temporal-dev-server.ts';

interface SetupState {
  server: DevServer;
  adminUrl: string;
  dbName: string;
  bundlePath: string;
}

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __dagenTest?: SetupState }).__dagenTest;
  if (!state) return;
  await state.server.stop();
  rmSync(state.bundlePath, { force: true });
  if (process.env.KEEP_TEST_DB) return;
  const admin = new pg.Client({ connectionString: state.adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists "${state.dbName}" with (force)`);
  await admin.end();
}
