import type { NodeExecutor } from './node-context.ts';

/**
 * What a node type declares, once, in its own module (`<type>.node.ts`). Validation, step
 * preparation, the interpreter, the node activity and the docs' JSON Schema all read it.
 */
export type NodeTypeDef<T extends string = string> = NodeTypeBase<T> & NodeExecution;

/**
 * How a node type runs. `local-activity`: short, expression-bounded work in the worker holding the
 * workflow task. `activity`: a regular activity that heartbeats (any worker, cancellable).
 * `timer`: a durable timer in the workflow. `child`: a child run of another workflow.
 */
export type NodeExecution =
  | { execution: 'local-activity' | 'activity'; execute: NodeExecutor }
  | {
      execution: 'timer';
      /** How long to wait, from the resolved `with`; the step's output is `{ seconds }`. */
      seconds(input: Record<string, unknown>): number;
    }
  | { execution: 'child' };

interface NodeTypeBase<T extends string> {
  type: T;
  /** One line for the docs and the JSON Schema. */
  description: string;
  /** The fields `with` accepts; any other field is an error. */
  with: Record<string, FieldSpec>;
  /** Whether a node may set `retry` (work in the workflow itself has no activity retry). */
  retry: boolean;
  /** Attempt timeout when the node sets no `timeout_seconds` (default: NODE_DEFAULTS.timeoutSeconds). */
  defaultTimeoutSeconds?(nodeWith: Record<string, unknown>): number;
}

/**
 * One field of `with`. `expression` fields are JSONata evaluated whole (their values reach the
 * executor as `ctx.values`); every other string may embed `{{ }}` templates.
 */
export interface FieldSpec {
  kind: 'string' | 'expression' | 'number' | 'boolean' | 'string-map' | 'any';
  required?: boolean;
  min?: number;
  max?: number;
  /** Allowed values of a string field, compared in upper case. */
  oneOf?: readonly string[];
}

/** Keeps the literal `type`, so the registry can derive the NodeType union. */
export function defineNodeType<const T extends string>(def: NodeTypeDef<T>): NodeTypeDef<T> {
  return def;
}
