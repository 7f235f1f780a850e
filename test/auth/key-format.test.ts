import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  displayPrefix,
  generateKey,
  hashKey,
  isWellFormedKey,
  KEY_PATTERN,
} from '../../domain/keys/key-format.ts';

const doc = readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'api-keys.md'), 'utf8');
/** The regexes docs/api-keys.md publishes, in the order they appear (exact, then in-text). */
const published = [...doc.matchAll(/```\n(\^dg_.*|\(\?<!.*)\n```/g)].map((m) => new RegExp(m[1]!));

describe('key format', () => {
  it('publishes the exact pattern the server checks', () => {
    expect(published).toHaveLength(2);
    expect(published[0]!.source).toBe(KEY_PATTERN.source.replace(/[()]/g, ''));
  });

  it('generates unique keys that match the published regexes and pass their checksum', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateKey()));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      expect(key).toHaveLength(52);
      expect(published[0]!.test(key)).toBe(true);
      expect(published[1]!.exec(`token=${key};`)?.[0]).toBe(key);
      expect(isWellFormedKey(key)).toBe(true);
      // The checksum is computable exactly as the doc describes.
      const body = key.slice(3, 46);
      expect(key.slice(46)).toBe(
        createHmac('sha256', 'dagen-key-checksum').update(body).digest('base64url').slice(0, 6),
      );
    }
  });

  it('refuses keys with a changed character, a wrong prefix or a wrong length', () => {
    const key = generateKey();
    let flips = 0;
    for (let i = 3; i < key.length; i++) {
      const other = key[i] === 'a' ? 'b' : 'a';
      if (!isWellFormedKey(key.slice(0, i) + other + key.slice(i + 1))) flips++;
    }
    expect(flips).toBe(key.length - 3);
    expect(isWellFormedKey(`xx_${key.slice(3)}`)).toBe(false);
    expect(isWellFormedKey(key.slice(0, -1))).toBe(false);
    expect(isWellFormedKey(`${key}a`)).toBe(false);
    expect(isWellFormedKey('')).toBe(false);
  });

  it('stores a peppered hash and a short prefix, neither revealing the secret', () => {
    const key = generateKey();
    expect(hashKey(key, 'pepper-one-0123456789abcdef0123456789')).not.toBe(
      hashKey(key, 'pepper-two-0123456789abcdef0123456789'),
    );
    expect(hashKey(key, 'p'.repeat(32))).toMatch(/^[0-9a-f]{64}$/);
    expect(displayPrefix(key)).toBe(key.slice(0, 11));
  });
});
