/**
 * Turns whatever the AI SDK throws (or reports through its stream) into the gateway's typed
 * errors. Messages name the provider, the status and a bounded piece of the provider's own error
 * message, with every configured secret blanked: never a key, an auth header or a request body.
 */
import { APICallError, RetryError } from 'ai';
import { ModelRateLimitedError, ModelRequestRejectedError, ModelUnavailableError } from './model-errors.ts';

const MAX_PROVIDER_MESSAGE = 300;

/** Milliseconds a 429 asks us to wait: `retry-after-ms`, else `retry-after` (seconds or date). */
export function retryAfterMs(
  headers: Readonly<Record<string, string>> | undefined,
  now = Date.now(),
): number | undefined {
  if (headers === undefined) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ms = Number.parseFloat(lower['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const value = lower['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The abort to rethrow: the signal's own reason (Temporal's cancellation), else an AbortError. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The model call was aborted', 'AbortError');
}

/** Shortens `text` and blanks every secret in it. */
function safeText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_PROVIDER_MESSAGE ? `${out.slice(0, MAX_PROVIDER_MESSAGE)}…` : out;
}

/** The message of an Error, of `{ message }` or `{ error: { message } }`, else its type. */
function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'object' && cause !== null) {
    const c = cause as { message?: unknown; error?: { message?: unknown } };
    if (typeof c.message === 'string') return c.message;
    if (typeof c.error?.message === 'string') return c.error.message;
    return 'an error without a message';
  }
  return String(cause);
}

/**
 * The typed error for a failed call to `provider`. `secrets` are the provider's key and header
 * values, blanked should the provider echo them back.
 */
export function toModelError(
  error: unknown,
  provider: string,
  secrets: readonly string[],
): ModelRateLimitedError | ModelRequestRejectedError | ModelUnavailableError {
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode;
    const said = safeText(cause.message, secrets);
    if (status === 429) {
      return new ModelRateLimitedError(
        `model provider "${provider}" is rate limiting (429): ${said}`,
        retryAfterMs(cause.responseHeaders),
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return new ModelRequestRejectedError(
        `model provider "${provider}" rejected the request (${status}): ${said}`,
        status,
      );
    }
    const what = status === undefined ? 'could not be reached' : `failed (${status})`;
    return new ModelUnavailableError(`model provider "${provider}" ${what}: ${said}`);
  }
  // Malformed streams (JSON parse, schema validation, bad sequences), error events inside a
  // stream (Anthropic's `overloaded_error` arrives as a plain object), anything unforeseen.
  const said = safeText(describe(cause), secrets);
  return new ModelUnavailableError(`model provider "${provider}" sent an unusable answer: ${said}`);
}
