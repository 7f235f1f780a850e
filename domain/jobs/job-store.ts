import type { RunStatus, Source, StepStatus } from '../../core/run-status.ts';
import type { TurnOutcome, TurnTool } from '../../core/agents/turn-contract.ts';
import { jsonParam } from '../../db/json-param.ts';
import type { EntityManager } from '../../db/orm.ts';

/** The job row as the turn's activities read it (snake_case from SQL, mapped once here). */
export interface JobRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly agentId: string;
  readonly agentVersion: number | null;
  readonly sessionId: string | null;
  readonly source: Source | 'workflow';
  readonly apiKeyId: string | null;
  readonly ownerId: string;
  readonly runId: string | null;
  readonly nodeId: string | null;
  readonly model: string;
  readonly status: RunStatus;
  readonly message: string;
  readonly context: unknown;
  readonly tools: readonly TurnTool[] | null;
  readonly idempotencyHash: string | null;
  readonly createdAt: Date;
}

export interface JobOutcome {
  readonly status: RunStatus;
  readonly finalMessage: string | null;
  readonly errorMessage: string | null;
}

export interface JobStepRecord {
  readonly seq: number;
  readonly kind: 'model' | 'tool';
  readonly name: string;
  readonly toolCallId: string | null;
  readonly status: StepStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: string | null;
}

/** What one step write sets; absent fields keep their value. */
export interface StepWrite {
  readonly seq: number;
  readonly kind: 'model' | 'tool';
  readonly name: string;
  readonly status: StepStatus;
  readonly toolCallId?: string | null;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: string | null;
  readonly inputTokens?: number | null;
  readonly outputTokens?: number | null;
  readonly started?: boolean;
  readonly finished?: boolean;
}

const LIVE: readonly RunStatus[] = ['pending', 'running'];
/** Messages a turn reads back at most, whatever the token budget. */
const MAX_HISTORY_MESSAGES = 400;

/**
 * The job's final write (JobStore.finish). Every part of a statement sees the same snapshot and all
 * or none of it is applied; the unique (session_id, seq) of chat_messages serialises two turns of
 * one session finishing together (the loser fails and its activity retries).
 */
const FINISH_SQL = `with ended as (
    update jobs set status = ?, error_message = ?, finished_at = now(),
           duration_ms = (extract(epoch from (now() - created_at)) * 1000)::int,
           final_message = case when ? then (
             select s.output->>'text' from job_steps s
              where s.job_id = jobs.id and s.kind = 'model' and s.status = 'success'
              order by s.seq desc limit 1) end
     where id = ? and status = any(?::text[])
    returning id, session_id, message, final_message
  ), interrupted as (
    update job_steps set status = ?, finished_at = now(),
           duration_ms = (extract(epoch from (now() - started_at)) * 1000)::int
     where job_id = (select id from ended) and status in ('pending', 'running')
  ), messages as (
    insert into chat_messages (id, session_id, seq, job_id, role, content, created_at)
    select gen_random_uuid(), e.session_id,
           (select coalesce(max(seq), 0) from chat_messages where session_id = e.session_id) + m.n,
           e.id, m.role, m.content, now()
      from ended e
      cross join lateral (values (1, 'user', e.message), (2, 'assistant', coalesce(e.final_message, '')))
        as m(n, role, content)
     where ? and e.session_id is not null
  ), touched as (
    update chat_sessions set updated_at = now() where ? and id = (select session_id from ended)
  )
  select count(*)::int as ended from ended`;

export interface SessionMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** A provider-neutral estimate: about 4 characters per token for English text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Reads and writes of `jobs`, `job_steps` and a session's messages for the turn's activities.
 * Every status write is conditional on the job (or step) still being live, so a late attempt after
 * a cancel or a failure was recorded changes nothing.
 */
export class JobStore {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  async load(jobId: string): Promise<JobRecord | undefined> {
    return this.#job('id = ?', [jobId]);
  }

  /** The job holding `key` in the workspace, however old (callers decide whether it still holds it). */
  async holdingKey(workspaceId: string, key: string): Promise<JobRecord | undefined> {
    return this.#job('workspace_id = ? and idempotency_key = ?', [workspaceId, key]);
  }

