import { defineUpdate } from '@temporalio/workflow';
import type { JobStatus, JsonValue, RunStatus, StepStatus } from '../run-status.ts';
import type { TaskArtifact } from '../tasks/task-parts.ts';

/** Workflow type of one agent turn; its id is `job:<job_id>`. */
export const AGENT_TURN_WORKFLOW = 'agentTurn';
export const jobWorkflowId = (jobId: string): string => `job:${jobId}`;

/** Everything else a turn needs is on the job row (ids, not data, travel through history). */
export interface AgentTurnInput {
  readonly jobId: string;
  /**
   * Set by starts since the patch `agent-turn-begins-in-first-model-call`: what `beginAgentTurn`
   * would answer, known to the starter, so the first model call begins the turn itself.
   */
  readonly plan?: { readonly maxSteps: number; readonly callTimeoutMs: number };
}

export interface AgentTurnResult {
  readonly jobId: string;
  readonly status: Extract<RunStatus, 'success' | 'failed' | 'cancelled'>;
}

/** What `beginAgentTurn` hands the loop; `ended` when the job was already final (a replayed start). */
export type TurnPlan =
  | { readonly ended: false; readonly maxSteps: number; readonly callTimeoutMs: number }
  | { readonly ended: true; readonly status: AgentTurnResult['status'] };

/** One model call's verdict: a final answer, or the job-step numbers of the tool calls it asked for. */
export interface ModelStepResult {
  readonly final: boolean;
  readonly toolSteps: readonly number[];
  /** Set when a beginning call found the job already ended (nothing was called). */
  readonly ended?: AgentTurnResult['status'];
}

export type TurnOutcome =
  /** `finalMessage` for turns without model steps (the conformance agent); else the last model text. */
  | { readonly status: 'success'; readonly finalMessage?: string }
  | { readonly status: 'failed'; readonly error: string }
  | { readonly status: 'cancelled' };

/** A tool offered to the model for one turn, fixed when the turn begins (stored on the job). */
export interface TurnTool {
  /** The name the model sees: a builtin's name, or `<server>__<tool>` for an MCP tool. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments; calls are validated against it before they run. */
  readonly inputSchema: Record<string, unknown>;
  /** Set for MCP tools: which of the agent's servers serves it, under which name. */
  readonly mcp?: { readonly server: string; readonly tool: string };
}

/** The activities of the turn workflow; each writes its own records before it returns. */
export interface AgentTurnActivities extends JobInputActivities {
  /** Marks the job running, discovers its tools (MCP servers too) and stores them on the job. */
  beginAgentTurn(input: { jobId: string }): Promise<TurnPlan>;
  /** Model step `seq` (with `begin`, first what beginAgentTurn does): checks the budget, calls the model, records step and usage, plans tool steps. */
  callAgentModel(input: { jobId: string; seq: number; begin?: boolean }): Promise<ModelStepResult>;
  /**
   * Tool step `seq` (planned by a model step): validates, runs and records it; a tool's error is its
   * output. For `request_input` it answers the question instead and leaves the step running.
   */
  callAgentTool(input: { jobId: string; seq: number }): Promise<{ readonly question?: string } | void>;
  /** Writes the job's final status (and, on success, the session's two new messages). */
  finishAgentTurn(input: { jobId: string; outcome: TurnOutcome }): Promise<void>;
}

/** The name of the builtin tool by which an agent asks its caller a question and waits for the reply. */
export const REQUEST_INPUT_TOOL = 'request_input';

/** The caller's reply to a job waiting `input_required`. */
export interface JobInput {
  readonly message: string;
  readonly messageId?: string;
  /** Structured data sent with the reply (an A2A data part), handed to the agent with it. */
  readonly context?: JsonValue;
}

/**
 * Continues a job waiting `input_required` (rejected otherwise); completes once the reply is recorded
 * and the job is `running` again.
 */
export const provideJobInputUpdate = defineUpdate<void, [JobInput]>('provideJobInput');

/** Pausing a job for its caller's input, and resuming it (shared by every job workflow). */
export interface JobInputActivities {
  /**
   * Records step `seq` as the question (a running `request_input` step), marks the job
   * `input_required` and announces it; answers how long the job may wait.
   */
  pauseJobForInput(input: { jobId: string; seq: number; question: string }): Promise<{ timeoutMs: number }>;
  /** Records the reply as step `seq`'s output and marks the job `running` again. */
  resumeJobWithInput(input: { jobId: string; seq: number; input: JobInput }): Promise<void>;
}

/** Live events of a job, published on channel `job:<job_id>` (see infra/events). */
export type JobEvent =
  | { readonly type: 'delta'; readonly seq: number; readonly text: string }
  | {
      readonly type: 'step';
      readonly seq: number;
      readonly kind: 'model' | 'tool';
      readonly name: string;
      readonly status: StepStatus;
    }
  | {
      readonly type: 'status';
      readonly status: JobStatus;
      readonly error?: string;
      /** With `input_required`: what the agent asks the caller. */
      readonly message?: string;
    }
  /** An artifact, whole or (with `append`) one more chunk of one already begun; `lastChunk` ends it. */
  | {
      readonly type: 'artifact';
      readonly artifact: TaskArtifact;
      readonly append: boolean;
      readonly lastChunk: boolean;
    };
