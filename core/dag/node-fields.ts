import { nodeTypeDef, type NodeType } from '../nodes/registry.ts';
import type { FieldSpec } from '../nodes/node-type.ts';
import { parseTemplate } from './template.ts';

// What each node type accepts in `with` is declared by the type (core/nodes/). One declaration
// drives both checks: on save (a `{{ }}` template may stand in for any value) and at run time on the
// resolved values (no templates left).

/**
 * Problems with a node's `with` (messages without the node id). `resolved` says templates were
 * already evaluated, so values must have their final types.
 */
export function checkWithFields(type: NodeType, value: unknown, resolved: boolean): string[] {
  const specs = nodeTypeDef(type).with;
  if (value === undefined) value = {};
  if (!isPlainObject(value)) return ['"with" must be an object'];
  const problems: string[] = [];
  for (const key of Object.keys(value)) {
    if (!(key in specs)) problems.push(`"with.${key}" is not a field of ${type} nodes`);
  }
  for (const [key, spec] of Object.entries(specs)) {
    const field = value[key];
    if (field === undefined || field === null) {
      if (spec.required) problems.push(`"with.${key}" is required`);
      continue;
    }
    const problem = checkField(spec, field, resolved);
    if (problem) problems.push(`"with.${key}" ${problem}`);
  }
  return problems;
}

function checkField(spec: FieldSpec, value: unknown, resolved: boolean): string | undefined {
  // Before resolution, a string holding a template may become any type: run time checks it.
  if (!resolved && typeof value === 'string' && spec.kind !== 'expression' && hasTemplate(value)) {
    return undefined;
  }
  switch (spec.kind) {
    case 'expression':
      return typeof value === 'string' && value.trim() ? undefined : 'must be a non-empty expression string';
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (spec.oneOf && !spec.oneOf.includes(value.toUpperCase())) {
        return `must be one of ${spec.oneOf.join(', ')}`;
      }
      return undefined;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'string-map':
      if (!isPlainObject(value)) return 'must be an object of strings';
      return Object.values(value).every((v) => typeof v === 'string') ? undefined : 'values must be strings';
    case 'any':
      return undefined;
  }
}

function hasTemplate(value: string): boolean {
  try {
    return parseTemplate(value).some((part) => part.kind === 'expr');
  } catch {
    return true; // syntax errors are reported by the template check
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
