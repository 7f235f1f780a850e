import type { JobStatus, Source, StepStatus } from '../../core/run-status.ts';
import { REQUEST_INPUT_TOOL, type TurnOutcome, type TurnTool } from '../../core/agents/turn-contract.ts';
import type { A2aOrigin, TaskArtifact } from '../../core/tasks/task-parts.ts';
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
  readonly status: JobStatus;
  readonly message: string;
  readonly context: unknown;
  readonly tools: readonly TurnTool[] | null;
  readonly idempotencyHash: string | null;
  readonly a2a: A2aOrigin | null;
  readonly createdAt: Date;
}

export interface JobOutcome {
  readonly status: JobStatus;
  readonly finalMessage: string | null;
  readonly errorMessage: string | null;
  /** While `input_required`: what the agent asks (its running `request_input` step's question). */
  readonly question: string | null;
}

/** An artifact as jobs.artifacts stores it: with how many chunks it holds (retries add none twice). */
export type StoredArtifact = TaskArtifact & { readonly chunks: number };

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

const LIVE: readonly JobStatus[] = ['pending', 'running', 'input_required'];
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
           final_message = case when ? then coalesce(?, (
             select s.output->>'text' from job_steps s
              where s.job_id = jobs.id and s.kind = 'model' and s.status = 'success'
              order by s.seq desc limit 1)) end
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
              node_id, model, status, message, context, tools, idempotency_hash, a2a, created_at
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
      status: r.status as JobStatus,
      message: r.message as string,
      context: r.context,
      tools: r.tools as TurnTool[] | null,
      idempotencyHash: r.idempotency_hash as string | null,
      a2a: r.a2a as A2aOrigin | null,
      createdAt: new Date(r.created_at as string),
    };
  }

  /** How the job ended (or stands): what a caller waiting for its turn answers with. */
  async outcome(jobId: string): Promise<JobOutcome | undefined> {
    const [row] = await this.#sql<JobOutcome>(
      `select status, final_message as "finalMessage", error_message as "errorMessage",
              case when status = 'input_required' then (
                select s.input->>'question' from job_steps s
                 where s.job_id = jobs.id and s.name = ? and s.status = 'running'
                 order by s.seq desc limit 1) end as question
         from jobs where id = ?`,
      [REQUEST_INPUT_TOOL, jobId],
    );
    return row;
  }

  /** Moves a pending job to running with the tools of its turn; returns the job's status after. */
  async begin(jobId: string, tools: readonly TurnTool[]): Promise<JobStatus | undefined> {
    const [updated] = await this.#sql<{ status: JobStatus }>(
      `update jobs set status = 'running', started_at = coalesce(started_at, now()), tools = ?::jsonb
        where id = ? and status in ('pending', 'running')
        returning status`,
      [jsonParam(tools), jobId],
    );
    // Not updated: it ended meanwhile (or is gone); its row says how.
    return updated ? updated.status : (await this.load(jobId))?.status;
  }

  /**
   * Moves a live job between `running` and `input_required`; false when it was not in the other one
   * (it ended meanwhile, or a retry finds it moved already).
   */
  async moveLive(jobId: string, to: 'running' | 'input_required'): Promise<boolean> {
    const from = to === 'running' ? 'input_required' : 'running';
    const moved = await this.#sql(`update jobs set status = ? where id = ? and status = ? returning id`, [
      to,
      jobId,
      from,
    ]);
    return moved.length > 0;
  }

  /** Marks the job's answer a bare A2A Message rather than a task (the conformance agent's choice). */
  async replyAsMessage(jobId: string): Promise<void> {
    await this.#sql(
      `update jobs set a2a = coalesce(a2a, '{}'::jsonb) || '{"reply_as_message": true}'::jsonb where id = ?`,
      [jobId],
    );
  }

  /**
   * Adds an artifact to jobs.artifacts: a whole one replaces one with its id; chunk `chunk` (counted
   * from 0) of an appended one adds its parts to the artifact with its id, once. A compare-and-set of
   * the list, so a retried write changes nothing; answers whether it changed the list.
   */
  async addArtifact(
    jobId: string,
    artifact: TaskArtifact,
    options: { append: boolean; chunk: number },
  ): Promise<boolean> {
    for (;;) {
      const [row] = await this.#sql<{ artifacts: StoredArtifact[] | null }>(
        `select artifacts from jobs where id = ?`,
        [jobId],
      );
      if (!row) return false;
      const before = row.artifacts ?? [];
      const after = withArtifact(before, artifact, options);
      if (after === before) return false;
      const written = await this.#sql(
        `update jobs set artifacts = ?::jsonb where id = ? and artifacts is not distinct from ?::jsonb returning id`,
        [jsonParam(after), jobId, row.artifacts ? jsonParam(before) : null],
      );
      if (written.length > 0) return true;
    }
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
  async finish(jobId: string, outcome: TurnOutcome, from: readonly JobStatus[] = LIVE): Promise<boolean> {
    const error = outcome.status === 'failed' ? outcome.error : null;
    const success = outcome.status === 'success';
    const [row] = await this.#sql<{ ended: number }>(FINISH_SQL, [
      outcome.status,
      error,
      success,
      outcome.status === 'success' ? (outcome.finalMessage ?? null) : null,
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

/** `list` with the artifact added (see JobStore.addArtifact); `list` itself when nothing changes. */
function withArtifact(
  list: readonly StoredArtifact[],
  artifact: TaskArtifact,
  { append, chunk }: { append: boolean; chunk: number },
): readonly StoredArtifact[] {
  const at = list.findIndex((a) => a.id === artifact.id);
  const current = list[at];
  if (!current) return [...list, { ...artifact, chunks: 1 }];
  let next: StoredArtifact;
  if (!append) {
    next = { ...artifact, chunks: 1 };
    if (JSON.stringify(next) === JSON.stringify(current)) return list;
  } else {
    if (current.chunks !== chunk) return list;
    next = { ...current, parts: [...current.parts, ...artifact.parts], chunks: chunk + 1 };
  }
  return list.map((a, i) => (i === at ? next : a));
}
