import type { MikroORM } from '../../db/orm.ts';
import type { Logger } from '../../infra/logger.ts';

/** How often buffered usage reaches Postgres; a crash loses at most this much, a clean close none. */
const USAGE_FLUSH_INTERVAL_MS = 5_000;

interface Pending {
  count: number;
  lastUsedMs: number;
}

/** Adds every buffered key's count and last-used time in one statement, however many keys there are. */
const FLUSH_SQL = `update api_keys as k
  set total_requests = k.total_requests + v.n, last_used_at = greatest(k.last_used_at, v.t)
  from jsonb_to_recordset(?::jsonb) as v(id uuid, n bigint, t timestamptz)
  where k.id = v.id`;

/**
 * Coalesces per-key usage (total requests, last used) in memory and writes it with one UPDATE per
 * interval, so requests never wait on a database write. Counts that fail to flush are merged back and
 * retried; `close` stops the timer and flushes what is left.
 */
export class UsageCounter {
  readonly #orm: MikroORM;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  #pending = new Map<string, Pending>();
  #flushing: Promise<void> | undefined;

  constructor(orm: MikroORM, log: Logger, intervalMs = USAGE_FLUSH_INTERVAL_MS) {
    this.#orm = orm;
    this.#log = log;
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  record(keyId: string, atMs: number = Date.now()): void {
    this.#add(keyId, 1, atMs);
  }

  #add(keyId: string, count: number, lastUsedMs: number): void {
    const entry = this.#pending.get(keyId);
    if (entry) {
      entry.count += count;
      if (lastUsedMs > entry.lastUsedMs) entry.lastUsedMs = lastUsedMs;
    } else {
      this.#pending.set(keyId, { count, lastUsedMs });
    }
  }

  /** Writes what is buffered; concurrent calls wait for the flush in progress, then flush the rest. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#flushing = this.#write(batch).finally(() => (this.#flushing = undefined));
    await this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #write(batch: Map<string, Pending>): Promise<void> {
    const rows = [...batch].map(([id, p]) => ({ id, n: p.count, t: new Date(p.lastUsedMs).toISOString() }));
    try {
      await this.#orm.em.getConnection().execute(FLUSH_SQL, [JSON.stringify(rows)]);
    } catch (err) {
      for (const [id, p] of batch) this.#add(id, p.count, p.lastUsedMs);
      this.#log.warn(
        { err: err instanceof Error ? err.message : String(err), keys: batch.size },
        'usage flush failed; will retry',
      );
    }
  }
}
