import { LruMap } from '../../core/lru-map.ts';

describe('LruMap: a bounded cache that forgets the least recently used entry', () => {
  it('keeps at most its capacity, dropping the entry read or written longest ago', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // now `b` is the oldest
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    lru.set('a', 10); // rewriting refreshes too: `c` is now the oldest
    lru.set('d', 4);
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([10, undefined, 4]);
  });
});
