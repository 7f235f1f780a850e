import { TaskState } from '@a2a-js/sdk';
import type { JobStatus } from '../../core/run-status.ts';

/**
 * A job's or run's status as an A2A task state. A job or run the agent refused to do never happens
 * here: refusals are failures with their reason (the conformance agent's `rejected` is the exception,
 * see its own module).
 */
const STATE_OF: Readonly<Record<JobStatus, TaskState>> = {
  pending: TaskState.TASK_STATE_SUBMITTED,
  running: TaskState.TASK_STATE_WORKING,
  input_required: TaskState.TASK_STATE_INPUT_REQUIRED,
  success: TaskState.TASK_STATE_COMPLETED,
  failed: TaskState.TASK_STATE_FAILED,
  cancelled: TaskState.TASK_STATE_CANCELED,
};

export function taskStateOf(status: JobStatus): TaskState {
  return STATE_OF[status];
}

/** The task's A2A context: the A2A client's own id, else the chat session's id, else the task's. */
export function contextIdOf(task: {
  readonly id: string;
  readonly sessionId?: string | null;
  readonly sessionContextId?: string | null;
  readonly a2aContextId?: string | null;
}): string {
  return task.sessionContextId ?? task.a2aContextId ?? task.sessionId ?? task.id;
}
