import type { Middleware } from 'koa';
import { ForbiddenError, RateLimitError, UnauthorizedError } from '../core/errors.ts';
import { resolvePepper } from '../infra/data-dir.ts';
import type { Services } from '../infra/services.ts';
import type { Caller } from '../domain/tenants/caller.ts';
import type { AppState } from './context.ts';
import { DEFAULT_RATE_LIMIT_PER_MINUTE, type Scope } from '../domain/keys/api-keys.service.ts';
import {
  type InvalidationSubscription,
  subscribeKeyInvalidations,
} from '../domain/keys/key-cache-invalidation.ts';
import { isWellFormedKey } from '../domain/keys/key-format.ts';
import { type KeyRecord, KeyResolver } from '../domain/keys/key-resolver.ts';
import { RateLimiter } from '../domain/keys/rate-limit/rate-limiter.ts';
import { UsageCounter } from '../domain/keys/usage-counter.ts';

type GateMiddleware = Middleware<AppState>;

/** The External API's gate: built once per app, its middleware shared by every protected route. */
export interface KeyGate {
  /** X-API-Key → 401 missing/malformed/unknown, 403 inactive/revoked/expired; binds `ctx.state.auth`. */
  readonly authenticate: GateMiddleware;
  /** 403 naming the scope the key lacks. */
  requireScope(scope: Scope): GateMiddleware;
  /** Sliding window per key: limit headers on every response it lets through, 429 when over. */
  readonly rateLimit: GateMiddleware;
  /** The order every protected route uses; 401/403 come first, so they never consume quota. */
  guard(scope: Scope): GateMiddleware[];
  /** Stops the invalidation subscription and flushes usage counters. */
  close(): Promise<void>;
}

/** Rate limit of each bound caller, kept beside the shared frozen Caller rather than on it. */
const limitOf = new WeakMap<Caller, number>();

/** Builds the gate for one app: one key cache, one limiter, one usage buffer, one subscription. */
export function createKeyGate(services: Services): KeyGate {
  const { config, log, orm, redis } = services;
  const resolver = new KeyResolver({
    orm,
    pepper: resolvePepper(config, { create: false }),
    ttlMs: config.keyCacheTtlMs,
  });
  const limiter = new RateLimiter({ redis, log });
  const usage = new UsageCounter(orm, log);
  const subscription: InvalidationSubscription | undefined = redis
    ? subscribeKeyInvalidations(redis, log, {
        onKey: (id) => resolver.invalidate(id),
        onResync: () => resolver.invalidateAll(),
      })
    : undefined;

  let closing: Promise<void> | undefined;

  const authenticate: GateMiddleware = async function authenticate(ctx, next) {
    const presented = ctx.get('x-api-key');
    if (presented === '') throw new UnauthorizedError('Missing X-API-Key header');
    // The checksum refuses typos and invented keys before any hashing or lookup.
    if (!isWellFormedKey(presented)) throw new UnauthorizedError('Malformed API key');
    const resolved = resolver.resolve(presented);
    const record = resolved instanceof Promise ? await resolved : resolved;
    if (!record) throw new UnauthorizedError('Invalid API key');
    refuseUnusable(record, Date.now());
    ctx.state.auth = record.auth;
    limitOf.set(record.auth, record.rateLimitPerMinute);
    usage.record(record.auth.apiKeyId);
    return next();
  };

  const requireScope = (scope: Scope): GateMiddleware =>
    async function requireScopeMiddleware(ctx, next) {
      if (!ctx.state.auth?.scopes.includes(scope)) {
        throw new ForbiddenError(`API key lacks the '${scope}' scope required by this endpoint`);
      }
      return next();
    };

  const rateLimit: GateMiddleware = async function rateLimit(ctx, next) {
    const auth = ctx.state.auth;
    if (!auth) throw new Error('rate limit mounted before authenticate');
    const decision = await limiter.hit(auth.apiKeyId, limitOf.get(auth) ?? DEFAULT_RATE_LIMIT_PER_MINUTE);
    ctx.set('RateLimit-Limit', String(decision.limit));
    ctx.set('RateLimit-Remaining', String(decision.remaining));
    ctx.set('RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      ctx.set('Retry-After', String(decision.resetSeconds));
      throw new RateLimitError(decision.resetSeconds);
    }
    return next();
  };

  return {
    authenticate,
    requireScope,
    rateLimit,
    guard: (scope) => [authenticate, requireScope(scope), rateLimit],
    close() {
      // Idempotent: the app and a test harness may both close it.
      closing ??= (async () => {
        subscription?.close();
        await usage.close();
      })();
      return closing;
    },
  };
}

/** 403 for a key that exists but may not be used; revocation wins over the other reasons. */
function refuseUnusable(record: KeyRecord, nowMs: number): void {
  if (record.revoked) throw new ForbiddenError('API key has been revoked');
  if (!record.active) throw new ForbiddenError('API key is inactive');
  if (record.expiresAtMs !== null && record.expiresAtMs <= nowMs) {
    throw new ForbiddenError(
      record.rotated ? 'API key was rotated and its overlap window has ended' : 'API key has expired',
    );
  }
}
