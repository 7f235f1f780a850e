import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import { CONFORMANCE_AGENT_ID, CONFORMANCE_TURN_WORKFLOW } from '../../core/agents/conformance.ts';
import { AGENT_TURN_WORKFLOW, jobWorkflowId, type AgentTurnInput } from '../../core/agents/turn-contract.ts';
import { UnavailableError, unreachableDependency } from '../../core/errors.ts';
import type { JsonValue, Source } from '../../core/run-status.ts';
import type { A2aOrigin } from '../../core/tasks/task-parts.ts';
import { SA_AGENT, SA_API_KEY, SA_SOURCE, SA_WORKSPACE } from '../../core/search-attributes.ts';
import { jsonParam } from '../../db/json-param.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { RunServices } from '../runs/run-launcher.ts';

/** What a job's start reads of it: its ids, source, key and model. */
type LaunchedJob = Pick<
  JobStart,
  'id' | 'workspaceId' | 'agentId' | 'source' | 'apiKeyId' | 'model' | 'sessionId' | 'runId' | 'nodeId'
>;

/** How long a start may wait for Temporal (as for runs: an unreachable engine is a prompt 503). */
const START_DEADLINE_MS = 5_000;

/** What a job insert writes; everything else starts at its default. */
export interface JobStart {
  readonly id: string;
  readonly workspaceId: string;
  readonly agentId: string;
  readonly agentVersion: number | null;
  readonly sessionId: string | null;
  readonly source: Source | 'workflow';
  readonly apiKeyId: string | null;
  readonly ownerId: string;
  readonly model: string;
  readonly message: string;
  readonly context: JsonValue | null;
  readonly idempotencyKey: string | null;
  readonly idempotencyHash: string | null;
  readonly runId?: string | null;
  readonly nodeId?: string | null;
  /** How A2A asked for the job, when it did. */
  readonly a2a?: A2aOrigin | null;
}

/** Records the job `pending`; a unique-key conflict (its Idempotency-Key) propagates. */
export async function insertJob(em: EntityManager, job: JobStart): Promise<void> {
  await em.getConnection().execute(
    `insert into jobs (id, workspace_id, agent_id, agent_version, session_id, source, api_key_id, owner_id,
                       model, status, message, context, idempotency_key, idempotency_hash, run_id, node_id, a2a, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?::jsonb, ?, ?, ?, ?, ?::jsonb, now())`,
    [
      job.id,
      job.workspaceId,
      job.agentId,
      job.agentVersion,
      job.sessionId,
      job.source,
      job.apiKeyId,
      job.ownerId,
      job.model,
      job.message,
      jsonParam(job.context),
      job.idempotencyKey,
      job.idempotencyHash,
      job.runId ?? null,
      job.nodeId ?? null,
      job.a2a ? jsonParam(job.a2a as JsonValue) : null,
    ],
  );
}

/**
 * Starts `job:<id>` within START_DEADLINE_MS; a second start of the same job is a no-op. When Temporal
 * refuses, the job is recorded failed (with `failJob`) and the answer is 503. The conformance agent's
 * jobs run its own workflow type (no model, a script).
 */
export async function launchJob(
  services: RunServices,
  job: LaunchedJob,
  agent: AgentSpec,
  options: { failJob: boolean },
): Promise<void> {
  try {
    const { connection, client } = services.temporal;
    const scripted = agent.id === CONFORMANCE_AGENT_ID;
    const input: AgentTurnInput = scripted
      ? { jobId: job.id }
      : {
          jobId: job.id,
          plan: { maxSteps: agent.maxSteps, callTimeoutMs: services.config.models.callTimeoutMs },
        };
    await connection.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      client.workflow.start(scripted ? CONFORMANCE_TURN_WORKFLOW : AGENT_TURN_WORKFLOW, {
        workflowId: jobWorkflowId(job.id),
        taskQueue: services.config.temporal.taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: SA_WORKSPACE, value: job.workspaceId },
          { key: SA_AGENT, value: job.agentId },
          { key: SA_SOURCE, value: job.source },
          { key: SA_API_KEY, value: job.apiKeyId ?? '' },
        ],
        memo: { agent_name: agent.name, model: job.model },
        staticSummary: `${agent.name} · ${job.model} (${job.source})`,
        staticDetails: [
          `**agent** ${agent.name} \`${agent.id}\`${agent.version ? ` v${agent.version}` : ''}`,
          `**model** ${job.model}`,
          `**workspace** \`${job.workspaceId}\``,
          `**source** ${job.source}`,
          ...(job.sessionId ? [`**session** \`${job.sessionId}\``] : []),
          ...(job.runId ? [`**run** \`run:${job.runId}\` node ${job.nodeId}`] : []),
        ].join('\n'),
      }),
    );
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    services.log.error({ err, jobId: job.id }, 'could not start agent turn on Temporal');
    if (options.failJob) {
      const reason = unreachableDependency(err) ? 'it cannot be reached' : 'it refused the start';
      await services.orm.em
        .fork()
        .getConnection()
        .execute(
          `update jobs set status = 'failed', error_message = ?, finished_at = now(), idempotency_key = null
            where id = ? and status = 'pending'`,
          [`Could not start the agent turn on the workflow engine: ${reason}`, job.id],
        );
    }
    throw new UnavailableError('Workflow engine unavailable: the agent turn could not be started', err);
  }
}
