import { rmSync } from 'node:fs';
import { dropScratchDatabase } from '../db/scratch-database.ts';
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
  await dropScratchDatabase(state.adminUrl, state.dbName);
}
