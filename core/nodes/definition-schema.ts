import { LIMITS, NODE_ID_PATTERN } from '../dag/definition.ts';
import type { FieldSpec, NodeTypeDef } from './node-type.ts';
import { NODE_REGISTRY, NODE_TYPES } from './registry.ts';

type Schema = Record<string, unknown>;

const TEMPLATE = { $ref: '#/definitions/template' };

/**
 * The JSON Schema (draft-07) of a workflow definition document, generated from the node registry so
 * the published schema (docs/workflow-definition.schema.json) cannot drift from what validation
 * accepts. It checks shapes only; core/dag/validate.ts also parses expressions and walks the graph.
 */
export function workflowDefinitionSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'dagen workflow definition',
    type: 'object',
    required: ['name', 'nodes'],
    properties: {
      name: { type: 'string', minLength: 1 },
      description: { type: 'string' },
      status: { enum: ['draft', 'active', 'paused', 'archived'] },
      input_schema: { type: 'object' },
      output: { $ref: '#/definitions/expression' },
      nodes: { type: 'array', minItems: 1, maxItems: LIMITS.maxNodes, items: { $ref: '#/definitions/node' } },
    },
    definitions: {
      expression: { type: 'string', minLength: 1, maxLength: LIMITS.maxExpressionLength },
      template: { type: 'string', pattern: '\\{\\{.+\\}\\}' },
      node: nodeSchema(),
    },
  };
}

function nodeSchema(): Schema {
  return {
    type: 'object',
    required: ['id', 'type'],
    additionalProperties: false,
    properties: {
      id: { type: 'string', pattern: NODE_ID_PATTERN.source },
      type: { enum: [...NODE_TYPES] },
      name: { type: 'string' },
      needs: { type: 'array', items: { type: 'string' }, uniqueItems: true },
      when: { $ref: '#/definitions/expression' },
      with: { type: 'object' },
      retry: {
        type: 'object',
        additionalProperties: false,
        properties: {
          max_attempts: { type: 'integer', minimum: 1, maximum: LIMITS.maxRetryAttempts },
          backoff_seconds: { type: 'number', minimum: 0, maximum: LIMITS.maxBackoffSeconds },
        },
      },
      timeout_seconds: { type: 'number', minimum: 0.001, maximum: LIMITS.maxTimeoutSeconds },
    },
    allOf: NODE_REGISTRY.map(typeRule),
  };
}

/** `if type is X then with has X's fields` (and no `retry` when X does not allow it). */
function typeRule(def: NodeTypeDef): Schema {
  const fields = Object.entries(def.with);
  const withSchema = {
    description: def.description,
    type: 'object',
    required: fields.filter(([, spec]) => spec.required).map(([name]) => name),
    additionalProperties: false,
    properties: Object.fromEntries(fields.map(([name, spec]) => [name, fieldSchema(spec)])),
  };
  return {
    if: { properties: { type: { const: def.type } } },
    then: { ...(def.retry ? {} : { not: { required: ['retry'] } }), properties: { with: withSchema } },
  };
}

/** A field's schema; a `{{ }}` template may stand in for any non-string value (checked at run time). */
function fieldSchema(spec: FieldSpec): Schema {
  switch (spec.kind) {
    case 'expression':
      return { $ref: '#/definitions/expression' };
    case 'string':
      return { type: 'string' };
    case 'number':
      return {
        oneOf: [{ type: 'number', ...bounds(spec) }, TEMPLATE],
      };
    case 'boolean':
      return { oneOf: [{ type: 'boolean' }, TEMPLATE] };
    case 'string-map':
      return { type: 'object', additionalProperties: { type: 'string' } };
    case 'any':
      return {};
  }
}

function bounds(spec: FieldSpec): Schema {
  return {
    ...(spec.min === undefined ? {} : { minimum: spec.min }),
    ...(spec.max === undefined ? {} : { maximum: spec.max }),
  };
}
