/** Statuses of a workflow run, as the External API shows them. */
export const RUN_STATUSES = ['pending', 'running', 'success', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses of one node's step inside a run. */
export const STEP_STATUSES = ['pending', 'running', 'success', 'failed', 'skipped', 'cancelled'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Statuses of a job (an agent chat); same lifecycle as a run. */
export const JOB_STATUSES = RUN_STATUSES;
export type JobStatus = RunStatus;

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['success', 'failed', 'cancelled'];

export const SOURCES = ['external_api', 'ui', 'a2a', 'webhook', 'cli'] as const;
export type Source = (typeof SOURCES)[number];

/** Who and what started a run or job; stored with it for audit and billing. */
export interface TriggerMetadata {
  source: Source;
  api_key_id?: string | null;
  owner_id?: string | null;
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/** Any JSON value stored in a jsonb column (inputs, outputs). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
