import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Thrown when the environment cannot be parsed; its message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(z.string().url().optional())
  .optional();

const schema = z.object({
  DATABASE_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('dagen'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  METRICS_PORT: port.default(9464),
  METRICS_TOKEN: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(z.string().min(16, 'must be at least 16 characters').optional())
    .optional(),
  DAGEN_DATA_DIR: z.string().min(1).default('.dagen'),
  DAGEN_KEY_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
  DAGEN_SECRETS_KEY: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(
      z
        .string()
        .transform(secretsKeyBase64)
        .pipe(z.string({ error: 'must be 32 bytes, as 64 hex digits or base64' }))
        .optional(),
    )
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  AGENT_LIST_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  API_MAX_CONCURRENT_STARTS: z.coerce.number().int().min(1).max(10_000).default(32),
  HTTP_NODE_ALLOWLIST: z.string().default(''),
  RUN_MAX_PARALLEL_NODES: z.coerce.number().int().min(1).max(256).default(16),
  EXPRESSION_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  EXPRESSION_MEMORY_MB: z.coerce.number().int().min(16).max(4096).default(64),
  EXPRESSION_POOL_SIZE: z.coerce.number().int().min(1).max(64).optional(),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  WORKSPACE_MAX_ACTIVE_RUNS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
});

export interface Config {
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly temporal: {
    readonly address: string | undefined;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly cliPath: string | undefined;
    readonly devPort: number;
    readonly uiPort: number;
  };
  /** Port of the Postgres that `dagen start` embeds when DATABASE_URL is not set. */
  readonly embeddedPostgresPort: number;
  readonly host: string;
  readonly port: number;
  readonly metricsPort: number;
  /** Bearer token that the API's `/metrics` requires; unset, the API does not serve `/metrics` at all. */
  readonly metricsToken: string | undefined;
  readonly dataDir: string;
  readonly keyPepper: string | undefined;
  /** AES-256 key (base64 of 32 bytes) that workspace secrets are encrypted with; unset, secrets cannot be used. */
  readonly secretsKey: string | undefined;
  readonly logLevel: string;
  readonly maxBodyBytes: number;
  readonly keyCacheTtlMs: number;
  /** How long an API process reuses a workspace's agent listing (0 = always read). */
  readonly agentListCacheMs: number;
  /** Run starts one API process works on at once; more wait their turn (bounds a burst's memory). */
  readonly maxConcurrentStarts: number;
  /** Hosts or CIDR ranges that http nodes may reach even though they are private or loopback. */
  readonly httpNodeAllowlist: readonly string[];
  readonly runMaxParallelNodes: number;
  /** Deadline and heap cap of one workflow expression evaluation (JSONata runs in a child process). */
  readonly expressionTimeoutMs: number;
  readonly expressionMemoryMb: number;
  /** Processes evaluating workflow expressions at once in one worker. */
  readonly expressionPoolSize: number;
  /**
   * How long a stop (first SIGINT/SIGTERM) may take before the process exits anyway, non-zero. The
   * worker lets activities finish for a third of it, then cancels them.
   */
  readonly shutdownGraceMs: number;
  /** Runs of one workspace that may be `pending` or `running` at once, child runs included. */
  readonly workspaceMaxActiveRuns: number;
}

/** Variables whose value an error message must not repeat. */
const SECRET_VARIABLES = new Set(['DAGEN_KEY_PEPPER', 'DAGEN_SECRETS_KEY', 'METRICS_TOKEN']);

/** Parses the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    const got = SECRET_VARIABLES.has(variable) ? '' : ` (got ${JSON.stringify(env[variable])})`;
    throw new ConfigError(`Invalid ${variable}: ${issue?.message ?? 'bad value'}${got}`);
  }
  const e = parsed.data;
  return deepFreeze({
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      devPort: e.TEMPORAL_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    host: e.HOST,
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    dataDir: path.resolve(e.DAGEN_DATA_DIR),
    keyPepper: e.DAGEN_KEY_PEPPER,
    secretsKey: e.DAGEN_SECRETS_KEY,
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.MAX_BODY_BYTES,
    keyCacheTtlMs: e.KEY_CACHE_TTL_MS,
    agentListCacheMs: e.AGENT_LIST_CACHE_MS,
    maxConcurrentStarts: e.API_MAX_CONCURRENT_STARTS,
    httpNodeAllowlist: e.HTTP_NODE_ALLOWLIST.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    runMaxParallelNodes: e.RUN_MAX_PARALLEL_NODES,
    expressionTimeoutMs: e.EXPRESSION_TIMEOUT_MS,
    expressionMemoryMb: e.EXPRESSION_MEMORY_MB,
    // Each process holds a heap of its own: a few, not one per core on a big machine.
    expressionPoolSize: e.EXPRESSION_POOL_SIZE ?? Math.min(4, availableParallelism()),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    workspaceMaxActiveRuns: e.WORKSPACE_MAX_ACTIVE_RUNS,
  });
}

/** A 32-byte key written as 64 hex digits or base64 (either alphabet), as base64; else undefined. */
function secretsKeyBase64(text: string): string | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex').toString('base64');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('base64');
}

/** Returns a copy of `config` with some fields replaced, for tests and the embedded launcher. */
export function withOverrides(config: Config, overrides: Partial<Config>): Config {
  return deepFreeze({ ...config, ...overrides });
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v as object);
  return Object.freeze(value);
}
