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
  /** Bounds memory against floods of well-formed but unknown keys. */
  readonly maxEntries?: number;
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

interface CacheEntry {
  readonly record: KeyRecord | null;
  readonly until: number;
}

/**
 * Turns a presented key into its record with one lookup on the unique key_hash index, cached in this
 * process for `ttlMs`. Misses are cached too (a plaintext cannot exist before its row does), concurrent
 * lookups of one key share a single query, and `invalidate` drops a key at once when told it changed.
 */
export class KeyResolver {
  readonly #options: KeyResolverOptions;
  readonly #maxEntries: number;
  readonly #byHash = new Map<string, CacheEntry>();
  readonly #hashById = new Map<string, string>();
  readonly #inFlight = new Map<string, Promise<KeyRecord | null>>();
  /** Bumped by invalidations so a lookup that started before one cannot re-cache stale data. */
  #generation = 0;

  constructor(options: KeyResolverOptions) {
    this.#options = options;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  resolve(plaintext: string): Promise<KeyRecord | null> | KeyRecord | null {
    const hash = hashKey(plaintext, this.#options.pepper);
    const cached = this.#byHash.get(hash);
    if (cached && cached.until > Date.now()) return cached.record;
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
    this.#byHash.delete(hash);
    this.#hashById.delete(keyId);
  }

  /** Forgets every key, e.g. after invalidation messages may have been missed. */
  invalidateAll(): void {
    this.#generation++;
    this.#byHash.clear();
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
    if (this.#byHash.size >= this.#maxEntries) {
      // Maps iterate in insertion order: evict the oldest entry.
      const oldest = this.#byHash.keys().next();
      if (!oldest.done) this.#byHash.delete(oldest.value);
    }
    this.#byHash.set(hash, { record, until: Date.now() + this.#options.ttlMs });
    if (record) this.#hashById.set(record.auth.apiKeyId, hash);
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
