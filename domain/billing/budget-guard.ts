import { BudgetExceededError } from '../../core/errors.ts';
import type { EntityManager } from '../../db/orm.ts';
import { exactNumber } from './exact-number.ts';

/** A key's cap and what it spent this month; `budgetMicros` null means the key has no cap. */
export interface BudgetStanding {
  readonly budgetMicros: number | null;
  readonly spentMicros: number;
}

const BUDGET_SQL = `select workspace_id, monthly_budget_micros from api_keys where id = ?`;

/**
 * What the key spent since `since`, counting the keys it was rotated from and to (rotation keeps the
 * budget, so it must not hand out a fresh month's allowance; an overlap's old key spends from the same
 * pot). A key is rotated at most once, so the lineage is a chain; `union` stops on any cycle. Calls of
 * unknown cost (no usage reported, or an unpriced model) count as 0: they are flagged, not guessed.
 */
const SPENT_SQL = `with recursive lineage(id, rotated_to_id) as (
    select id, rotated_to_id from api_keys where id = ?
    union
    select k.id, k.rotated_to_id from api_keys k join lineage l
      on k.workspace_id = ? and (k.rotated_to_id = l.id or k.id = l.rotated_to_id)
  )
  select coalesce(sum(u.cost_micros), 0)::text as spent
  from usage_records u
  where u.api_key_id in (select id from lineage) and u.created_at >= ?`;

/** Midnight UTC of the first day of `now`'s month: where a monthly budget starts over. */
export function monthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * Refuses model calls billed to a key that has spent its monthly budget. The turn asks before each
 * model call and the cost is only known after it, so a run overshoots its budget by at most one call
 * (the one that crossed the line). Runs billed to one key at the same moment each check on their own:
 * each may overshoot by its one call in flight.
 */
export class BudgetGuard {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /** Throws BudgetExceededError once spent ≥ budget; no key or no cap is never refused. */
  async assertWithinBudget(apiKeyId: string | null, now: Date = new Date()): Promise<void> {
    const { budgetMicros, spentMicros } = await this.standing(apiKeyId, now);
    if (budgetMicros !== null && spentMicros >= budgetMicros) {
      throw new BudgetExceededError(budgetMicros, spentMicros);
    }
  }

  /** The key's cap and this UTC month's spend; the spend is not summed for a key without a cap. */
  async standing(apiKeyId: string | null, now: Date = new Date()): Promise<BudgetStanding> {
    if (apiKeyId === null) return { budgetMicros: null, spentMicros: 0 };
    const connection = this.#em.getConnection();
    const [key] = await connection.execute<
      { workspace_id: string; monthly_budget_micros: string | number | null }[]
    >(BUDGET_SQL, [apiKeyId]);
    if (!key || key.monthly_budget_micros === null) return { budgetMicros: null, spentMicros: 0 };
    const [row] = await connection.execute<{ spent: string }[]>(SPENT_SQL, [
      apiKeyId,
      key.workspace_id,
      monthStartUtc(now),
    ]);
    return {
      budgetMicros: exactNumber(key.monthly_budget_micros),
      spentMicros: exactNumber(row?.spent ?? '0'),
    };
  }
}
