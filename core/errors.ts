/**
 * The one error family the API renders. `status` is the HTTP status and `message` is safe to show
 * to the caller; anything that is not an AppError is rendered as a generic 500.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly status: number;
  /** Extra fields merged into the JSON body next to `error` (e.g. `retry_after_seconds`). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = status;
    this.details = options.details ?? {};
  }
}

/** Thrown when the request body, query or state is not acceptable (400). */
export class BadRequestError extends AppError {
  override readonly name = 'BadRequestError';
  constructor(message: string, details?: Record<string, unknown>) {
    super(400, message, { details });
  }
}

/** Thrown when the caller did not present a valid key (401). */
export class UnauthorizedError extends AppError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string) {
    super(401, message);
  }
}

/** Thrown when the key is valid but may not do this: inactive, expired or missing a scope (403). */
export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super(403, message);
  }
}

/** Thrown for an id that does not exist in the caller's workspace, whether or not it exists elsewhere (404). */
export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(what: string) {
    super(404, `${what} not found`);
  }
}

/** Thrown when the request conflicts with an earlier one, such as an idempotency key reused with another body (422). */
export class UnprocessableError extends AppError {
  override readonly name = 'UnprocessableError';
  constructor(message: string) {
    super(422, message);
  }
}

/** Thrown when the key is over its rate limit (429). */
export class RateLimitError extends AppError {
  override readonly name = 'RateLimitError';
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(429, 'Rate limit exceeded', { details: { retry_after_seconds: retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The message of a refused or failed model call over its key's budget; a failed step carries it too. */
export const BUDGET_EXCEEDED_MESSAGE = 'Budget exceeded';

/**
 * Thrown before a model call when the key it is billed to has spent its monthly budget (402, body
 * `{ error: "Budget exceeded", budget_micros, spent_micros }`). Here in core so the API renders it
 * and the agent activities and workflows (which fail their step with its message) can name it.
 */
export class BudgetExceededError extends AppError {
  override readonly name = 'BudgetExceededError';
  /** The key's monthly cap, in micro-units. */
  readonly budgetMicros: number;
  /** What the key (with the keys it was rotated from or to) spent this UTC month, in micro-units. */
  readonly spentMicros: number;
  constructor(budgetMicros: number, spentMicros: number) {
    super(402, BUDGET_EXCEEDED_MESSAGE, {
      details: { budget_micros: budgetMicros, spent_micros: spentMicros },
    });
    this.budgetMicros = budgetMicros;
    this.spentMicros = spentMicros;
  }
}

/** How long a client should wait before retrying a start refused by the workspace's run limit. */
export const ACTIVE_RUN_LIMIT_RETRY_AFTER_SECONDS = 5;

/** Why a run (started through the API or by a workflow node) was refused at the workspace's cap. */
export function activeRunLimitMessage(maxActiveRuns: number): string {
  return (
    `Workspace run limit reached: ${maxActiveRuns} runs are already pending or running in this ` +
    'workspace (WORKSPACE_MAX_ACTIVE_RUNS); retry when one has ended'
  );
}

/**
 * Thrown when a start would exceed the workspace's cap on live runs (429, with `Retry-After`). Nothing
 * was recorded, so a retry (with the same Idempotency-Key, too) may start the run.
 */
export class ActiveRunLimitError extends AppError {
  override readonly name = 'ActiveRunLimitError';
  readonly retryAfterSeconds = ACTIVE_RUN_LIMIT_RETRY_AFTER_SECONDS;
  constructor(maxActiveRuns: number) {
    super(429, activeRunLimitMessage(maxActiveRuns), {
      details: { max_active_runs: maxActiveRuns, retry_after_seconds: ACTIVE_RUN_LIMIT_RETRY_AFTER_SECONDS },
    });
  }
}

/** How long a client should wait before retrying after a dependency was unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Thrown when a dependency (database, Temporal, Redis) cannot be reached (503). The API answers it
 * with a `Retry-After` header; the message must never carry the dependency's address.
 */
export class UnavailableError extends AppError {
  override readonly name = 'UnavailableError';
  readonly retryAfterSeconds: number;
  constructor(message: string, cause?: unknown, retryAfterSeconds = UNAVAILABLE_RETRY_AFTER_SECONDS) {
    super(503, message, { cause, details: { retry_after_seconds: retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export type Dependency = 'database' | 'workflow engine';

// Socket errors of a connection that could not be made or was lost.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// Postgres: connection exceptions (class 08), admin/crash shutdown, cannot connect now, too many connections.
const POSTGRES_CODES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
// gRPC UNAVAILABLE: the Temporal frontend cannot be reached; DEADLINE_EXCEEDED: a call given a
// deadline (a run's start) got no answer in time, which to a caller is the same outage.
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * Which dependency `err` says is unreachable, or undefined for any other error. Duck-typed (this
 * module is shared with workflow code, so it imports no driver): it walks the cause chain and the
 * members of an AggregateError, since the ORM and the Temporal client wrap the socket error.
 */
export function unreachableDependency(err: unknown): Dependency | undefined {
  const temporal = isTemporalError(err);
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift() as ErrorLike | undefined;
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { code, name, message } = e;
    if (
      temporal &&
      (code === GRPC_UNAVAILABLE ||
        code === GRPC_DEADLINE_EXCEEDED ||
        message === 'Channel has been shut down')
    ) {
      return 'workflow engine';
    }
    if (!temporal) {
      if (typeof code === 'string' && (SOCKET_CODES.has(code) || POSTGRES_CODES.has(code))) return 'database';
      if (name === 'ConnectionException') return 'database';
      if (
        typeof message === 'string' &&
        /^Connection terminated|timeout exceeded when trying to connect|is not queryable$/.test(message)
      ) {
        return 'database';
      }
    }
    queue.push(e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return undefined;
}

/** The Temporal client wraps every gRPC failure in a ServiceError; a raw one has a numeric code. */
function isTemporalError(err: unknown): boolean {
  const e = err as ErrorLike | null;
  return typeof e === 'object' && e !== null && (e.name === 'ServiceError' || typeof e.code === 'number');
}
