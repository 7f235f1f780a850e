import { createServer, type AddressInfo, type Socket } from 'node:net';
import { DriverException } from '@mikro-orm/core';
import { ApplicationFailure } from '@temporalio/common';
import { guardDatabaseErrors, storedErrorMessage } from '../../activities/database-failures.ts';
import { RunStep } from '../../db/entities/index.ts';
import { CONNECT_TIMEOUT_MS, openOrm, type MikroORM } from '../../db/orm.ts';
import { createLogger } from '../../infra/logger.ts';
import { freePort } from '../../infra/temporal-runtime.ts';

/** A pino logger whose lines the test reads back. */
function capturingLogger() {
  const lines: string[] = [];
  const log = createLogger('warn', { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

/** What `work` rejects with. */
function errorOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => undefined,
    (err: unknown) => err,
  );
}

describe('database errors leave activities without driver text', () => {
  let orm: MikroORM;
  let dead: MikroORM;
  /** Raw from the driver (a raw query), and wrapped by the ORM (its message may carry SQL or values). */
  let queryError: unknown;
  let ormError: unknown;
  let unreachable: unknown;
  let port: number;
  beforeAll(async () => {
    orm = await openOrm(process.env.DATABASE_URL!);
    port = await freePort();
    dead = await openOrm(`postgres://postgres@127.0.0.1:${port}/dagen`);
    queryError = await errorOf(
      orm.em.fork().getConnection().execute('select secret_column from no_such_table'),
    );
    ormError = await errorOf(orm.em.fork().nativeUpdate(RunStep, { runId: 'not-a-uuid' }, { error: 'x' }));
    unreachable = await errorOf(dead.em.fork().getConnection().execute('select 1'));
  });
  afterAll(async () => {
    await orm.close();
    await dead.close();
  });

  it('the raw errors do carry names, values and the address (what must not leak)', () => {
    expect((queryError as Error).message).toContain('no_such_table');
    expect(ormError).toBeInstanceOf(DriverException);
    expect((ormError as Error).message).toContain('not-a-uuid');
    expect(String((unreachable as Error).message)).toContain(String(port));
  });

  it(
    'reports a server that accepts connections but never answers as unreachable, in bounded time',
    async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port: silentPort } = silent.address() as AddressInfo;
      const frozen = await openOrm(`postgres://postgres@127.0.0.1:${silentPort}/dagen`);
      try {
        const err = await errorOf(frozen.em.fork().getConnection().execute('select 1'));
        expect(storedErrorMessage(err)).toBe('the database cannot be reached');
      } finally {
        for (const socket of sockets) socket.destroy();
        await frozen.close();
        await new Promise((resolve) => silent.close(resolve));
      }
    },
    4 * CONNECT_TIMEOUT_MS,
  );

  it('stores a generic message for a database error, and any other error as it is', () => {
    expect(storedErrorMessage(queryError)).toBe('a database query failed');
    expect(storedErrorMessage(ormError)).toBe('a database query failed');
    expect(storedErrorMessage(unreachable)).toBe('the database cannot be reached');
    expect(storedErrorMessage(new Error('status 500 from the API'))).toBe('status 500 from the API');
  });

  it('turns a database error into a typed failure, logging only its class and code', async () => {
    const { log, lines } = capturingLogger();
    const activities = guardDatabaseErrors(
      {
        query: () => Promise.reject(queryError),
        update: () => Promise.reject(ormError),
        connect: () => Promise.reject(unreachable),
        refuse: () => Promise.reject(ApplicationFailure.nonRetryable('bad input', 'BadNodeInput')),
        work: (n: number) => Promise.resolve(n * 2),
      },
      log,
    );
    await expect(activities.work(2)).resolves.toBe(4);
    await expect(activities.query()).rejects.toMatchObject({
      type: 'DatabaseError',
      message: 'a database query failed',
      nonRetryable: false,
    });
    await expect(activities.update()).rejects.toMatchObject({ type: 'DatabaseError' });
    await expect(activities.connect()).rejects.toMatchObject({
      type: 'DatabaseUnavailable',
      message: 'the database cannot be reached',
      nonRetryable: false,
    });
    await expect(activities.refuse()).rejects.toMatchObject({ type: 'BadNodeInput', message: 'bad input' });
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ activity: 'query', code: '42P01' }),
      expect.objectContaining({ activity: 'update', code: '22P02' }),
      expect.objectContaining({ activity: 'connect', code: 'ECONNREFUSED' }),
    ]);
    expect(lines.join('\n')).not.toMatch(/no_such_table|secret_column|run_steps|not-a-uuid|127\.0\.0\.1/);
    expect(lines.join('\n')).not.toContain(String(port));
  });
});
