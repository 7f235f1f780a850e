/** What one hit on a per-key sliding window decided; both window stores answer with this shape. */
export interface WindowDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Requests still allowed in the current window after this one. */
  readonly remaining: number;
  /**
   * Whole seconds (at least 1) until the oldest request in the window leaves it, i.e. until one more
   * slot frees. For a refused request this is the real wait before a retry can succeed.
   */
  readonly resetSeconds: number;
}

/** A sliding window of `windowMs` per key: a hit is admitted while fewer than `limit` hits lie in the window. */
export interface SlidingWindow {
  hit(key: string, limit: number): Promise<WindowDecision>;
}

/** Rounds a wait up to whole seconds and never below 1, so `retry_after_seconds` is never 0. */
export function waitSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
