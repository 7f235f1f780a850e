/**
 * A bigint, or the decimal text Postgres sends for `bigint`/`numeric`, as a JSON number. Token and
 * cost sums are answered as numbers: exact up to 2^53 − 1 micro-units (about 9 billion units of a
 * currency), far beyond what one workspace spends; past that this throws rather than round.
 */
export function exactNumber(value: bigint | string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || BigInt(n) !== BigInt(value)) {
    throw new RangeError(`${String(value)} cannot be answered exactly as a JSON number`);
  }
  return n;
}
