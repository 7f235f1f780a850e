import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
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

type ScriptedRedis = Redis & {
  dagenSlidingWindow(key: string, limit: number, windowMicros: number, nonce: string): Promise<number[]>;
};

/** The exact, cross-process sliding window; throws when Redis cannot answer so the caller can fall back. */
export class RedisSlidingWindow implements SlidingWindow {
  readonly #redis: ScriptedRedis;
  readonly #windowMicros: number;
  /** A per-process nonce plus a counter makes members unique even for hits in the same microsecond. */
  readonly #nonce = randomUUID().slice(0, 8);
  #seq = 0;

  constructor(redis: Redis, windowMs: number) {
    if (!('dagenSlidingWindow' in redis)) {
      // defineCommand sends EVALSHA and falls back to EVAL once if the script is not cached yet.
      redis.defineCommand('dagenSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
    }
    this.#redis = redis as ScriptedRedis;
    this.#windowMicros = windowMs * 1000;
  }

  async hit(key: string, limit: number): Promise<WindowDecision> {
    const nonce = `${this.#nonce}${(this.#seq = (this.#seq + 1) % 1e9)}`;
    const [admitted, count, waitMicros] = await this.#redis.dagenSlidingWindow(
      KEY_PREFIX + key,
      limit,
      this.#windowMicros,
      nonce,
    );
    return {
      allowed: admitted === 1,
      limit,
      remaining: Math.max(0, limit - (count ?? limit)),
      resetSeconds: waitSeconds((waitMicros ?? this.#windowMicros) / 1000),
    };
  }
}
