import { costOf, exactCostMicros, splitModelRef } from '../../domain/billing/model-prices.ts';

const PRICES = {
  'acme/big': { inputMicrosPerMillion: 3_000_000, outputMicrosPerMillion: 15_000_000 },
  'acme/tiny': { inputMicrosPerMillion: 1, outputMicrosPerMillion: 3 },
  'local/smollm2-135m-instruct': { inputMicrosPerMillion: 0, outputMicrosPerMillion: 0 },
};

describe('model prices and exact cost', () => {
  it('charges ceil((in × in_price + out × out_price) / 1e6): whole micro-units, rounded once, up', () => {
    expect(costOf(PRICES, 'acme/big', 1000, 500)).toEqual({ costMicros: 10_500n, priced: true });
    // 1 × 1 + 1 × 3 = 4 millionths of a micro-unit: one micro-unit, not zero.
    expect(costOf(PRICES, 'acme/tiny', 1, 1)).toEqual({ costMicros: 1n, priced: true });
    // Exactly on a boundary: no extra unit.
    expect(exactCostMicros(PRICES['acme/tiny'], 1_000_000, 0)).toBe(1n);
    expect(exactCostMicros(PRICES['acme/tiny'], 1_000_001, 0)).toBe(2n);
    // One ceiling of the sum, not one per direction (which would give 2).
    expect(exactCostMicros(PRICES['acme/tiny'], 500_000, 100_000)).toBe(1n);
    expect(costOf(PRICES, 'acme/big', 0, 0).costMicros).toBe(0n);
    expect(costOf(PRICES, 'local/smollm2-135m-instruct', 123, 456)).toEqual({ costMicros: 0n, priced: true });
  });

  it('stays exact where floating point cannot: huge counts and prices', () => {
    const price = { inputMicrosPerMillion: Number.MAX_SAFE_INTEGER, outputMicrosPerMillion: 7 };
    const tokens = 2_147_483_647;
    // 2147483647 × 9007199254740991 + 21 = 19342813104826865393074198 (bc): ceil(/1e6) ends in ...394.
    expect(exactCostMicros(price, tokens, 3)).toBe(19_342_813_104_826_865_394n);
    // The same sum in floating point is off by thousands of micro-units.
    expect(BigInt(Math.ceil((tokens * Number.MAX_SAFE_INTEGER + 21) / 1e6))).not.toBe(
      19_342_813_104_826_865_394n,
    );
    expect(exactCostMicros({ inputMicrosPerMillion: 999_999, outputMicrosPerMillion: 0 }, 3, 0)).toBe(3n);
  });

  it('leaves the cost unknown when tokens are unknown, and flags an unpriced model', () => {
    expect(costOf(PRICES, 'acme/big', null, 10)).toEqual({ costMicros: null, priced: true });
    expect(costOf(PRICES, 'acme/big', 10, null)).toEqual({ costMicros: null, priced: true });
    expect(costOf(PRICES, 'acme/unknown', 10, 10)).toEqual({ costMicros: null, priced: false });
    // Only the table's own entries count, not what an object inherits.
    expect(costOf(PRICES, 'toString', 1, 1).priced).toBe(false);
  });

  it('refuses token counts that are not whole numbers of 0 or more', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => exactCostMicros(PRICES['acme/big'], bad, 0)).toThrow(RangeError);
    }
  });

  it('splits a model reference at its first slash', () => {
    expect(splitModelRef('acme/org/model-1')).toEqual({ provider: 'acme', model: 'org/model-1' });
    for (const bad of ['nomodel', '/x', 'x/']) expect(() => splitModelRef(bad)).toThrow(RangeError);
  });
});
