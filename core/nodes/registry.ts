import { agentNode } from './agent.node.ts';
import { conditionNode } from './condition.node.ts';
import { delayNode } from './delay.node.ts';
import { httpNode } from './http.node.ts';
import type { NodeTypeDef } from './node-type.ts';
import { transformNode } from './transform.node.ts';
import { workflowNode } from './workflow.node.ts';

/** Every node type, in the order the docs list them. A new type is one module plus one line here. */
export const NODE_REGISTRY = [
  transformNode,
  conditionNode,
  httpNode,
  delayNode,
  agentNode,
  workflowNode,
] as const;

export type NodeType = (typeof NODE_REGISTRY)[number]['type'];

export const NODE_TYPES: readonly NodeType[] = NODE_REGISTRY.map((def) => def.type);

const BY_TYPE: ReadonlyMap<string, NodeTypeDef> = new Map(NODE_REGISTRY.map((def) => [def.type, def]));

export function isNodeType(value: unknown): value is NodeType {
  return typeof value === 'string' && BY_TYPE.has(value);
}

/** The declaration of a (validated) node's type. */
export function nodeTypeDef(type: NodeType): NodeTypeDef {
  const def = BY_TYPE.get(type);
  if (!def) throw new TypeError(`unknown node type ${JSON.stringify(type)}`);
  return def;
}

/** Names of a type's `expression` fields: evaluated whole, never scanned for templates. */
export function expressionFields(type: NodeType): string[] {
  return Object.entries(nodeTypeDef(type).with)
    .filter(([, spec]) => spec.kind === 'expression')
    .map(([name]) => name);
}
