import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, LOCAL_ADMIN_URL } from '../db/scratch-database.ts';
import { startDevServer } from '../infra/temporal-dev-server.ts';
import { bundleWorkflows } from '../worker/bundle.ts';
import { TEST_ENV, TEST_PEPPER } from './helpers/test-env.ts';

/**
 * Once per test run: a real Temporal dev server, a fresh migrated Postgres database and one workflow
 * bundle, handed to test files through environment variables. Nothing touches a developer's data.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? LOCAL_ADMIN_URL;
  const db = await createScratchDatabase(adminUrl, 'dagen_test');
  const dbName = db.name;
  process.env.DATABASE_URL = db.url;

  const [server, bundle] = await Promise.all([
    startDevServer({ cliPath: process.env.TEMPORAL_CLI_PATH, namespace: 'default' }),
    bundleWorkflows(),
  ]);
  const bundlePath = path.join(os.tmpdir(), `${dbName}.workflows.js`);
  writeFileSync(bundlePath, bundle.code);

  process.env.TEMPORAL_ADDRESS = server.address;
  process.env[TEST_ENV.bundlePath] = bundlePath;
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.DAGEN_KEY_PEPPER = TEST_PEPPER;
  process.env.LOG_LEVEL ??= 'silent';
  Object.assign(globalThis, { __dagenTest: { server, adminUrl, dbName, bundlePath } });
  console.log(
    `\n[global-setup] temporal ${server.address}, db ${dbName}, ready in ${Date.now() - started} ms`,
  );
}
