import { randomUUID } from 'node:crypto';
import type { EntityManager } from '../../db/orm.ts';
import { exactNumber } from './exact-number.ts';
import { costOf, type PriceTable, splitModelRef } from './model-prices.ts';

/** One model call to bill. Exactly one of `jobId` and `runId` is usually set (a chat, or an agent node). */
export interface UsageCharge {
  /** One per model call, e.g. `job:<job_id>:<seq>`: a retried activity reuses it and is not charged again. */
  readonly chargeKey: string;
  readonly workspaceId: string;
  /** Who pays: the key's owner (for an agent node, the run's owner). */
  readonly ownerId: string;
  /** The key billed, whose monthly budget this counts against; null when no key started the work. */
  readonly apiKeyId: string | null;
  readonly jobId: string | null;
  readonly runId: string | null;
  readonly agentId: string | null;
  /** `<provider>/<model>`, as the price table names it. */
  readonly model: string;
  /** As the provider reported them; null when it reported none (recorded unknown, never 0). */
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
}

/** What the ledger holds for a charge key after `record`: this call's row, or the earlier one. */
export interface RecordedUsage {
  /** True when this call wrote the row; false when the charge key was already recorded. */
  readonly charged: boolean;
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  /** Exact micro-units; null when the tokens were unknown or the model unpriced. */
  readonly costMicros: number | null;
  readonly priced: boolean;
}

/** `input_tokens` and `output_tokens` are Postgres `int`. */
const MAX_TOKENS = 2_147_483_647;

/**
 * One statement whether or not the key was charged before: the insert, or nothing on a conflict. The
 * cost goes as text so a bigint reaches the `bigint` column without passing through a float.
 */
const INSERT_SQL = `insert into usage_records
  (id, charge_key, workspace_id, owner_id, api_key_id, job_id, run_id, agent_id, provider, model,
   input_tokens, output_tokens, cost_micros, priced, created_at)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::bigint, ?, ?)
  on conflict (charge_key) do nothing
  returning input_tokens, output_tokens, cost_micros, priced`;

const EXISTING_SQL = `select input_tokens, output_tokens, cost_micros, priced
  from usage_records where charge_key = ?`;

interface UsageRow {
  input_tokens: number | null;
  output_tokens: number | null;
  cost_micros: string | number | null;
  priced: boolean;
}

/**
 * The usage ledger: one row per billed model call, priced from the config's table. Writes with raw
 * SQL, one round trip per call, and never twice for one charge key (`on conflict do nothing`).
 */
export class UsageLedger {
  readonly #em: EntityManager;
  readonly #prices: PriceTable;

  constructor(em: EntityManager, prices: PriceTable) {
    this.#em = em;
    this.#prices = prices;
  }

  /** Records the call unless its charge key already was; throws RangeError for a malformed charge. */
  async record(charge: UsageCharge): Promise<RecordedUsage> {
    if (charge.chargeKey === '') throw new RangeError('charge key must not be empty');
    const { provider, model } = splitModelRef(charge.model);
    const inputTokens = checkTokens(charge.inputTokens, 'input tokens');
    const outputTokens = checkTokens(charge.outputTokens, 'output tokens');
    const { costMicros, priced } = costOf(this.#prices, charge.model, inputTokens, outputTokens);
    const connection = this.#em.getConnection();
    const inserted = await connection.execute<UsageRow[]>(INSERT_SQL, [
      randomUUID(),
      charge.chargeKey,
      charge.workspaceId,
      charge.ownerId,
      charge.apiKeyId,
      charge.jobId,
      charge.runId,
      charge.agentId,
      provider,
      model,
      inputTokens,
      outputTokens,
      costMicros === null ? null : costMicros.toString(),
      priced,
      new Date(),
    ]);
    if (inserted[0]) return usageOf(inserted[0], true);
    const [existing] = await connection.execute<UsageRow[]>(EXISTING_SQL, [charge.chargeKey]);
    if (!existing) throw new Error(`usage record ${charge.chargeKey} conflicted but cannot be read`);
    return usageOf(existing, false);
  }
}

function checkTokens(value: number | null, what: string): number | null {
  if (value === null) return null;
  if (!Number.isInteger(value) || value < 0 || value > MAX_TOKENS) {
    throw new RangeError(`${what} must be a whole number from 0 to ${MAX_TOKENS} (got ${String(value)})`);
  }
  return value;
}

function usageOf(row: UsageRow, charged: boolean): RecordedUsage {
  return {
    charged,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costMicros: row.cost_micros === null ? null : exactNumber(row.cost_micros),
    priced: row.priced,
  };
}
