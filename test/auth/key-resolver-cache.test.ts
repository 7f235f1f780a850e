import { generateKey } from '../../domain/keys/key-format.ts';
import { KeyResolver } from '../../domain/keys/key-resolver.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { openCountingOrm, type CountingOrm } from './support/counting-orm.ts';

const LOOKUP = /from "?api_keys"?/;

describe('key resolver cache: misses are cached apart from real keys', () => {
  let h: Harness;
  let t: Tenant;
  let counting: CountingOrm;

  beforeAll(async () => {
    h = await startHarness({ worker: false });
    t = await createTenant(h);
    counting = await openCountingOrm();
  });
  afterAll(async () => {
    await counting.close();
    await h.close();
  });

  const resolverWith = (sizes: { maxEntries?: number; maxMisses?: number } = {}) =>
    new KeyResolver({ orm: counting.orm, pepper: h.config.keyPepper!, ttlMs: 60_000, ...sizes });
  const lookups = () => counting.count(LOOKUP);

  it('costs one lookup per distinct unknown key per TTL, however often each is presented', async () => {
    const resolver = resolverWith();
    const unknown = Array.from({ length: 25 }, () => generateKey());
    const before = lookups();
    for (let round = 0; round < 4; round++) {
      for (const key of unknown) expect(await resolver.resolve(key)).toBeNull();
    }
    expect(lookups() - before).toBe(unknown.length);
  });

  it('keeps a real key resident through a flood of many more unknown keys than the cache holds', async () => {
    const resolver = resolverWith({ maxEntries: 50, maxMisses: 50 });
    expect((await resolver.resolve(t.key))?.auth.apiKeyId).toBe(t.apiKeyId);
    const flood = Array.from({ length: 500 }, () => generateKey());
    for (const key of flood) expect(await resolver.resolve(key)).toBeNull();
    const before = lookups();
    // Answered from the cache: synchronously, with no new query.
    expect((resolver.resolve(t.key) as { auth: { apiKeyId: string } }).auth.apiKeyId).toBe(t.apiKeyId);
    expect(lookups()).toBe(before);
    // The misses cache stays bounded: the first flooded keys were evicted and cost a lookup again.
    expect(await resolver.resolve(flood[0]!)).toBeNull();
    expect(lookups()).toBe(before + 1);
  });

  it('forgets misses and keys on a resync, and a key on its invalidation', async () => {
    const resolver = resolverWith();
    const unknown = generateKey();
    await resolver.resolve(unknown);
    await resolver.resolve(t.key);
    let before = lookups();
    resolver.invalidate(t.apiKeyId);
    await resolver.resolve(t.key);
    await resolver.resolve(unknown);
    expect(lookups()).toBe(before + 1);
    before = lookups();
    resolver.invalidateAll();
    await resolver.resolve(t.key);
    await resolver.resolve(unknown);
    expect(lookups()).toBe(before + 2);
  });
});
