/** Thrown when a model names a provider that is not configured; the API turns it into 400. */
export class UnknownModelProviderError extends Error {
  override readonly name = 'UnknownModelProviderError';
  readonly provider: string;
  readonly choices: readonly string[];
  constructor(provider: string, choices: readonly string[]) {
    super(`unknown model provider "${provider}"; configured providers: ${choices.join(', ')}`);
    this.provider = provider;
    this.choices = choices;
  }
}

/** The provider answered 429: retry after `retryAfterMs` (from `retry-after`) when it said. */
export class ModelRateLimitedError extends Error {
  override readonly name = 'ModelRateLimitedError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The provider refused the request (a 4xx other than 429): retrying cannot help. */
export class ModelRequestRejectedError extends Error {
  override readonly name = 'ModelRequestRejectedError';
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message);
    this.status = status;
  }
}

/** The provider failed or could not be reached (5xx, network, bad stream): worth retrying. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}
