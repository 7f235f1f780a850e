import type { MikroORM } from '../../db/orm.ts';
import type { Caller } from '../tenants/caller.ts';
import { hashKey } from './key-format.ts';

/** What the gate needs to know about a key; `auth` is frozen and shared by every request on the key. */
export interface KeyRecord {
  readonly auth: Caller;
  readonly active: boolean;
  readonly revoked: boolean;
  /** Set when the key was rotated: it then expires at the end of its overlap window. */
  readonly rotated: boolean;
  readonly expiresAtMs: number | null;
  readonly rateLimitPerMinute: number;
}

export interface KeyResolverOptions {
  readonly orm: MikroORM;
  readonly pepper: string;
  /** How long a looked-up key (or a miss) is trusted without asking Postgres again. */
  readonly ttlMs: number;
  /** Most keys kept resolved at once (default 10,000); only real keys are ever stored here. */
  readonly maxEntries?: number;
  /** Most unknown keys remembered at once (default 10,000): bounds memory against floods of them. */
  readonly maxMisses?: number;
}

/**
 * The one lookup, on the unique key_hash index. Raw SQL: it runs on every cache miss, and the ORM's
 * hydration costs several times the query itself.
 */
const LOOKUP_SQL = `select id, workspace_id, owner_id, scopes, active, rate_limit_per_minute,
    revoked_at is not null as revoked, rotated_to_id is not null as rotated,
    (extract(epoch from expires_at) * 1000)::float8 as expires_at_ms
  from api_keys where key_hash = ?`;

interface KeyRow {
  id: string;
  workspace_id: string;
  owner_id: string;
  scopes: string[];
  active: boolean;
  rate_limit_per_minute: number;
  revoked: boolean;
  rotated: boolean;
  expires_at_ms: number | string | null;
}

interface CacheEntry<T> {
  readonly value: T;
  readonly until: number;
}

/** A map of at most `max` entries that drops its oldest one (Maps iterate in insertion order) when full. */
class BoundedTtlMap<T> {
  readonly #entries = new Map<string, CacheEntry<T>>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** The live entry for `key`, if any (an expired one counts as absent). */
  get(key: string, nowMs: number): CacheEntry<T> | undefined {
    const entry = this.#entries.get(key);
    return entry && entry.until > nowMs ? entry : undefined;
  }

  set(key: string, value: T, until: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, until });
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/**
 * Turns a presented key into its record with one lookup on the unique key_hash index, cached in this
 * process for `ttlMs`. Misses are cached too (a plaintext cannot exist before its row does), but apart
 * from real keys: a flood of invented well-formed keys costs one lookup each per TTL and only ever
 * evicts other misses, never a real key. Concurrent lookups of one key share a single query, and
 * `invalidate` drops a key at once when told it changed.
 */
export class KeyResolver {
  readonly #options: KeyResolverOptions;
  readonly #known: BoundedTtlMap<KeyRecord>;
  readonly #unknown: BoundedTtlMap<null>;
  readonly #hashById = new Map<string, string>();
  readonly #inFlight = new Map<string, Promise<KeyRecord | null>>();
  /** Bumped by invalidations so a lookup that started before one cannot re-cache stale data. */
  #generation = 0;

  constructor(options: KeyResolverOptions) {
    this.#options = options;
    this.#known = new BoundedTtlMap(options.maxEntries ?? 10_000);
    this.#unknown = new BoundedTtlMap(options.maxMisses ?? 10_000);
  }

  resolve(plaintext: string): Promise<KeyRecord | null> | KeyRecord | null {
    const hash = hashKey(plaintext, this.#options.pepper);
    const now = Date.now();
    const known = this.#known.get(hash, now);
    if (known) return known.value;
    if (this.#unknown.get(hash, now)) return null;
    const pending = this.#inFlight.get(hash);
    if (pending) return pending;
    const lookup = this.#load(hash).finally(() => this.#inFlight.delete(hash));
    this.#inFlight.set(hash, lookup);
    return lookup;
  }

  /** Forgets one key so the next request reads it from Postgres. */
  invalidate(keyId: string): void {
    this.#generation++;
    const hash = this.#hashById.get(keyId);
    if (hash === undefined) return;
    this.#known.delete(hash);
    this.#hashById.delete(keyId);
  }

  /** Forgets every key and miss, e.g. after invalidation messages may have been missed. */
  invalidateAll(): void {
    this.#generation++;
    this.#known.clear();
    this.#unknown.clear();
    this.#hashById.clear();
  }

  async #load(hash: string): Promise<KeyRecord | null> {
    const generation = this.#generation;
    const [row] = await this.#options.orm.em.getConnection().execute<KeyRow[]>(LOOKUP_SQL, [hash]);
    const record = row ? toRecord(row) : null;
    if (generation === this.#generation) this.#remember(hash, record);
    return record;
  }

  #remember(hash: string, record: KeyRecord | null): void {
    const until = Date.now() + this.#options.ttlMs;
    if (record === null) return this.#unknown.set(hash, null, until);
    this.#known.set(hash, record, until);
    this.#hashById.set(record.auth.apiKeyId, hash);
  }
}

function toRecord(r: KeyRow): KeyRecord {
  return Object.freeze({
    auth: Object.freeze({
      workspaceId: r.workspace_id,
      ownerId: r.owner_id,
      apiKeyId: r.id,
      scopes: Object.freeze([...r.scopes]),
    }),
    active: r.active,
    revoked: r.revoked,
    rotated: r.rotated,
    expiresAtMs: r.expires_at_ms === null ? null : Number(r.expires_at_ms),
    rateLimitPerMinute: r.rate_limit_per_minute,
  });
}
