import type { RunContext } from '../../core/dag/run-context.ts';

/** One batch of evaluations for a node, done in one round trip to an expression process. */
export interface ExpressionJob {
  context: RunContext;
  /** Evaluated first; when it is falsy, nothing else is evaluated. */
  when?: string;
  /** A node's `with`: `{{ }}` templates resolved, fields named in `expressions` left as they are. */
  with?: Record<string, unknown>;
  /** Whole expressions to evaluate, by name (a node type's expression fields, a run's `output`). */
  expressions?: Record<string, string>;
}

export interface ExpressionResult {
  /** False when `when` was falsy; then `with` and `values` are absent. */
  proceed: boolean;
  /** Secrets show as `***` here: this is the form a step records. */
  with?: Record<string, unknown>;
  values?: Record<string, unknown>;
  /** Strings of `with` that use secrets, for the node's activity to fill in; absent when none do. */
  secrets?: SecretSlot[];
}

/**
 * A string of the resolved `with` that held `{{ secrets.NAME }}` templates. The expression process
 * never sees a secret's value: it masks the string in `with` and says how to rebuild it.
 */
export interface SecretSlot {
  /** Where the string sits in `with`: keys and array indexes. */
  path: (string | number)[];
  /** Resolved text and secret names, in order. */
  pieces: (string | { secret: string })[];
}

export interface EvalRequest {
  id: number;
  job: ExpressionJob;
  maxResultBytes: number;
}

export type EvalResponse =
  { id: number; ok: true; json: string } | { id: number; ok: false; message: string };

/** The first message of an expression process: its modules are loaded and it takes jobs. */
export interface ReadyMessage {
  ready: true;
}
