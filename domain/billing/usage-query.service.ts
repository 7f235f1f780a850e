import { BadRequestError } from '../../core/errors.ts';
import type { EntityManager } from '../../db/orm.ts';
import { exactNumber } from './exact-number.ts';
import { monthStartUtc } from './budget-guard.ts';

export const USAGE_GROUPINGS = ['day', 'model', 'key', 'agent'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

/** The key of a group, by grouping: a UTC date `YYYY-MM-DD`, `<provider>/<model>`, a key id, an agent id. */
const GROUP_KEY_SQL: Readonly<Record<UsageGrouping, string>> = {
  day: `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD')`,
  model: `provider || '/' || model`,
  key: `api_key_id::text`,
  agent: `agent_id`,
};

export interface UsageFigures {
  readonly calls: number;
  /** Sums of the tokens providers reported; calls with unknown usage add nothing here. */
  readonly input_tokens: number;
  readonly output_tokens: number;
  /** Exact micro-units of the calls whose cost is known. */
  readonly cost_micros: number;
  /** Calls whose provider reported no usage (either count missing): their tokens and cost are unknown. */
  readonly unknown_usage_calls: number;
  /** Calls of a model the price table does not name: their cost is unknown. */
  readonly unpriced_calls: number;
}

export interface UsageGroup extends UsageFigures {
  /** Null for calls without a key (e.g. a run nobody's key started) or without an agent. */
  readonly key: string | null;
}

export interface UsageReport {
  readonly from: string;
  readonly to: string;
  readonly group_by: UsageGrouping;
  readonly totals: UsageFigures;
  readonly groups: readonly UsageGroup[];
}

export interface UsageQuery {
  /** Inclusive start, an ISO date (`YYYY-MM-DD`, midnight UTC) or date-time; default: this UTC month's start. */
  readonly from?: string | undefined;
  /** Exclusive end, the same forms; default: next UTC month's start. */
  readonly to?: string | undefined;
  readonly groupBy?: UsageGrouping | undefined;
}

interface GroupRow {
  key: string | null;
  calls: string;
  input_tokens: string;
  output_tokens: string;
  cost_micros: string;
  unknown_usage_calls: string;
  unpriced_calls: string;
}

/** Sums as text so bigint and numeric reach us whole; `exactNumber` then refuses to round. */
const usageSql = (keySql: string) => `select ${keySql} as key,
    count(*)::text as calls,
    coalesce(sum(input_tokens), 0)::text as input_tokens,
    coalesce(sum(output_tokens), 0)::text as output_tokens,
    coalesce(sum(cost_micros), 0)::text as cost_micros,
    count(*) filter (where input_tokens is null or output_tokens is null)::text as unknown_usage_calls,
    count(*) filter (where not priced)::text as unpriced_calls
  from usage_records
  where workspace_id = ? and created_at >= ? and created_at < ?
  group by 1
  order by 1 nulls last`;

const FIGURES = [
  'calls',
  'input_tokens',
  'output_tokens',
  'cost_micros',
  'unknown_usage_calls',
  'unpriced_calls',
] as const;

/** The workspace's model calls in [from, to), grouped; totals are the exact sums of the groups. */
export async function usageReport(
  em: EntityManager,
  workspaceId: string,
  query: UsageQuery,
  now: Date = new Date(),
): Promise<UsageReport> {
  const groupBy = query.groupBy ?? 'day';
  const monthStart = monthStartUtc(now);
  const from = query.from === undefined ? monthStart : instant(query.from, 'from');
  const to =
    query.to === undefined
      ? new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1))
      : instant(query.to, 'to');
  if (!(from < to)) throw new BadRequestError('from must be before to');
  const rows = await em
    .getConnection()
    .execute<GroupRow[]>(usageSql(GROUP_KEY_SQL[groupBy]), [workspaceId, from, to]);
  const totals = Object.fromEntries(FIGURES.map((f) => [f, 0n])) as Record<(typeof FIGURES)[number], bigint>;
  const groups = rows.map((row) => {
    for (const f of FIGURES) totals[f] += BigInt(row[f]);
    return { key: row.key, ...figuresOf(row) };
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    group_by: groupBy,
    totals: figuresOf(totals),
    groups,
  };
}

function figuresOf(source: Record<(typeof FIGURES)[number], string | bigint>): UsageFigures {
  return Object.fromEntries(FIGURES.map((f) => [f, exactNumber(source[f])])) as unknown as UsageFigures;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO date (midnight UTC) or date-time with an offset; a calendar-impossible one is refused. */
function instant(text: string, field: string): Date {
  const date = new Date(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime()) || (DATE_ONLY.test(text) && date.toISOString().slice(0, 10) !== text)) {
    throw new BadRequestError(`${field} must be an ISO date (YYYY-MM-DD) or date-time with an offset`);
  }
  return date;
}
