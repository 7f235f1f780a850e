import { z } from 'zod';
import { USAGE_GROUPINGS, usageReport } from '../../domain/billing/usage-query.service.ts';
import { authOf } from '../../http/context.ts';
import { named, timestamp } from '../openapi/schemas.ts';
import { endpoint } from './endpoint.ts';

/** A range end: an ISO date (midnight UTC) or an ISO date-time with `Z` or an offset. */
const instant = (description: string) =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })])
    .optional()
    .meta({ description });

const usageQuery = z.object({
  from: instant("Inclusive start (default: the current UTC month's first midnight). Must be before `to`."),
  to: instant("Exclusive end (default: the next UTC month's first midnight)."),
  group_by: z.enum(USAGE_GROUPINGS).optional().meta({
    description:
      'day: UTC date `YYYY-MM-DD`; model: `<provider>/<model>`; key: API key id; agent: agent id (default day).',
  }),
});

const count = z.int().min(0);
const figures = {
  calls: count.meta({ description: 'Model calls recorded.' }),
  input_tokens: count.meta({ description: 'Input tokens as providers reported them (unknown ones add 0).' }),
  output_tokens: count.meta({
    description: 'Output tokens as providers reported them (unknown ones add 0).',
  }),
  cost_micros: count.meta({
    description: 'Exact cost in micro-units of the calls whose cost is known (see unknown and unpriced).',
  }),
  unknown_usage_calls: count.meta({ description: 'Calls whose provider reported no token usage.' }),
  unpriced_calls: count.meta({ description: 'Calls of a model the price table does not name.' }),
};

const usageReportSchema = named(
  'UsageReport',
  z.object({
    from: timestamp,
    to: timestamp,
    group_by: z.enum(USAGE_GROUPINGS),
    totals: z.object(figures),
    groups: z.array(
      z.object({
        key: z
          .string()
          .nullable()
          .meta({ description: 'The group: a date, model, key id or agent id; null for calls without one.' }),
        ...figures,
      }),
    ),
  }),
);

const getUsageEndpoint = endpoint({
  method: 'get',
  path: '/usage',
  scope: 'agents',
  operationId: 'getUsage',
  summary: "The workspace's model usage and cost, grouped",
  description:
    'Every model call of the workspace (chats and agent nodes, whichever key they were billed to) in ' +
    '[from, to), grouped by day, model, key or agent, sorted by group. Costs are exact integer ' +
    'micro-units from the configured price table; a call whose provider reported no usage, or whose ' +
    'model has no price, is counted apart and adds nothing to the sums it cannot know. Sums are JSON ' +
    'integers, exact below 2^53.',
  query: usageQuery,
  responses: { 200: { description: 'Usage in the range.', schema: usageReportSchema } },
}).handledBy(async (ctx, { query }, deps) => {
  const { workspaceId } = authOf(ctx);
  const report = await usageReport(deps.services.orm.em.fork(), workspaceId, {
    from: query.from,
    to: query.to,
    groupBy: query.group_by,
  });
  return { status: 200, body: report };
});

/** Usage endpoints (scope `agents`: the ledger is of model calls, which that scope is about). */
export const usageEndpoints = [getUsageEndpoint];
