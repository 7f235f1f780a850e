import { type Artifact, type StreamResponse, type Task, TaskState } from '@a2a-js/sdk';
import { jobWorkflowId, type JobEvent } from '../core/agents/turn-contract.ts';
import { awaitJobSettled } from '../domain/jobs/job-wait.ts';
import { waitForWorkflowClose } from '../domain/runs/run-wait.ts';
import type { RunEndWatcher } from '../domain/runs/run-end-watcher.ts';
import { ANSWER_ARTIFACT_ID, protocolArtifact, textArtifact } from '../domain/tasks/task-parts.ts';
import { taskStateOf } from '../domain/tasks/task-state.ts';
import { isJobTask, loadTask } from '../domain/tasks/task-view.ts';
import type { Services } from '../infra/services.ts';

/** States a task never leaves. */
const FINAL_STATES: readonly TaskState[] = [
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
];
/** States after which a stream ends: the task is over, or waits for the caller. */
const STREAM_END_STATES: readonly TaskState[] = [...FINAL_STATES, TaskState.TASK_STATE_INPUT_REQUIRED];

/** Longest a call waits for a task's end before it answers with the task as it is. */
export const LONGEST_WAIT_MS = 24 * 60 * 60 * 1000;

const stateOf = (task: Task): TaskState => task.status?.state ?? TaskState.TASK_STATE_UNSPECIFIED;

export function isFinished(task: Task): boolean {
  return FINAL_STATES.includes(stateOf(task));
}

export function endsStream(task: Task): boolean {
  return STREAM_END_STATES.includes(stateOf(task));
}

export interface TaskStreamDeps {
  readonly services: Services;
  readonly runEnds: RunEndWatcher;
}

const taskEvent = (task: Task): StreamResponse => ({ payload: { $case: 'task', value: task } });

/**
 * A task's events for a stream: the snapshot first, then what happens until the task ends or (again)
 * waits for input (or `stop` aborts). A job's live events (answer deltas as chunks of the answer artifact,
 * artifacts, statuses) are subscribed to before the snapshot is read, so none falls between; the end
 * is read back from Postgres (its artifacts whole, then its final status), so a stream that missed
 * live events still ends with everything recorded. A run streams working, then its end.
 */
export async function* taskEvents(
  deps: TaskStreamDeps,
  workspaceId: string,
  taskId: string,
  stop: AbortSignal,
): AsyncGenerator<StreamResponse, void, undefined> {
  const { services } = deps;
  const queue: JobEvent[] = [];
  let wake: () => void = () => undefined;
  const unsubscribe = await services.events.subscribe(jobWorkflowId(taskId), (event) => {
    queue.push(event as JobEvent);
    wake();
  });
  try {
    const snapshot = await loadTask(services.orm.em.fork(), workspaceId, taskId);
    if (!snapshot) return;
    yield taskEvent(snapshot);
    // A task that already waits for input is followed to what comes after the reply.
    const waiting = snapshot.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED;
    if (!waiting && endsStream(snapshot)) return;
    const isJob = isJobTask(snapshot);
    const settled = !isJob
      ? deps.runEnds.waitForEnd(taskId, LONGEST_WAIT_MS, stop)
      : waiting
        ? waitForWorkflowClose(services.temporal.client, jobWorkflowId(taskId), LONGEST_WAIT_MS, stop)
        : awaitJobSettled(services, taskId, stop);
    let done = false;
    void settled.finally(() => {
      done = true;
      wake();
    });
    stop.addEventListener('abort', () => wake(), { once: true });
    const ids = { taskId, contextId: snapshot.contextId, metadata: undefined };
    if (!isJob && snapshot.status?.state === TaskState.TASK_STATE_SUBMITTED) {
      yield statusEvent(ids, TaskState.TASK_STATE_WORKING);
    }
    let answerBegun = false;
    for (;;) {
      for (let event = queue.shift(); event; event = queue.shift()) {
        if (event.type === 'delta') {
          yield artifactEvent(ids, textArtifact(ANSWER_ARTIFACT_ID, event.text), answerBegun, false);
          answerBegun = true;
        } else if (event.type === 'artifact') {
          yield artifactEvent(ids, protocolArtifact(event.artifact), event.append, event.lastChunk);
        } else if (event.type === 'status') {
          const state = taskStateOf(event.status);
          // The end is read back below, with what the task recorded.
          if (STREAM_END_STATES.includes(state)) done = true;
          else yield statusEvent(ids, state);
        }
      }
      if (done || stop.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (queue.length > 0 || done || stop.aborted) resolve();
      });
    }
    if (stop.aborted) return;
    yield* ending(deps, workspaceId, taskId);
  } finally {
    await unsubscribe();
  }
}

/** The task's recorded end: each artifact whole (replacing streamed chunks), then its final status. */
async function* ending(
  deps: TaskStreamDeps,
  workspaceId: string,
  taskId: string,
): AsyncGenerator<StreamResponse> {
  const task = await loadTask(deps.services.orm.em.fork(), workspaceId, taskId);
  if (!task) return;
  const ids = { taskId, contextId: task.contextId, metadata: undefined };
  for (const artifact of task.artifacts) yield artifactEvent(ids, artifact, false, true);
  yield { payload: { $case: 'statusUpdate', value: { ...ids, status: task.status } } };
}

type EventIds = { taskId: string; contextId: string; metadata: undefined };

function statusEvent(ids: EventIds, state: TaskState): StreamResponse {
  return {
    payload: {
      $case: 'statusUpdate',
      value: { ...ids, status: { state, message: undefined, timestamp: new Date().toISOString() } },
    },
  };
}

function artifactEvent(
  ids: EventIds,
  artifact: Artifact,
  append: boolean,
  lastChunk: boolean,
): StreamResponse {
  return { payload: { $case: 'artifactUpdate', value: { ...ids, artifact, append, lastChunk } } };
}
