import type { InferEntity } from '@mikro-orm/core';
import type { JobStatus, JsonValue, Source, StepStatus } from '../../core/run-status.ts';
import { Job, JobStep } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { iso } from '../runs/run-view.ts';

type JobRow = InferEntity<typeof Job>;

/** Who can start a job: the External API's sources, or an `agent` node of a workflow run. */
export const JOB_SOURCES = [
  'external_api',
  'ui',
  'a2a',
  'webhook',
  'cli',
  'workflow',
] as const satisfies readonly (Source | 'workflow')[];
export type JobSource = (typeof JOB_SOURCES)[number];
type JobStepRow = InferEntity<typeof JobStep>;

/**
 * What a job's model calls used, summed over its usage records. A provider that reported no tokens,
 * or a model without a price, leaves its record's value unknown; a sum over an unknown part would
 * understate, so each total is null once any call's value is unknown (`model_calls` still counts it).
 */
export interface JobUsageView {
  model_calls: number;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_micros: number | null;
}

/** A job as a list shows it: everything but its steps. */
export interface JobSummaryView {
  job_id: string;
  agent_id: string;
  agent_version: number | null;
  session_id: string | null;
  source: JobSource;
  status: JobStatus;
  model: string;
  message: string;
  context: JsonValue | null;
  final_message: string | null;
  error: string | null;
  api_key_id: string | null;
  run_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  usage: JobUsageView;
}

export interface JobStepView {
  seq: number;
  kind: 'model' | 'tool';
  name: string;
  status: StepStatus;
  input: JsonValue | null;
  output: JsonValue | null;
  error: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

/** A job with its steps in the order the turn made them. */
export interface JobView extends JobSummaryView {
  steps: JobStepView[];
}

export const NO_USAGE: JobUsageView = { model_calls: 0, input_tokens: 0, output_tokens: 0, cost_micros: 0 };

const USAGE_SQL = `select job_id, count(*) as calls,
  case when count(*) = count(input_tokens) then sum(input_tokens) end as input_tokens,
  case when count(*) = count(output_tokens) then sum(output_tokens) end as output_tokens,
  case when count(*) = count(cost_micros) then sum(cost_micros) end as cost_micros
  from usage_records where job_id = any(?::uuid[]) group by job_id`;

interface UsageRow {
  job_id: string;
  calls: string | number;
  input_tokens: string | number | null;
  output_tokens: string | number | null;
  cost_micros: string | number | null;
}

const count = (v: string | number | null): number | null => (v === null ? null : Number(v));

/** Usage of each job by id; a job without records used nothing. Ids must be uuids. */
export async function loadJobUsage(
  em: EntityManager,
  jobIds: readonly string[],
): Promise<Map<string, JobUsageView>> {
  if (jobIds.length === 0) return new Map();
  // Bigint sums come back as strings; the ids are uuids already, so the array literal is safe.
  const rows = await em.getConnection().execute<UsageRow[]>(USAGE_SQL, [`{${jobIds.join(',')}}`]);
  return new Map(
    rows.map((r) => [
      r.job_id,
      {
        model_calls: Number(r.calls),
        input_tokens: count(r.input_tokens),
        output_tokens: count(r.output_tokens),
        cost_micros: count(r.cost_micros),
      },
    ]),
  );
}

export function jobSummaryView(job: JobRow, usage: JobUsageView | undefined): JobSummaryView {
  return {
    job_id: job.id,
    agent_id: job.agentId,
    agent_version: job.agentVersion ?? null,
    session_id: job.sessionId ?? null,
    source: job.source,
    status: job.status,
    model: job.model,
    message: job.message,
    context: job.context ?? null,
    final_message: job.finalMessage ?? null,
    error: job.errorMessage ?? null,
    api_key_id: job.apiKeyId ?? null,
    run_id: job.runId ?? null,
    created_at: job.createdAt.toISOString(),
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
    duration_ms: job.durationMs ?? null,
    usage: usage ?? NO_USAGE,
  };
}

function stepView(step: JobStepRow): JobStepView {
  return {
    seq: step.seq,
    kind: step.kind,
    name: step.name,
    status: step.status,
    input: step.input ?? null,
    output: step.output ?? null,
    error: step.error ?? null,
    input_tokens: step.inputTokens ?? null,
    output_tokens: step.outputTokens ?? null,
    started_at: iso(step.startedAt),
    finished_at: iso(step.finishedAt),
    duration_ms: step.durationMs ?? null,
  };
}

/** The job in the workspace with its steps and usage, or undefined when it is not there. */
export async function loadJobView(
  em: EntityManager,
  workspaceId: string,
  jobId: string,
): Promise<JobView | undefined> {
  // All reads go out together: the steps and usage queries are wasted only for an id that is not ours.
  const [job, steps, usage] = await Promise.all([
    em.fork().findOne(Job, { id: jobId, workspaceId }),
    em.fork().find(JobStep, { jobId }, { orderBy: { seq: 'asc' } }),
    loadJobUsage(em.fork(), [jobId]),
  ]);
  return job ? { ...jobSummaryView(job, usage.get(jobId)), steps: steps.map(stepView) } : undefined;
}
