/**
 * The JSON shape of a workflow definition, shared by the API (validation on save and run), the CLI
 * (`dagen workflows apply`) and the workflow interpreter. Pure types: bundled into workflow code.
 */
import type { NodeType } from '../nodes/registry.ts';

export interface RetryPolicySpec {
  max_attempts: number;
  backoff_seconds: number;
}

export interface NodeSpec {
  id: string;
  type: NodeType;
  name?: string;
  needs?: string[];
  /** JSONata expression over the run context; the node is skipped when it is false. */
  when?: string;
  /** Type-specific settings; any string may embed `{{ expr }}` templates. */
  with?: Record<string, unknown>;
  retry?: RetryPolicySpec;
  timeout_seconds?: number;
}

/** The executable part of a definition: what a version pins. */
export interface WorkflowGraph {
  nodes: NodeSpec[];
  /** JSONata expression for the run's output; default: outputs of sink nodes keyed by id. */
  output?: string;
}

export type WorkflowStatus = 'draft' | 'active' | 'paused' | 'archived';

/** A whole definition document as a user writes it (file for `dagen workflows apply`). */
export interface WorkflowDocument extends WorkflowGraph {
  name: string;
  description?: string;
  status?: WorkflowStatus;
  input_schema?: Record<string, unknown>;
}

/** One problem found in a definition; `node` names the node when the problem belongs to one. */
export interface DefinitionProblem {
  node?: string;
  message: string;
}

/**
 * Bounds every definition must respect; validation reports a value outside them. A field that is
 * stored in its own column is bounded by that column (test/definitions/stored-fields.test.ts checks
 * every such column), so nothing that passes validation can fail an insert later. Lengths count
 * characters as Postgres does (code points).
 */
export const LIMITS = {
  maxNodes: 200,
  /** The saved document as JSON (UTF-8 bytes); keeps the graph a run carries through history small. */
  maxDefinitionBytes: 256 * 1024,
  /** `workflow_definitions.name varchar(255)`. */
  maxWorkflowNameLength: 255,
  /** `run_steps.name varchar(255)`: a step is named after its node (its id when it has no name). */
  maxNodeNameLength: 255,
  /** Arrays and objects inside one another; deeper values are refused before any recursive walk. */
  maxNestingDepth: 64,
  /** `run_steps.node_id varchar(255)`; ids are also JSONata names, so kept short. */
  maxNodeIdLength: 64,
  maxExpressionLength: 10_000,
  maxRetryAttempts: 10,
  maxBackoffSeconds: 3600,
  maxTimeoutSeconds: 24 * 3600,
} as const;

/** Defaults applied when a node leaves them out (a node type may default its own timeout). */
export const NODE_DEFAULTS = {
  retry: { max_attempts: 1, backoff_seconds: 1 },
  timeoutSeconds: 60,
} as const;

/** Node ids are JSONata-friendly names: `nodes.fetch_user.output` works without backticks. */
export const NODE_ID_PATTERN = new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${LIMITS.maxNodeIdLength - 1}}$`);
