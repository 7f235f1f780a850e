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
  const keyPepper = generatedSecret(config.dataDir, 'keyPepper', create);
  if (!keyPepper) throw new Error('DAGEN_KEY_PEPPER is not set and the data dir has no generated one');
  return keyPepper;
}

/**
 * The workspace secrets key (base64 of 32 bytes): from DAGEN_SECRETS_KEY, else the one `dagen start`
 * generated in the data dir; undefined when neither exists (secrets then cannot be used).
 */
export function resolveSecretsKey(config: Config, { create }: { create: boolean }): string | undefined {
  return config.secretsKey ?? generatedSecret(config.dataDir, 'secretsKey', create);
}

/** One value of the data dir's generated-secrets file, added (32 random bytes) when `create` says so. */
function generatedSecret(
  dataDir: string,
  field: 'keyPepper' | 'secretsKey',
  create: boolean,
): string | undefined {
  const file = path.join(dataDir, SECRETS_FILE);
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  if (stored[field] || !create) return stored[field];
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(32).toString(field === 'secretsKey' ? 'base64' : 'base64url');
  writeFileSync(file, JSON.stringify({ ...stored, [field]: value }), { mode: 0o600 });
  return value;
}

/** DATABASE_URL, else the embedded Postgres of a `dagen start` running on the same data dir. */
export function resolveDatabaseUrl(config: Config): string {
  if (config.databaseUrl) return config.databaseUrl;
  const runtime = readRuntimeInfo(config.dataDir);
  if (runtime?.databaseUrl) return runtime.databaseUrl;
  throw new Error(`DATABASE_URL is not set and no running 'dagen start' was found in ${config.dataDir}`);
}
