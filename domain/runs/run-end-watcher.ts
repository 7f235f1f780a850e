import pg from 'pg';
import { TERMINAL_RUN_STATUSES } from '../../core/run-status.ts';
import type { Logger } from '../../infra/logger.ts';
import { waitDeadline } from './run-wait.ts';

/** The channel a trigger on workflow_runs notifies with a run's id when it ends (see its migration). */
const RUN_ENDED_CHANNEL = 'dagen_run_ended';
/** Every held run is re-read this often in one query: the net under a missed notification. */
const SWEEP_EVERY_MS = 5_000;
/** How the listening connection shows in pg_stat_activity. */
export const RUN_END_LISTENER_NAME = 'dagen-run-end-listener';
/** Pause before listening again after the connection dropped (Postgres restarting). */
const RECONNECT_AFTER_MS = 1_000;

/** How a wait ended: the run's row is final, or the timeout or the caller's signal came first. */
export type RunEndOutcome = 'ended' | 'timeout';

/**
 * Tells held `wait` requests when their run ends, for the whole API process over one Postgres
 * connection: it LISTENs for the notification the database sends when a run row becomes final, so a
 * held wait costs an entry in a map instead of a Temporal long-poll of its own, and answers as soon
 * as the final row is committed. Newly held runs are checked in one batched query (a run may have
 * ended before its wait was registered), and every held run is re-read each SWEEP_EVERY_MS and after
 * a reconnect, so a notification lost while the connection was down delays an answer, never loses it.
 */
export class RunEndWatcher {
  readonly #databaseUrl: string;
  readonly #log: Logger;
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Runs registered since the last batched check. */
  #fresh = new Set<string>();
  #checkScheduled = false;
  #checks: Promise<void> = Promise.resolve();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client | undefined> | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(databaseUrl: string, log: Logger) {
    this.#databaseUrl = databaseUrl;
    this.#log = log;
  }

  /** Resolves once the run's row is final, or with 'timeout' after `timeoutMs` or when `signal` aborts. */
  waitForEnd(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<RunEndOutcome> {
    const stop = waitDeadline(timeoutMs, signal);
    if (stop.aborted) return Promise.resolve('timeout');
    return new Promise<RunEndOutcome>((resolve) => {
      const finish = (outcome: RunEndOutcome) => {
        stop.removeEventListener('abort', onAbort);
        this.#forget(runId, onEnd);
        resolve(outcome);
      };
      const onEnd = () => finish('ended');
      const onAbort = () => finish('timeout');
      stop.addEventListener('abort', onAbort, { once: true });
      this.#hold(runId, onEnd);
    });
  }

  /** Stops listening; held waits end through their own signals (the app drains them first). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#sweep = undefined;
    const client = this.#client ?? (await this.#connecting);
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  #hold(runId: string, onEnd: () => void): void {
    let set = this.#waiters.get(runId);
    if (!set) this.#waiters.set(runId, (set = new Set()));
    set.add(onEnd);
    this.#fresh.add(runId);
    this.#sweep ??= setInterval(() => this.#check([...this.#waiters.keys()]), SWEEP_EVERY_MS).unref();
    if (!this.#checkScheduled) {
      this.#checkScheduled = true;
      // Registrations of the same tick share one query.
      setImmediate(() => {
        this.#checkScheduled = false;
        const fresh = [...this.#fresh];
        this.#fresh = new Set();
        this.#check(fresh);
      });
    }
  }

  #forget(runId: string, onEnd: () => void): void {
    const set = this.#waiters.get(runId);
    set?.delete(onEnd);
    if (set?.size === 0) this.#waiters.delete(runId);
    if (this.#waiters.size === 0) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #ended(runId: string): void {
    for (const onEnd of this.#waiters.get(runId) ?? []) onEnd();
  }

  /**
   * Ends the waits of those `runIds` whose rows are already final (read after LISTEN is in place).
   * Checks run one at a time: the connection serves one query at once.
   */
  #check(runIds: string[]): void {
    if (runIds.length === 0) return;
    this.#checks = this.#checks.then(() => this.#readEnded(runIds));
  }

  async #readEnded(runIds: string[]): Promise<void> {
    try {
      const client = await this.#listening();
      if (!client) return;
      const { rows } = await client.query<{ id: string }>(
        'select id from workflow_runs where id = any($1::uuid[]) and status = any($2::text[])',
        [runIds, [...TERMINAL_RUN_STATUSES]],
      );
      for (const { id } of rows) this.#ended(id);
    } catch (err) {
      // Postgres is unreachable: the reconnect (or the next sweep) checks again.
      this.#log.debug({ err }, 'could not check held runs');
    }
  }

  /** The listening connection, opened on first use; undefined while Postgres cannot be reached. */
  #listening(): Promise<pg.Client | undefined> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<pg.Client | undefined> {
    if (this.#closed) return undefined;
    const client = new pg.Client({
      connectionString: this.#databaseUrl,
      application_name: RUN_END_LISTENER_NAME,
    });
    client.on('notification', (msg) => {
      if (msg.channel === RUN_ENDED_CHANNEL && msg.payload) this.#ended(msg.payload);
    });
    client.on('error', (err) => this.#log.warn({ err }, 'run-end listener connection failed'));
    try {
      await client.connect();
      await client.query(`listen ${RUN_ENDED_CHANNEL}`);
    } catch (err) {
      this.#log.warn({ err }, 'could not listen for run ends; retrying');
      await client.end().catch(() => undefined);
      this.#reconnectSoon();
      return undefined;
    }
    client.once('end', () => {
      if (this.#client === client) this.#client = undefined;
      this.#reconnectSoon();
    });
    this.#client = client;
    return client;
  }

  /** Listens again after a pause and re-reads every held run: notifications sent meanwhile were lost. */
  #reconnectSoon(): void {
    if (this.#closed || this.#waiters.size === 0) return;
    setTimeout(() => this.#check([...this.#waiters.keys()]), RECONNECT_AFTER_MS).unref();
  }
}
