import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * What a running `dagen start` publishes in its data dir so admin commands in another terminal
 * reach the same embedded Postgres and Temporal.
 */
export interface RuntimeInfo {
  pid: number;
  databaseUrl: string;
  temporalAddress: string;
  apiUrl: string;
  temporalUiUrl: string | undefined;
}

const RUNTIME_FILE = 'runtime.json';
const SECRETS_FILE = 'secrets.json';

export function readRuntimeInfo(dataDir: string): RuntimeInfo | undefined {
  const file = path.join(dataDir, RUNTIME_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo | undefined): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, RUNTIME_FILE), info ? JSON.stringify(info, null, 2) : '{}', {
    mode: 0o600,
  });
}

/** The key pepper: from DAGEN_KEY_PEPPER, else generated once and kept (mode 0600) in the data dir. */
export function resolvePepper(config: Config, { create }: { create: boolean }): string {
  if (config.keyPepper) return config.keyPepper;
  const file = path.join(config.dataDir, SECRETS_FILE);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { keyPepper: string }).keyPepper;
  if (!create) throw new Error('DAGEN_KEY_PEPPER is not set and the data dir has no generated one');
  mkdirSync(config.dataDir, { recursive: true });
  const keyPepper = randomBytes(32).toString('base64url');
  writeFileSync(file, JSON.stringify({ keyPepper }), { mode: 0o600 });
  return keyPepper;
}

/** DATABASE_URL, else the embedded Postgres of a `dagen start` running on the same data dir. */
export function resolveDatabaseUrl(config: Config): string {
  if (config.databaseUrl) return config.databaseUrl;
  const runtime = readRuntimeInfo(config.dataDir);
  if (runtime?.databaseUrl) return runtime.databaseUrl;
  throw new Error(`DATABASE_URL is not set and no running 'dagen start' was found in ${config.dataDir}`);
}
