import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { LiveEvents } from './live-events.ts';
import { DeliveryWarning, LocalSubscribers, serialize } from './local-subscribers.ts';
import { FragmentAssembler, MAX_EVENT_BYTES, toPayloads, type NotifyPayload } from './notify-payloads.ts';

/** The one Postgres channel all live events travel on; listeners dispatch by the payload's channel. */
export const PG_EVENTS_CHANNEL = 'dagen_events';
/** How the listening connection shows in pg_stat_activity; the publishing one adds `-publisher`. */
export const PG_EVENTS_CONNECTION = 'dagen-live-events';
/** Payloads one NOTIFY statement sends (one transaction; fragments of one event may span two). */
const BATCH = 500;
/** Payloads waiting while Postgres is slow or down; events beyond are dropped with the warning. */
const MAX_QUEUED = 20_000;
/** Pause before listening again after the connection dropped (Postgres restarting). */
const RECONNECT_AFTER_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;
const NOTIFY_SQL = `select count(pg_notify('${PG_EVENTS_CHANNEL}', p)) from unnest($1::text[]) as p`;

export interface PostgresLiveEventsOptions {
  readonly databaseUrl: string;
  readonly log: Logger;
  /** The connections' application_name (tests tell their instances apart by it). */
  readonly connectionName?: string;
}

interface Listener {
  client: pg.Client | undefined;
  ready: Promise<void>;
}

/**
 * Live events over Postgres LISTEN/NOTIFY, for installs without Redis. Publishing queues the event's
 * payloads and one connection (a pool of one) sends what is queued as one NOTIFY statement at a time,
 * so a channel's events leave in publish order and a burst of deltas costs few round trips. A
 * process's subscribers share ONE listening connection, opened with the first and closed with the
 * last. Events above Postgres's 8000-byte limit travel as fragments (see notify-payloads.ts). If the
 * listening connection drops, it listens again after a pause; events sent in the gap are lost, which
 * is acceptable: live events are best effort and the recorded rows stay the truth.
 */
export class PostgresLiveEvents implements LiveEvents {
  readonly #databaseUrl: string;
  readonly #log: Logger;
  readonly #connectionName: string;
  readonly #local: LocalSubscribers;
  readonly #warning: DeliveryWarning;
  readonly #assembler = new FragmentAssembler();
  /** Names this publisher in fragments. */
  readonly #from = randomBytes(6).toString('hex');
  #sent = 0;
  #queue: string[] = [];
  #flushing: Promise<void> | undefined;
  #pool: pg.Pool | undefined;
  #listener: Listener | undefined;
  #closed = false;

  constructor(options: PostgresLiveEventsOptions) {
    this.#databaseUrl = options.databaseUrl;
    this.#log = options.log;
    this.#connectionName = options.connectionName ?? PG_EVENTS_CONNECTION;
    this.#local = new LocalSubscribers(options.log);
    this.#warning = new DeliveryWarning(options.log, 'Postgres');
  }

  publish(channel: string, event: object): void {
    const json = serialize(event, this.#log, channel);
    if (json === undefined || this.#closed) return;
    const payloads =
      Buffer.byteLength(json) <= MAX_EVENT_BYTES ? toPayloads(channel, json, ++this.#sent, this.#from) : [];
    if (payloads.length === 0) {
      this.#log.warn(
        { channel, bytes: Buffer.byteLength(json) },
        'live event dropped: too large for Postgres',
      );
      return;
    }
    if (this.#queue.length + payloads.length > MAX_QUEUED) {
      this.#warning.failed(new Error(`more than ${MAX_QUEUED} payloads wait for Postgres`));
      return;
    }
    this.#queue.push(...payloads);
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
  }

  async subscribe(channel: string, onEvent: (event: unknown) => void): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('live events are closed');
    // One LISTEN serves every channel; it ends when the process's last subscriber leaves.
    return this.#local.join(
      channel,
      onEvent,
      () => this.#listening(),
      () => (this.#local.channels === 0 ? this.#stopListening() : Promise.resolve()),
    );
  }

  /** Sends what is queued, then closes both connections. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    await this.#stopListening();
    await this.#pool?.end();
    this.#pool = undefined;
  }

  /** Sends the queue in batches, one statement at a time, until it is empty. */
  async #flush(): Promise<void> {
    // Let the publisher's synchronous burst queue up first.
    await Promise.resolve();
    this.#pool ??= this.#openPool();
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, BATCH);
      try {
        await this.#pool.query(NOTIFY_SQL, [batch]);
        this.#warning.delivered();
      } catch (err) {
        // Postgres is down or slow: drop what waits too, so neither memory nor shutdown waits on it.
        this.#queue = [];
        this.#warning.failed(err);
      }
    }
  }

  #openPool(): pg.Pool {
    const pool = new pg.Pool({
      connectionString: this.#databaseUrl,
      application_name: `${this.#connectionName}-publisher`,
      max: 1,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
    });
    // An idle connection that breaks is replaced on the next query; the failing query warns.
    pool.on('error', (err) => this.#log.debug({ err }, 'live events publisher connection failed'));
    return pool;
  }

  /** Resolves once this process LISTENs, opening the connection on first use. */
  #listening(): Promise<void> {
    this.#listener ??= this.#listen();
    return this.#listener.ready;
  }

  #listen(): Listener {
    const client = new pg.Client({
      connectionString: this.#databaseUrl,
      application_name: this.#connectionName,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on('notification', (msg) => {
      if (msg.channel === PG_EVENTS_CHANNEL && msg.payload) this.#receive(msg.payload);
    });
    client.on('error', (err) => this.#log.warn({ err }, 'live events listener connection failed'));
    const listener: Listener = { client, ready: Promise.resolve() };
    listener.ready = this.#connect(listener, client);
    return listener;
  }

  async #connect(listener: Listener, client: pg.Client): Promise<void> {
    try {
      await client.connect();
      await client.query(`listen ${PG_EVENTS_CHANNEL}`);
    } catch (err) {
      listener.client = undefined;
      if (this.#listener === listener) this.#listener = undefined;
      await client.end().catch(() => undefined);
      throw err;
    }
    client.once('end', () => {
      if (this.#listener !== listener) return; // closed on purpose
      this.#listener = undefined;
      this.#log.warn('live events listener connection lost; listening again');
      this.#listenAgainSoon();
    });
  }

  /** Listens again after a pause while anyone subscribes; fragments in flight are lost with the gap. */
  #listenAgainSoon(): void {
    this.#assembler.clear();
    setTimeout(() => {
      if (this.#closed || this.#local.channels === 0) return;
      this.#listening().catch(() => this.#listenAgainSoon());
    }, RECONNECT_AFTER_MS).unref();
  }

  async #stopListening(): Promise<void> {
    const listener = this.#listener;
    this.#listener = undefined;
    if (!listener) return;
    await listener.ready.catch(() => undefined);
    await listener.client?.end().catch(() => undefined);
  }

  #receive(text: string): void {
    let payload: NotifyPayload;
    try {
      payload = JSON.parse(text) as NotifyPayload;
    } catch (err) {
      this.#log.warn({ err }, 'live event dropped: not JSON');
      return;
    }
    if (!this.#local.has(payload.channel)) return;
    if ('event' in payload) return this.#local.deliver(payload.channel, payload.event);
    const event = this.#assembler.add(payload);
    if (event !== undefined) this.#local.deliver(payload.channel, event);
  }
}
