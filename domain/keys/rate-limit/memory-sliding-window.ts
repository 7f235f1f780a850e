import { type WindowDecision, waitSeconds } from './sliding-window.ts';

/**
 * A per-process sliding log: each key keeps the monotonic timestamps of its admitted hits (at most
 * `limit`, so at most 600 numbers). Used without Redis and while Redis is unreachable; it is exact for
 * this process only.
 */
export class MemorySlidingWindow {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #hits = new Map<string, number[]>();
  #lastSweep: number;

  constructor(windowMs: number, now: () => number = () => performance.now()) {
    this.#windowMs = windowMs;
    this.#now = now;
    this.#lastSweep = now();
  }

  hitSync(key: string, limit: number): WindowDecision {
    const now = this.#now();
    this.#sweepIdleKeys(now);
    let log = this.#hits.get(key);
    if (!log) {
      log = [];
      this.#hits.set(key, log);
    }
    const horizon = now - this.#windowMs;
    let expired = 0;
    while (expired < log.length && log[expired]! <= horizon) expired++;
    if (expired > 0) log.splice(0, expired);
    const allowed = log.length < limit;
    if (allowed) log.push(now);
    const oldest = log[0] ?? now;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - log.length),
      resetSeconds: waitSeconds(oldest + this.#windowMs - now),
    };
  }

  /** Drops keys with nothing left in their window, at most once per window, so idle keys cost no memory. */
  #sweepIdleKeys(now: number): void {
    if (now - this.#lastSweep < this.#windowMs) return;
    this.#lastSweep = now;
    const horizon = now - this.#windowMs;
    for (const [key, log] of this.#hits) {
      if ((log[log.length - 1] ?? -Infinity) <= horizon) this.#hits.delete(key);
    }
  }
}
