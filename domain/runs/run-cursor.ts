import { BadRequestError } from '../../core/errors.ts';

/**
 * The keyset cursor of a run listing: the (created_at, id) of the last run of a page, as 22 bytes
 * (6 for the creation time in milliseconds since 1970, 16 for the id) written as 30 base64url
 * characters. Every 30-character base64url string decodes to such a pair, so the pattern below says
 * exactly which cursors the API accepts: one it did not hand out simply pages from that point.
 */
const TIME_BYTES = 6;
const ID_BYTES = 16;
const CURSOR_BYTES = TIME_BYTES + ID_BYTES;

/**
 * The last instant the ORM can write (it sends ISO strings, and Postgres refuses the `+010000-…` form of
 * later years), so no run is created after it. A cursor past it is clamped to just after any run.
 */
const LATEST = {
  createdAt: new Date('9999-12-31T23:59:59.999Z'),
  id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
};

/** A cursor's shape; the API documents and checks it. */
export const RUN_CURSOR_PATTERN = /^[A-Za-z0-9_-]{30}$/;

export interface RunCursor {
  readonly createdAt: Date;
  readonly id: string;
}

export function encodeRunCursor(run: RunCursor): string {
  const bytes = Buffer.alloc(CURSOR_BYTES);
  bytes.writeUIntBE(run.createdAt.getTime(), 0, TIME_BYTES);
  bytes.write(run.id.replaceAll('-', ''), TIME_BYTES, 'hex');
  return bytes.toString('base64url');
}

/** 400 for a value that is not a cursor's shape; any value of that shape is a position in the list. */
export function decodeRunCursor(cursor: string): RunCursor {
  if (!RUN_CURSOR_PATTERN.test(cursor)) {
    throw new BadRequestError('Invalid query: cursor is not one this API returned');
  }
  const bytes = Buffer.from(cursor, 'base64url');
  const ms = bytes.readUIntBE(0, TIME_BYTES);
  if (ms > LATEST.createdAt.getTime()) return LATEST;
  const hex = bytes.toString('hex', TIME_BYTES, CURSOR_BYTES);
  const id = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join(
    '-',
  );
  return { createdAt: new Date(ms), id };
}

/** The filter of a newest-first keyset listing: rows strictly older than the cursor's position. */
export function olderThanCursor(cursor: string) {
  const after = decodeRunCursor(cursor);
  return {
    $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, id: { $lt: after.id } }],
  };
}

/** One page of `limit` rows out of the `limit + 1` fetched, and the cursor of the next page if any. */
export function keysetPage<T extends RunCursor>(rows: readonly T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeRunCursor(last) : null };
}
