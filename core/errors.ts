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

/** Thrown when a dependency (database, Temporal, Redis) cannot be reached (503). */
export class UnavailableError extends AppError {
  override readonly name = 'UnavailableError';
  constructor(message: string, cause?: unknown) {
    super(503, message, { cause });
  }
}
