import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { LiveEvents } from '../../infra/events/live-events.ts';
import { loadConfig, withOverrides } from '../../infra/config.ts';
import { MemoryLiveEvents } from '../../infra/events/memory-live-events.ts';
import { openLiveEvents } from '../../infra/events/open-live-events.ts';
import { PostgresLiveEvents } from '../../infra/events/postgres-live-events.ts';
import { REDIS_EVENTS_PREFIX, RedisLiveEvents } from '../../infra/events/redis-live-events.ts';
import { createLogger } from '../../infra/logger.ts';
import { openRedis, waitUntilReady } from '../../infra/redis.ts';
import { freePort } from '../../infra/temporal-runtime.ts';
import { captureLog } from '../auth/support/log-capture.ts';
import { privateRedis } from '../auth/support/private-redis.ts';
import { until } from '../helpers/until.ts';

const log = createLogger('silent');
const databaseUrl = () => process.env.DATABASE_URL!;
const redisUrl = () => process.env.REDIS_URL!;

/** Collects a subscriber's events; `count(n)` resolves once n have arrived. */
function inbox() {
  const events: unknown[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  return {
    events,
    onEvent(event: unknown) {
      events.push(event);
      waiters = waiters.filter((w) => (events.length >= w.n ? (w.resolve(), false) : true));
    },
    count(n: number, ms = 20_000): Promise<void> {
      if (events.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${events.length} of ${n} events within ${ms} ms`)),
          ms,
        );
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

/** Two processes' worth of one transport: events published by one reach the other. */
interface Transport {
  readonly name: string;
  /** A new instance, as another process would hold, with its own connections named `connectionName`. */
  open(connectionName: string): LiveEvents;
  /** Connections of that name the server still holds. */
  connections(connectionName: string): Promise<number>;
  /** Whether the server still routes `channel` to this process (Redis: the channel's subscribers). */
  upstreamSubscribed(channel: string, connectionName: string): Promise<boolean>;
}

const redisTransport: Transport = {
  name: 'redis',
  open: (connectionName) =>
    new RedisLiveEvents({
      // ioredis takes options from the URL's query: the publisher is named too.
      redis: openRedis(`${redisUrl()}?connectionName=${connectionName}-publisher`, log),
      ownsRedis: true,
      log,
      connectionName,
    }),
  async connections(connectionName) {
    return withRedis(async (r) => {
      const list = (await r.client('LIST')) as string;
      return list.split('\n').filter((l) => l.includes(` name=${connectionName}`)).length;
    });
  },
  async upstreamSubscribed(channel) {
    return withRedis(async (r) => {
      const [, n] = (await r.pubsub('NUMSUB', REDIS_EVENTS_PREFIX + channel)) as [string, number];
      return n > 0;
    });
  },
};

const postgresTransport: Transport = {
  name: 'postgres',
  open: (connectionName) => new PostgresLiveEvents({ databaseUrl: databaseUrl(), log, connectionName }),
  connections: (connectionName) =>
    withPg(async (db) => {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name in ($1, $2)',
        [connectionName, `${connectionName}-publisher`],
      );
      return rows[0]!.n;
    }),
  // One Postgres channel serves every live channel: the listening connection closes with the last.
  upstreamSubscribed: (_channel, connectionName) =>
    withPg(async (db) => {
      const { rows } = await db.query('select 1 from pg_stat_activity where application_name = $1', [
        connectionName,
      ]);
      return rows.length > 0;
    }),
};

async function withRedis<T>(use: (r: ReturnType<typeof openRedis>) => Promise<T>): Promise<T> {
  const r = openRedis(redisUrl(), log);
  await waitUntilReady(r, 2000);
  try {
    return await use(r);
  } finally {
    r.disconnect();
  }
}

async function withPg<T>(use: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: databaseUrl() });
  await db.connect();
  try {
    return await use(db);
  } finally {
    await db.end();
  }
}

describe.each([redisTransport, postgresTransport])('live events over $name', (transport) => {
  const name = `dagen-test-events-${randomUUID().slice(0, 8)}`;
  let publisher: LiveEvents;
  let subscriber: LiveEvents;
  beforeAll(() => {
    publisher = transport.open(`${name}-a`);
    subscriber = transport.open(`${name}-b`);
  });
  afterAll(async () => {
    await publisher.close();
    await subscriber.close();
  });

  it('delivers one process’s events to a subscriber in another, in publish order', async () => {
    const channel = `job:${randomUUID()}`;
    const box = inbox();
    const unsubscribe = await subscriber.subscribe(channel, box.onEvent);
    for (let i = 0; i < 500; i++) publisher.publish(channel, { type: 'delta', seq: i, text: `t${i} ` });
    await box.count(500);
    expect(box.events).toEqual(
      Array.from({ length: 500 }, (_, i) => ({ type: 'delta', seq: i, text: `t${i} ` })),
    );
    await unsubscribe();
  });

  it('fans a channel out to several subscribers and keeps channels apart', async () => {
    const [a, b] = [`job:${randomUUID()}`, `job:${randomUUID()}`];
    const [first, second, other] = [inbox(), inbox(), inbox()];
    const stops = [
      await subscriber.subscribe(a, first.onEvent),
      await subscriber.subscribe(a, second.onEvent),
      await subscriber.subscribe(b, other.onEvent),
    ];
    publisher.publish(a, { to: 'a', n: 1 });
    publisher.publish(b, { to: 'b', n: 1 });
    publisher.publish(a, { to: 'a', n: 2 });
    await Promise.all([first.count(2), second.count(2), other.count(1)]);
    expect(first.events).toEqual([
      { to: 'a', n: 1 },
      { to: 'a', n: 2 },
    ]);
    expect(second.events).toEqual(first.events);
    expect(other.events).toEqual([{ to: 'b', n: 1 }]);
    for (const stop of stops) await stop();
  });

  it('stops delivering to one that unsubscribed, and releases the channel with the last one', async () => {
    const channel = `job:${randomUUID()}`;
    const [leaving, staying] = [inbox(), inbox()];
    const stopLeaving = await subscriber.subscribe(channel, leaving.onEvent);
    const stopStaying = await subscriber.subscribe(channel, staying.onEvent);
    publisher.publish(channel, { n: 1 });
    await Promise.all([leaving.count(1), staying.count(1)]);
    await stopLeaving();
    await stopLeaving(); // twice is harmless
    publisher.publish(channel, { n: 2 });
    await staying.count(2);
    // Both were dispatched from the same connection: had `leaving` still been there, it had it now.
    expect(leaving.events).toEqual([{ n: 1 }]);
    expect(await transport.upstreamSubscribed(channel, `${name}-b`)).toBe(true);
    await stopStaying();
    expect(await transport.upstreamSubscribed(channel, `${name}-b`)).toBe(false);

    // A new subscriber of the same channel is live again.
    const again = inbox();
    const stopAgain = await subscriber.subscribe(channel, again.onEvent);
    publisher.publish(channel, { n: 3 });
    await again.count(1);
    expect(again.events).toEqual([{ n: 3 }]);
    await stopAgain();
  });

  it('keeps delivering to the others when one subscriber throws', async () => {
    const channel = `job:${randomUUID()}`;
    const box = inbox();
    const stops = [
      await subscriber.subscribe(channel, () => {
        throw new Error('subscriber bug');
      }),
      await subscriber.subscribe(channel, box.onEvent),
    ];
    publisher.publish(channel, { n: 1 });
    publisher.publish(channel, { n: 2 });
    await box.count(2);
    expect(box.events).toEqual([{ n: 1 }, { n: 2 }]);
    for (const stop of stops) await stop();
  });

  it('close() releases every connection it opened', async () => {
    const own = `${name}-c`;
    const events = transport.open(own);
    const box = inbox();
    await events.subscribe(`job:${randomUUID()}`, box.onEvent);
    events.publish(`job:${randomUUID()}`, { n: 1 });
    await until(async () => (await transport.connections(own)) > 0);
    await events.close();
    await until(async () => (await transport.connections(own)) === 0, 5_000);
  });
});

describe('live events over redis while Redis is down', () => {
  it('publish neither throws nor blocks and warns once; subscribe fails instead of hanging', async () => {
    const captured = captureLog();
    const redis = openRedis(`redis://127.0.0.1:${await freePort()}`, createLogger('silent'));
    const events = new RedisLiveEvents({ redis, ownsRedis: true, log: captured.log });
    try {
      for (let i = 0; i < 20; i++) expect(() => events.publish('job:down', { n: i })).not.toThrow();
      await until(() => captured.messages('live events are not delivered: Redis unavailable').length > 0);
      expect(captured.messages('live events are not delivered')).toHaveLength(1);
      await expect(events.subscribe('job:down', () => undefined)).rejects.toThrow();
    } finally {
      await events.close();
    }
  });
});

describe('live events over redis across a Redis restart', () => {
  it('subscribes again by itself once Redis is back', async () => {
    const server = await privateRedis();
    await server.start();
    const open = () => new RedisLiveEvents({ redis: openRedis(server.url, log), ownsRedis: true, log });
    const [publisher, subscriber] = [open(), open()];
    try {
      const box = inbox();
      await subscriber.subscribe('job:restart', box.onEvent);
      publisher.publish('job:restart', { n: 0 });
      await box.count(1);
      await server.stop();
      await server.start();
      // Events published while either side reconnects are lost; those after arrive.
      await until(async () => {
        publisher.publish('job:restart', { n: 1 });
        return box.events.length > 1;
      });
      expect(box.events[1]).toEqual({ n: 1 });
    } finally {
      await publisher.close();
      await subscriber.close();
      await server.stop();
    }
  });
});

describe('live events over postgres: large events and a lost connection', () => {
  const name = `dagen-test-events-${randomUUID().slice(0, 8)}`;
  let publisher: PostgresLiveEvents;
  let subscriber: PostgresLiveEvents;
  const captured = captureLog();
  beforeAll(() => {
    publisher = new PostgresLiveEvents({
      databaseUrl: databaseUrl(),
      log: captured.log,
      connectionName: `${name}-a`,
    });
    subscriber = new PostgresLiveEvents({ databaseUrl: databaseUrl(), log, connectionName: `${name}-b` });
  });
  afterAll(async () => {
    await publisher.close();
    await subscriber.close();
  });

  it('delivers an event above the 8000-byte NOTIFY limit whole, in order with the small ones', async () => {
    const channel = `job:${randomUUID()}`;
    const box = inbox();
    const stop = await subscriber.subscribe(channel, box.onEvent);
    // Multi-byte characters, so fragments split UTF-8 sequences.
    const text = 'ä€😀x'.repeat(2_000); // 20,000 bytes of UTF-8
    const big = { type: 'delta', seq: 1, text };
    publisher.publish(channel, { type: 'delta', seq: 0, text: 'a' });
    publisher.publish(channel, big);
    publisher.publish(channel, { ...big, seq: 2 }); // same text twice: both arrive
    publisher.publish(channel, { type: 'delta', seq: 3, text: 'b' });
    publisher.publish(channel, { type: 'delta', seq: 3, text: 'b' }); // identical, in the same batch
    await box.count(5);
    expect(box.events).toEqual([
      { type: 'delta', seq: 0, text: 'a' },
      big,
      { ...big, seq: 2 },
      { type: 'delta', seq: 3, text: 'b' },
      { type: 'delta', seq: 3, text: 'b' },
    ]);
    await stop();
  });

  it('drops an event above 1 MB with a warning and keeps going', async () => {
    const channel = `job:${randomUUID()}`;
    const box = inbox();
    const stop = await subscriber.subscribe(channel, box.onEvent);
    publisher.publish(channel, { text: 'x'.repeat(1024 * 1024 + 1) });
    publisher.publish(channel, { n: 1 });
    await box.count(1);
    expect(box.events).toEqual([{ n: 1 }]);
    expect(captured.messages('live event dropped: too large for Postgres')).toHaveLength(1);
    await stop();
  });

  it('listens again after its connection was terminated', async () => {
    const channel = `job:${randomUUID()}`;
    const box = inbox();
    const stop = await subscriber.subscribe(channel, box.onEvent);
    const listener = () =>
      withPg(async (db) => {
        const { rows } = await db.query<{ pid: number }>(
          'select pid from pg_stat_activity where application_name = $1',
          [`${name}-b`],
        );
        return rows.map((r) => r.pid);
      });
    const [pid] = await listener();
    await withPg((db) => db.query('select pg_terminate_backend($1)', [pid]));
    await until(async () => (await listener()).some((p) => p !== pid));
    // Events sent in the gap are lost (rows are the truth); those after the new LISTEN arrive.
    await until(async () => {
      publisher.publish(channel, { n: box.events.length });
      return box.events.length > 0;
    });
    await stop();
  });
});

describe('live events in memory', () => {
  it('delivers asynchronously, in order, a copy of the event', async () => {
    const events = new MemoryLiveEvents(log);
    const channel = `job:${randomUUID()}`;
    const box = inbox();
    const stop = await events.subscribe(channel, box.onEvent);
    const first = { n: 1, at: new Date(0) };
    events.publish(channel, first);
    events.publish(channel, { n: 2 });
    expect(box.events).toEqual([]); // the publisher never runs subscriber code on its stack
    await box.count(2);
    expect(box.events).toEqual([{ n: 1, at: '1970-01-01T00:00:00.000Z' }, { n: 2 }]);
    expect(box.events[0]).not.toBe(first);
    await stop();
    events.publish(channel, { n: 3 });
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(box.events).toHaveLength(2);
    await events.close();
  });
});

describe('openLiveEvents', () => {
  it('takes Redis when configured, else memory for a process of its own, else Postgres', async () => {
    const config = loadConfig(process.env);
    const withoutRedis = withOverrides(config, { redisUrl: undefined });
    const chosen = [
      openLiveEvents({ config, log }),
      openLiveEvents({ config, log, inProcess: true }),
      openLiveEvents({ config: withoutRedis, log, inProcess: true }),
      openLiveEvents({ config: withoutRedis, log }),
    ];
    expect(chosen.map((e) => e.constructor.name)).toEqual([
      'RedisLiveEvents',
      'RedisLiveEvents',
      'MemoryLiveEvents',
      'PostgresLiveEvents',
    ]);
    for (const events of chosen) await events.close();
  });
});
