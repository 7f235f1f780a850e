import type { ModelPrice } from '../../infra/config.ts';

/** Prices in micro-units per million tokens, by `<provider>/<model>` (`config.models.prices`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

const TOKENS_PER_PRICE_UNIT = 1_000_000n;

/** What one model call costs, as the ledger stores it. */
export interface CallCost {
  /** Exact integer micro-units; null when the tokens are unknown or the model has no price. */
  readonly costMicros: bigint | null;
  /** False when the price table does not name the model: the call is recorded but flagged. */
  readonly priced: boolean;
}

/** `<provider>/<model>` split at its first `/` (a model name may contain more of them). */
export function splitModelRef(model: string): { provider: string; model: string } {
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1) {
    throw new RangeError(`model must be <provider>/<model> (got ${JSON.stringify(model)})`);
  }
  return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
}

/** The model's price, or undefined when the table does not name it. */
export function priceOf(prices: PriceTable, model: string): ModelPrice | undefined {
  return Object.hasOwn(prices, model) ? prices[model] : undefined;
}

/**
 * The cost of one call: ceil((input × input_price + output × output_price) / 1e6), one rounding per
 * call, up. One ceiling of the sum (rather than one per direction) charges the smallest whole number
 * of micro-units not below the true cost, so a call is never over-charged by more than one micro-unit
 * and never under-charged. Computed in BigInt: token counts times prices can pass 2^53.
 */
export function costOf(
  prices: PriceTable,
  model: string,
  inputTokens: number | null,
  outputTokens: number | null,
): CallCost {
  const price = priceOf(prices, model);
  if (!price) return { costMicros: null, priced: false };
  if (inputTokens === null || outputTokens === null) return { costMicros: null, priced: true };
  return { costMicros: exactCostMicros(price, inputTokens, outputTokens), priced: true };
}

/** The cost rule above for known tokens; throws RangeError for a count that is not a whole number ≥ 0. */
export function exactCostMicros(price: ModelPrice, inputTokens: number, outputTokens: number): bigint {
  const numerator =
    toBigInt(inputTokens, 'input tokens') * toBigInt(price.inputMicrosPerMillion, 'input price') +
    toBigInt(outputTokens, 'output tokens') * toBigInt(price.outputMicrosPerMillion, 'output price');
  return (numerator + TOKENS_PER_PRICE_UNIT - 1n) / TOKENS_PER_PRICE_UNIT;
}

function toBigInt(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a whole number of 0 or more (got ${String(value)})`);
  }
  return BigInt(value);
}
