import type { Redis } from 'ioredis';
import type { Logger } from '../../../infra/logger.ts';
import { MemorySlidingWindow } from './memory-sliding-window.ts';
import { RedisSlidingWindow } from './redis-sliding-window.ts';
import type { SlidingWindow, WindowDecision } from './sliding-window.ts';

/** Every key's limit counts requests over this sliding window. */
const RATE_WINDOW_MS = 60_000;
/** A Redis that does not answer within this long counts as down for this request. */
const REDIS_HIT_TIMEOUT_MS = 500;

export interface RateLimiterOptions {
  readonly redis: Redis | undefined;
  readonly log: Logger;
}

/**
 * The limiter the key gate uses: the exact Redis window when Redis answers, else this process's own
 * in-memory window, so the API keeps serving through a Redis outage. It warns once when an outage
 * starts and logs once when Redis is back; each hit tries Redis again, so recovery is immediate.
 */
export class RateLimiter implements SlidingWindow {
  readonly #redis: Redis | undefined;
  readonly #remote: RedisSlidingWindow | undefined;
  readonly #local: MemorySlidingWindow;
  readonly #log: Logger;
  #degraded = false;

  constructor(options: RateLimiterOptions) {
    this.#redis = options.redis;
    this.#remote = options.redis
      ? new RedisSlidingWindow(options.redis, RATE_WINDOW_MS, { timeoutMs: REDIS_HIT_TIMEOUT_MS })
      : undefined;
    this.#local = new MemorySlidingWindow(RATE_WINDOW_MS);
    this.#log = options.log;
  }

  /** True while hits are counted per process because Redis is unreachable. */
  get degraded(): boolean {
    return this.#degraded;
  }

  async hit(key: string, limit: number): Promise<WindowDecision> {
    if (this.#remote && this.#redis?.status === 'ready') {
      try {
        const decision = await this.#remote.hit(key, limit);
        if (this.#degraded) {
          this.#degraded = false;
          this.#log.info('rate limiter: Redis is back, windows are shared again');
        }
        return decision;
      } catch (err) {
        this.#enterFallback(err);
      }
    } else if (this.#remote) {
      this.#enterFallback(new Error(`redis ${this.#redis?.status ?? 'absent'}`));
    }
    return this.#local.hitSync(key, limit);
  }

  #enterFallback(err: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate limiter: Redis unreachable, falling back to per-process windows',
    );
  }
}
