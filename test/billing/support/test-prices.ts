/** A price table for billing tests (micro-units per million tokens). */
export const TEST_PRICES = {
  /** 1000 in + 100 out costs 3000 + 1500 = 4500 micro-units. */
  'acme/big': { inputMicrosPerMillion: 3_000_000, outputMicrosPerMillion: 15_000_000 },
  /** Every call's cost is a fraction of a micro-unit per token, rounded up once per call. */
  'acme/odd': { inputMicrosPerMillion: 7, outputMicrosPerMillion: 13 },
  /** One micro-unit per token: a spend of N is N output tokens. */
  'acme/unit': { inputMicrosPerMillion: 1_000_000, outputMicrosPerMillion: 1_000_000 },
};
