import type { InferEntity } from '@mikro-orm/core';
import type { Artifact, Message, Task, TaskStatus } from '@a2a-js/sdk';
import { TaskState } from '@a2a-js/sdk';
import { REQUEST_INPUT_TOOL } from '../../core/agents/turn-contract.ts';
import { isUuid } from '../../core/ids.ts';
import type { JsonValue } from '../../core/run-status.ts';
import type { TaskPart } from '../../core/tasks/task-parts.ts';
import { ChatMessage, Job, JobStep, WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { Scope } from '../keys/api-keys.service.ts';
import { contextIdOf, taskStateOf } from './task-state.ts';
import {
  ANSWER_ARTIFACT_ID,
  dataPart,
  OUTPUT_ARTIFACT_ID,
  protocolArtifact,
  protocolMessage,
  textArtifact,
  textPart,
} from './task-parts.ts';

type JobRow = InferEntity<typeof Job>;
type RunRow = InferEntity<typeof WorkflowRun>;
type JobStepRow = InferEntity<typeof JobStep>;

/** Whether the task is an agent job (else a workflow run): its metadata names the job. */
export function isJobTask(task: Task): boolean {
  return task.metadata?.jobId === task.id;
}

/** What a task is: an agent's job or a workflow's run. */
export type TaskKind = 'job' | 'run';

/** The key scope that reaches each kind of task, as on the External API. */
export const TASK_KIND_SCOPES: Readonly<Record<TaskKind, Scope>> = { job: 'agents', run: 'workflows' };

export function taskKindOf(task: Task): TaskKind {
  return isJobTask(task) ? 'job' : 'run';
}

/**
 * A task as A2A shows it, whichever door started it: an agent job or a workflow run in the
 * workspace. Another workspace's id, or one that is not a uuid, is not there (undefined).
 */
export async function loadTask(
  em: EntityManager,
  workspaceId: string,
  taskId: string,
): Promise<Task | undefined> {
  if (!isUuid(taskId)) return undefined;
  const [job, run] = await Promise.all([
    em.fork().findOne(Job, { id: taskId, workspaceId }),
    em.fork().findOne(WorkflowRun, { id: taskId, workspaceId }),
  ]);
  if (job) return jobTask(em, job);
  return run ? runTask(run) : undefined;
}

/** The A2A context of a job: its session's client context id when the session has one. */
async function sessionContextId(
  em: EntityManager,
  sessionId: string | null | undefined,
): Promise<string | null> {
  if (!sessionId) return null;
  const [row] = await em
    .getConnection()
    .execute<{ context_id: string | null }[]>(`select context_id from chat_sessions where id = ?`, [
      sessionId,
    ]);
  return row?.context_id ?? null;
}

/**
 * A job as a task: its history is the session's earlier messages, this turn's message and the
 * questions the agent asked (with their answers); its artifacts the job's own, else its answer text.
 */
export async function jobTask(em: EntityManager, job: JobRow): Promise<Task> {
  const [contextSessionId, steps, earlier] = await Promise.all([
    sessionContextId(em.fork(), job.sessionId),
    em
      .fork()
      .find(JobStep, { jobId: job.id, kind: 'tool', name: REQUEST_INPUT_TOOL }, { orderBy: { seq: 'asc' } }),
    earlierMessages(em.fork(), job),
  ]);
  const ids = {
    taskId: job.id,
    contextId: contextIdOf({
      id: job.id,
      sessionId: job.sessionId,
      sessionContextId: contextSessionId,
      a2aContextId: job.a2a?.context_id,
    }),
  };
  const exchanges = steps.map((s) => inputExchange(s, ids));
  const history: Message[] = [
    ...earlier.map((m) =>
      protocolMessage(m.role === 'user' ? 'user' : 'agent', { ...ids, messageId: m.id }, [
        textPart(m.content),
      ]),
    ),
    protocolMessage('user', { ...ids, messageId: job.a2a?.message_id ?? `${job.id}-message` }, [
      textPart(job.message),
      ...(job.context == null ? [] : [dataPart(job.context)]),
    ]),
    ...exchanges.flat(),
  ];
  // Waiting for input: the open question is the last step's, not yet answered.
  const question = job.status === 'input_required' ? exchanges.at(-1)?.[0] : undefined;
  return {
    id: job.id,
    contextId: ids.contextId,
    status: taskStatus(job, ids, 'The agent turn failed', question),
    history,
    artifacts: jobArtifacts(job),
    metadata: {
      source: job.source,
      agentId: job.agentId,
      jobId: job.id,
      ...(job.sessionId ? { sessionId: job.sessionId } : {}),
      ...(job.runId ? { runId: job.runId } : {}),
      ...(job.a2a?.reply_as_message ? { replyAsMessage: true } : {}),
      href: `/api/v1/jobs/${job.id}`,
    },
  };
}

/**
 * A job's or run's status: its state, when it last changed, and a message when it has one to say:
 * the error of a failure (`failure` when none was recorded), or the question it waits on.
 */
function taskStatus(
  row: JobRow | RunRow,
  ids: { taskId: string; contextId: string },
  failure: string,
  question?: Message,
): TaskStatus {
  const state = taskStateOf(row.status);
  return {
    state,
    timestamp: (row.finishedAt ?? row.startedAt ?? row.createdAt).toISOString(),
    message:
      state === TaskState.TASK_STATE_FAILED
        ? protocolMessage('agent', { ...ids, messageId: `${ids.taskId}-error` }, [
            textPart(row.errorMessage ?? failure),
          ])
        : question,
  };
}

function jobArtifacts(job: JobRow): Artifact[] {
  if (job.artifacts && job.artifacts.length > 0) return job.artifacts.map(protocolArtifact);
  if (job.status === 'success' && job.finalMessage)
    return [textArtifact(ANSWER_ARTIFACT_ID, job.finalMessage)];
  return [];
}

/** The session's messages before this turn (a finished turn's own two are in the session too). */
async function earlierMessages(em: EntityManager, job: JobRow) {
  if (!job.sessionId) return [];
  const own = await em.find(
    ChatMessage,
    { sessionId: job.sessionId, jobId: job.id },
    { orderBy: { seq: 'asc' } },
  );
  const before = own[0]?.seq;
  return em.find(
    ChatMessage,
    before === undefined
      ? { sessionId: job.sessionId, createdAt: { $lt: job.createdAt } }
      : { sessionId: job.sessionId, seq: { $lt: before } },
    { orderBy: { seq: 'asc' } },
  );
}

/**
 * A `request_input` step as the agent's question (its input `{ question }`) and, once given, the
 * caller's reply (its output `{ reply, message_id }`, under the caller's own message id).
 */
function inputExchange(step: JobStepRow, ids: { taskId: string; contextId: string }): Message[] {
  const { question } = (step.input ?? {}) as { question?: string };
  const asked = protocolMessage('agent', { ...ids, messageId: `${ids.taskId}-ask-${step.seq}` }, [
    textPart(question ?? ''),
  ]);
  if (step.status !== 'success' || step.output == null) return [asked];
  const { reply, message_id } = step.output as { reply?: string; message_id?: string | null };
  const messageId = message_id ?? `${ids.taskId}-reply-${step.seq}`;
  return [asked, protocolMessage('user', { ...ids, messageId }, [textPart(reply ?? '')])];
}

/**
 * A workflow run as a task: its history the caller's input as a data part, its artifact the run's
 * output as a data part plus the files the output lists under `files`.
 */
export function runTask(run: RunRow): Task {
  const ids = { taskId: run.id, contextId: contextIdOf({ id: run.id, a2aContextId: run.a2a?.context_id }) };
  return {
    id: run.id,
    contextId: ids.contextId,
    status: taskStatus(run, ids, 'The workflow run failed'),
    history: [
      protocolMessage('user', { ...ids, messageId: run.a2a?.message_id ?? `${run.id}-input` }, [
        dataPart(run.inputData ?? {}),
      ]),
    ],
    artifacts: run.outputData == null ? [] : [runArtifact(run.outputData)],
    metadata: {
      source: run.trigger.source,
      workflowId: run.workflowId,
      runId: run.id,
      href: `/api/v1/workflow/runs/${run.id}`,
    },
  };
}

function runArtifact(output: JsonValue): Artifact {
  const files = (output as { files?: unknown }).files;
  const fileParts: TaskPart[] = Array.isArray(files)
    ? files.filter(isFileRef).map((f) => ({
        kind: 'file',
        name: f.name,
        mediaType: f.media_type ?? f.mediaType,
        base64: f.base64,
        url: f.url,
      }))
    : [];
  return protocolArtifact({
    id: OUTPUT_ARTIFACT_ID,
    name: OUTPUT_ARTIFACT_ID,
    parts: [{ kind: 'data', data: output }, ...fileParts],
  });
}

interface FileRef {
  name?: string;
  media_type?: string;
  mediaType?: string;
  base64?: string;
  url?: string;
}

function isFileRef(v: unknown): v is FileRef {
  if (!v || typeof v !== 'object') return false;
  const f = v as FileRef;
  return typeof f.url === 'string' || typeof f.base64 === 'string';
}
