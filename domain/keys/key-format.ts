import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Key format: `dg_` + 32 random bytes in base64url (43 chars) + a 6-char base64url checksum of
 * those bytes, so a mistyped or invented key is refused without a database lookup.
 */
export const KEY_PATTERN = /^dg_([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})$/;
const RANDOM_BYTES = 32;
const DISPLAY_PREFIX_LENGTH = 11;

function checksum(body: string): string {
  return createHmac('sha256', 'dagen-key-checksum').update(body).digest('base64url').slice(0, 6);
}

/** A fresh plaintext key; shown to its owner once, never stored. */
export function generateKey(): string {
  const body = randomBytes(RANDOM_BYTES).toString('base64url');
  return `dg_${body}${checksum(body)}`;
}

/** True when the key has the right shape and its checksum matches. */
export function isWellFormedKey(key: string): boolean {
  const m = KEY_PATTERN.exec(key);
  if (!m) return false;
  const expected = Buffer.from(checksum(m[1]!));
  const actual = Buffer.from(m[2]!);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The stored form of a key: HMAC-SHA256 under the server's pepper, hex. */
export function hashKey(key: string, pepper: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

/** The non-secret prefix shown in listings so owners can tell keys apart. */
export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}
