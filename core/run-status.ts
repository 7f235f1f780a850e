/** Statuses of a workflow run, as the External API shows them. */
export const RUN_STATUSES = ['pending', 'running', 'success', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses of one node's step inside a run. */
export const STEP_STATUSES = ['pending', 'running', 'success', 'failed', 'skipped', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * Statuses of an agent job: a run's, plus `input_required` while the agent waits, durably, for the
 * caller's next message (its `request_input` tool, or an A2A conversation).
 */
export const JOB_STATUSES = [...RUN_STATUSES, 'input_required'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['success', 'failed', 'cancelled'];

/** The door a run or job came through. */
export type Source = 'external_api' | 'ui' | 'a2a' | 'webhook' | 'cli';

/** Who and what started a run or job; stored with it for audit and billing. */
export interface TriggerMetadata {
  source: Source;
  api_key_id?: string | null;
  owner_id?: string | null;
  /** The agent job whose `run_workflow` tool started the run. */
  job_id?: string;
}

export function isTerminal(status: RunStatus | JobStatus): boolean {
  return (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);
}

/** Any JSON value stored in a jsonb column (inputs, outputs). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
