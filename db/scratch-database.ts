import pg from 'pg';
import { migrate, openOrm } from './orm.ts';

/** The local server's maintenance database, as CI and developer machines run it (trust auth). */
export const LOCAL_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
}

/** Applies every migration to the database at `url`. */
export async function migrateDatabase(url: string): Promise<void> {
  const orm = await openOrm(url);
  try {
    await migrate(orm);
  } finally {
    await orm.close();
  }
}

/**
 * Creates a fresh, migrated database `<prefix>_<pid>_<ms>` on the server behind `adminUrl`, so tests
 * and benchmarks never touch a developer's data.
 */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await adminQuery(adminUrl, `create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return { name, url: url.toString() };
}

export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
