import { openOrm, type MikroORM } from '../../../db/orm.ts';

export interface CountingOrm {
  readonly orm: MikroORM;
  /** SQL statements run through this ORM whose text matches `pattern`. */
  count(pattern: RegExp): number;
  close(): Promise<void>;
}

/** A second ORM on the test database that records every statement it sends, to count real DB work. */
export async function openCountingOrm(): Promise<CountingOrm> {
  const statements: string[] = [];
  const orm = await openOrm(process.env.DATABASE_URL!, {
    debug: ['query'],
    colors: false,
    logger: (message: string) => statements.push(message),
  });
  statements.length = 0;
  return {
    orm,
    count: (pattern) => statements.filter((s) => pattern.test(s)).length,
    close: () => orm.close(),
  };
}
