import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { type SlidingWindow, type WindowDecision, waitSeconds } from './sliding-window.ts';

/**
 * One atomic script per hit, timed by Redis's own clock (TIME), so every API process shares one
 * window and one notion of "now". The window is a sorted set of admitted hits scored in microseconds.
 * Members are built from TIME's two string parts plus a caller nonce: Lua's number-to-string would
 * round a 16-digit microsecond count.
 * Returns { admitted (0|1), hits in window, microseconds until the oldest hit leaves }.
 */
const SLIDING_WINDOW_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, t[1] .. '.' .. t[2] .. ':' .. ARGV[3])
  count = count + 1
  admitted = 1
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = window
if oldest[2] then wait = tonumber(oldest[2]) + window - now end
return { admitted, count, wait }
`;

const KEY_PREFIX = 'dagen:ratelimit:';

type WindowReply = [admitted: number, count: number, waitMicros: number];

type ScriptedPipeline = ChainableCommander & {
  dagenSlidingWindow(key: string, limit: number, windowMicros: number, nonce: string): ScriptedPipeline;
};

interface QueuedHit {
  readonly key: string;
  readonly limit: number;
  resolve(decision: WindowDecision): void;
  reject(err: unknown): void;
}

export interface RedisSlidingWindowOptions {
  /** A batch Redis has not answered within this long fails, so the caller can fall back. */
  readonly timeoutMs?: number;
}

/**
 * The exact, cross-process sliding window; throws when Redis cannot answer so the caller can fall back.
 * Hits are queued and sent once per event-loop turn as one pipeline: every request the server read in
 * that turn shares one socket write and one timeout timer. Measured under load, a write per hit was
 * the largest single cost of the API's request path (more than the HTTP response itself), while the
 * added delay is only the rest of the current turn.
 */
export class RedisSlidingWindow implements SlidingWindow {
  readonly #redis: Redis;
  readonly #windowMicros: number;
  readonly #timeoutMs: number | undefined;
  /** A per-process nonce plus a counter makes members unique even for hits in the same microsecond. */
  readonly #nonce = randomUUID().slice(0, 8);
  #seq = 0;
  #queue: QueuedHit[] = [];

  constructor(redis: Redis, windowMs: number, options: RedisSlidingWindowOptions = {}) {
    if (!('dagenSlidingWindow' in redis)) {
      // defineCommand sends EVALSHA and falls back to EVAL once if the script is not cached yet.
      redis.defineCommand('dagenSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
    }
    this.#redis = redis;
    this.#windowMicros = windowMs * 1000;
    this.#timeoutMs = options.timeoutMs;
  }

  hit(key: string, limit: number): Promise<WindowDecision> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ key, limit, resolve, reject }) === 1) setImmediate(this.#flush);
    });
  }

  readonly #flush = (): void => {
    const batch = this.#queue;
    this.#queue = [];
    const pipeline = this.#redis.pipeline() as ScriptedPipeline;
    for (const { key, limit } of batch) {
      const nonce = `${this.#nonce}${(this.#seq = (this.#seq + 1) % 1e9)}`;
      pipeline.dagenSlidingWindow(KEY_PREFIX + key, limit, this.#windowMicros, nonce);
    }
    const failAll = (err: unknown): void => {
      for (const queued of batch) queued.reject(err);
    };
    // Settling a promise twice is a no-op, so a late answer after the timeout changes nothing.
    const timer =
      this.#timeoutMs === undefined
        ? undefined
        : setTimeout(
            () => failAll(new Error(`redis did not answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
    pipeline.exec().then(
      (results) => {
        clearTimeout(timer);
        batch.forEach((queued, i) => {
          const [err, reply] = results?.[i] ?? [new Error('redis pipeline answered nothing'), null];
          if (err) queued.reject(err);
          else queued.resolve(this.#decision(queued.limit, reply as WindowReply));
        });
      },
      (err: unknown) => {
        clearTimeout(timer);
        failAll(err);
      },
    );
  };

  #decision(limit: number, [admitted, count, waitMicros]: WindowReply): WindowDecision {
    return {
      allowed: admitted === 1,
      limit,
      remaining: Math.max(0, limit - (count ?? limit)),
      resetSeconds: waitSeconds((waitMicros ?? this.#windowMicros) / 1000),
    };
  }
}
