import { nodeTypeDef, type NodeType } from '../nodes/registry.ts';
import type { NodeSpec, RetryPolicySpec } from './definition.ts';

/**
 * What the interpreter needs of a node to schedule and run it. Only this travels through a run's
 * workflow history; `with`, `when` and names stay in the pinned version, where activities read them.
 */
export interface PlannedNode {
  id: string;
  type: NodeType;
  needs: string[];
  retry?: RetryPolicySpec;
  /** The node's `timeout_seconds`, or its type's default as its `with` sets it (an http request timeout). */
  timeoutSeconds?: number;
}

export function planNode(node: NodeSpec): PlannedNode {
  const planned: PlannedNode = { id: node.id, type: node.type, needs: node.needs ?? [] };
  if (node.retry !== undefined) planned.retry = node.retry;
  const timeout = node.timeout_seconds ?? nodeTypeDef(node.type).defaultTimeoutSeconds?.(node.with ?? {});
  if (timeout !== undefined) planned.timeoutSeconds = timeout;
  return planned;
}