  async #job(where: string, params: unknown[]): Promise<JobRecord | undefined> {
    const [r] = await this.#sql<Record<string, unknown>>(
      `select id, workspace_id, agent_id, agent_version, session_id, source, api_key_id, owner_id, run_id,
              node_id, model, status, message, context, tools, idempotency_hash, created_at
         from jobs where ${where}`,
      params,
    );
    if (!r) return undefined;
    return {
      id: r.id as string,
      workspaceId: r.workspace_id as string,
      agentId: r.agent_id as string,
      agentVersion: r.agent_version as number | null,
      sessionId: r.session_id as string | null,
      source: r.source as JobRecord['source'],
      apiKeyId: r.api_key_id as string | null,
      ownerId: r.owner_id as string,
      runId: r.run_id as string | null,
      nodeId: r.node_id as string | null,
      model: r.model as string,
      status: r.status as RunStatus,
      message: r.message as string,
      context: r.context,
      tools: r.tools as TurnTool[] | null,
      idempotencyHash: r.idempotency_hash as string | null,
      createdAt: new Date(r.created_at as string),
    };
  }

  /** How the job ended (or stands): what a caller waiting for its turn answers with. */
  async outcome(jobId: string): Promise<JobOutcome | undefined> {
    const [row] = await this.#sql<JobOutcome>(
      `select status, final_message as "finalMessage", error_message as "errorMessage" from jobs where id = ?`,
      [jobId],
    );
    return row;
  }

  /** Moves a pending job to running with the tools of its turn; returns the job's status after. */
  async begin(jobId: string, tools: readonly TurnTool[]): Promise<RunStatus | undefined> {
    const [updated] = await this.#sql<{ status: RunStatus }>(
      `update jobs set status = 'running', started_at = coalesce(started_at, now()), tools = ?::jsonb
        where id = ? and status in ('pending', 'running')
        returning status`,
      [jsonParam(tools), jobId],
    );
    // Not updated: it ended meanwhile (or is gone); its row says how.
    return updated ? updated.status : (await this.load(jobId))?.status;
  }

  async steps(jobId: string): Promise<JobStepRecord[]> {
    const rows = await this.#sql<Record<string, unknown>>(
      `select seq, kind, name, tool_call_id, status, input, output, error from job_steps
        where job_id = ? order by seq`,
      [jobId],
    );
    return rows.map((r) => ({
      seq: r.seq as number,
      kind: r.kind as 'model' | 'tool',
      name: r.name as string,
      toolCallId: r.tool_call_id as string | null,
      status: r.status as StepStatus,
      input: r.input,
      output: r.output,
      error: r.error as string | null,
    }));
  }

  /** Inserts or updates step `seq`, unless it already ended (a retry never rewrites a finished step). */
  async writeStep(jobId: string, step: StepWrite): Promise<void> {
    await this.#sql(
      `insert into job_steps (id, job_id, seq, kind, name, tool_call_id, status, input, output, error,
                              input_tokens, output_tokens, created_at, started_at, finished_at, duration_ms)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, now(),
               case when ? then now() end, case when ? then now() end,
               case when ? and ? then 0 end)
       on conflict (job_id, seq) do update set
         status = excluded.status,
         tool_call_id = coalesce(excluded.tool_call_id, job_steps.tool_call_id),
         input = coalesce(excluded.input, job_steps.input),
         output = coalesce(excluded.output, job_steps.output),
         error = excluded.error,
         input_tokens = coalesce(excluded.input_tokens, job_steps.input_tokens),
         output_tokens = coalesce(excluded.output_tokens, job_steps.output_tokens),
         started_at = coalesce(job_steps.started_at, excluded.started_at),
         finished_at = excluded.finished_at,
         duration_ms = case when excluded.finished_at is null then null
           else (extract(epoch from (excluded.finished_at - coalesce(job_steps.started_at, excluded.finished_at))) * 1000)::int end
       where job_steps.status in ('pending', 'running', 'failed')`,
      [
        jobId,
        step.seq,
        step.kind,
        step.name,
        step.toolCallId ?? null,
        step.status,
        jsonParam(step.input),
        jsonParam(step.output),
        step.error ?? null,
        step.inputTokens ?? null,
        step.outputTokens ?? null,
        step.started ?? false,
        step.finished ?? false,
        step.started ?? false,
        step.finished ?? false,
      ],
    );
  }

  /**
   * Writes the job's final status; on success also its final message (the text of its last successful
   * model step) and the turn's user message and answer appended to its session. One statement, so it
   * is atomic (history never holds half a turn) and one round trip. Written only while the job's
   * status is one of `from`; its live steps end with it. Returns false when nothing was written.
   */
  async finish(jobId: string, outcome: TurnOutcome, from: readonly RunStatus[] = LIVE): Promise<boolean> {
    const error = outcome.status === 'failed' ? outcome.error : null;
    const success = outcome.status === 'success';
    const [row] = await this.#sql<{ ended: number }>(FINISH_SQL, [
      outcome.status,
      error,
      success,
      jobId,
      `{${from.join(',')}}`,
      // Steps a cancel or failure interrupted end with the job.
      outcome.status === 'cancelled' ? 'cancelled' : 'failed',
      success,
      success,
    ]);
    return (row?.ended ?? 0) > 0;
  }

  /**
   * The session's latest messages, oldest first, whose estimated tokens (4 characters each) fit
   * `budgetTokens`; older ones are dropped whole, a user message never without its answer.
   */
  async history(sessionId: string, budgetTokens: number): Promise<SessionMessage[]> {
    const rows = await this.#sql<SessionMessage>(
      `select role, content from chat_messages where session_id = ? order by seq desc limit ?`,
      [sessionId, MAX_HISTORY_MESSAGES],
    );
    const kept: SessionMessage[] = [];
    let tokens = 0;
    for (let i = 0; i + 1 < rows.length; i += 2) {
      // Rows come newest first in (assistant, user) pairs.
      const [answer, question] = [rows[i]!, rows[i + 1]!];
      tokens += estimateTokens(answer.content) + estimateTokens(question.content);
      if (tokens > budgetTokens) break;
      kept.push(answer, question);
    }
    return kept.reverse();
  }

  async #sql<T = unknown>(query: string, params: unknown[]): Promise<T[]> {
    return this.#em.getConnection().execute<T[]>(query, params);
  }
}
