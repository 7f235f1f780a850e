import jsonata from 'jsonata';
import { expressionFields, isNodeType, nodeTypeDef, NODE_TYPES, type NodeType } from '../nodes/registry.ts';
import {
  LIMITS,
  NODE_ID_PATTERN,
  type DefinitionProblem,
  type NodeSpec,
  type WorkflowGraph,
} from './definition.ts';
import { checkWithFields, isPlainObject } from './node-fields.ts';
import { characterCount, sizeProblems, storageIssue } from './storable.ts';
import { readsSecrets, secretReference } from './secret-refs.ts';
import { parseTemplate, stringsIn } from './template.ts';

export type GraphValidation =
  { ok: true; graph: WorkflowGraph } | { ok: false; problems: DefinitionProblem[] };

const NODE_KEYS = new Set(['id', 'type', 'name', 'needs', 'when', 'with', 'retry', 'timeout_seconds']);

/**
 * Checks a definition (the whole document or just `{ nodes, output }`) and reports every problem at
 * once, each naming its node. Pure: the API calls it on save and before a run, the engine again when
 * a run starts. Expressions are only parsed here, never evaluated.
 */
export function validateGraph(doc: unknown): GraphValidation {
  if (!isPlainObject(doc)) return fail([{ message: 'definition must be a JSON object' }]);
  const issue = storageIssue(doc);
  const problems: DefinitionProblem[] = issue
    ? [{ message: `${issue.at ? `"${issue.at}"` : 'the definition'} ${issue.message}` }]
    : [];
  // Too deep to walk safely: reported alone, since the checks below recurse.
  if (issue?.kind === 'too-deep') return fail(problems);
  const { nodes, output } = doc;
  if (output !== undefined) checkExpression(output, '"output"', undefined, problems);
  if (!Array.isArray(nodes)) return fail([...problems, { message: '"nodes" must be an array' }]);
  if (nodes.length === 0) problems.push({ message: '"nodes" must contain at least one node' });
  if (nodes.length > LIMITS.maxNodes)
    problems.push({ message: `at most ${LIMITS.maxNodes} nodes are allowed` });

  const ids = new Set<string>();
  nodes.forEach((raw, index) => {
    const id = checkNode(raw, index, problems);
    if (id === undefined) return;
    if (ids.has(id)) problems.push({ node: id, message: `duplicate node id "${id}"` });
    ids.add(id);
  });
  const valid = nodes.filter(isPlainObject) as unknown as NodeSpec[];
  for (const node of valid) {
    for (const need of Array.isArray(node.needs) ? node.needs : []) {
      if (typeof need === 'string' && !ids.has(need)) {
        problems.push({ node: node.id, message: `needs unknown node "${need}"` });
      }
    }
  }
  const cyclic = nodesInCycles(valid);
  if (cyclic.length) {
    for (const id of cyclic)
      problems.push({ node: id, message: `is part of a cycle (${cyclic.join(' -> ')})` });
  }
  if (problems.length) return fail(problems);
  const graph: WorkflowGraph = { nodes: valid.map(normalizeNode) };
  if (typeof output === 'string') graph.output = output;
  // Measured as normalized, i.e. as pinned and as a run carries it, so save and run agree.
  const tooBig = sizeProblems(graph, 'graph');
  if (tooBig.length) return fail(tooBig);
  return { ok: true, graph };
}

function fail(problems: DefinitionProblem[]): GraphValidation {
  return { ok: false, problems };
}

/** Checks one node's own fields; returns its id when it has a usable one. */
function checkNode(raw: unknown, index: number, problems: DefinitionProblem[]): string | undefined {
  if (!isPlainObject(raw)) {
    problems.push({ message: `nodes[${index}] must be an object` });
    return undefined;
  }
  const id = typeof raw.id === 'string' && raw.id ? raw.id : undefined;
  const node = id ?? `nodes[${index}]`;
  const report = (message: string) => problems.push({ node, message });
  if (id === undefined) report('"id" is required (a non-empty string)');
  else if (!NODE_ID_PATTERN.test(id)) {
    report(
      `"id" must start with a letter or _ and hold only letters, digits and _ (at most ${LIMITS.maxNodeIdLength})`,
    );
  }
  for (const key of Object.keys(raw)) if (!NODE_KEYS.has(key)) report(`unknown field "${key}"`);
  if (raw.name !== undefined && typeof raw.name !== 'string') report('"name" must be a string');
  else if (typeof raw.name === 'string' && characterCount(raw.name) > LIMITS.maxNodeNameLength) {
    report(`"name" must be at most ${LIMITS.maxNodeNameLength} characters`);
  }
  if (raw.needs !== undefined) {
    if (!Array.isArray(raw.needs) || !raw.needs.every((n) => typeof n === 'string')) {
      report('"needs" must be an array of node ids');
    } else if (new Set(raw.needs).size !== raw.needs.length) report('"needs" lists a node twice');
    else if (id !== undefined && raw.needs.includes(id)) report('needs itself');
  }
  if (raw.when !== undefined) checkExpression(raw.when, '"when"', node, problems);
  checkNumber(raw.timeout_seconds, '"timeout_seconds"', 0.001, LIMITS.maxTimeoutSeconds, report);
  const type = raw.type;
  if (!isNodeType(type)) {
    report(`unknown type ${JSON.stringify(raw.type)} (expected one of ${NODE_TYPES.join(', ')})`);
    return id;
  }
  if (raw.retry !== undefined) {
    if (!nodeTypeDef(type).retry) report(`"retry" is not supported for ${type} nodes`);
    else if (!isPlainObject(raw.retry)) report('"retry" must be an object');
    else {
      for (const key of Object.keys(raw.retry)) {
        if (key !== 'max_attempts' && key !== 'backoff_seconds') report(`unknown field "retry.${key}"`);
      }
      const attempts = raw.retry.max_attempts;
      if (attempts !== undefined && !Number.isInteger(attempts)) {
        report('"retry.max_attempts" must be a whole number');
      } else checkNumber(attempts, '"retry.max_attempts"', 1, LIMITS.maxRetryAttempts, report);
      checkNumber(raw.retry.backoff_seconds, '"retry.backoff_seconds"', 0, LIMITS.maxBackoffSeconds, report);
    }
  }
  for (const message of checkWithFields(type, raw.with, false)) report(message);
  checkWithExpressions(raw.with, type, node, problems);
  return id;
}

function checkNumber(
  value: unknown,
  label: string,
  min: number,
  max: number,
  report: (message: string) => void,
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) report(`${label} must be a number`);
  else if (value < min || value > max) report(`${label} must be between ${min} and ${max}`);
}

/**
 * Parses the type's expression fields and every `{{ }}` template in the other strings of `with`. A
 * template may be a whole `{{ secrets.NAME }}` (in nodes that run in an activity); no other
 * expression may read `secrets`.
 */
function checkWithExpressions(
  value: unknown,
  type: NodeType,
  node: string,
  problems: DefinitionProblem[],
): void {
  if (!isPlainObject(value)) return;
  const expressions = expressionFields(type);
  for (const [key, field] of Object.entries(value)) {
    if (expressions.includes(key)) {
      if (typeof field === 'string') checkExpression(field, `"with.${key}"`, node, problems);
      continue;
    }
    for (const found of stringsIn(field, `with.${key}`)) {
      let parts;
      try {
        parts = parseTemplate(found.value);
      } catch (err) {
        problems.push({ node, message: `"${found.path}" has a bad template: ${(err as Error).message}` });
        continue;
      }
      for (const part of parts) {
        if (part.kind !== 'expr') continue;
        const label = `template in "${found.path}"`;
        if (secretReference(part.expression) === undefined) {
          checkExpression(part.expression, label, node, problems);
        } else if (!acceptsSecrets(type)) {
          problems.push({
            node,
            message: `${label} uses a secret, but ${type} nodes cannot (only nodes that run in an activity, such as http, can)`,
          });
        }
      }
    }
  }
}

/** Secrets are filled in by the activity that runs the node, so only such nodes can use them. */
function acceptsSecrets(type: NodeType): boolean {
  const execution = nodeTypeDef(type).execution;
  return execution === 'activity' || execution === 'local-activity';
}

function checkExpression(
  value: unknown,
  label: string,
  node: string | undefined,
  problems: DefinitionProblem[],
): void {
  const problem = expressionProblem(value);
  if (problem) problems.push({ ...(node === undefined ? {} : { node }), message: `${label} ${problem}` });
}

/**
 * Why a value is not a usable JSONata expression, or undefined when it is. Expressions are evaluated
 * over the run context, where `secrets` never is: reading it is refused.
 */
function expressionProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return 'must be a non-empty expression string';
  if (value.length > LIMITS.maxExpressionLength) {
    return `is longer than ${LIMITS.maxExpressionLength} characters`;
  }
  let ast;
  try {
    ast = jsonata(value).ast();
  } catch (err) {
    const e = err as { message?: string; position?: number };
    const where = typeof e.position === 'number' ? ` at character ${e.position}` : '';
    return `is not a valid expression: ${e.message ?? String(err)}${where}`;
  }
  return readsSecrets(ast)
    ? 'cannot read secrets: use a secret only as a whole {{ secrets.NAME }} template in "with"'
    : undefined;
}

/**
 * Ids of nodes on a cycle: Kahn's algorithm leaves what cannot be ordered, then nodes that merely
 * hang below a cycle are peeled off (they have no dependents left among the rest).
 */
function nodesInCycles(nodes: readonly NodeSpec[]): string[] {
  const byId = new Map(nodes.filter((n) => typeof n.id === 'string').map((n) => [n.id, n]));
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of byId.values()) {
    const needs = (Array.isArray(node.needs) ? node.needs : []).filter((n) => byId.has(n) && n !== node.id);
    indegree.set(node.id, needs.length);
    for (const need of needs) dependents.set(need, [...(dependents.get(need) ?? []), node.id]);
  }
  const queue = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
  while (queue.length) {
    const id = queue.shift()!;
    for (const next of dependents.get(id) ?? []) {
      const d = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, d);
      if (d === 0) queue.push(next);
    }
  }
  const stuck = new Set([...indegree].filter(([, d]) => d > 0).map(([id]) => id));
  let peeled = true;
  while (peeled) {
    peeled = false;
    for (const id of stuck) {
      if (!(dependents.get(id) ?? []).some((next) => stuck.has(next))) {
        stuck.delete(id);
        peeled = true;
      }
    }
  }
  return [...stuck];
}

/** Keeps only the fields the engine reads, so the pinned graph holds nothing unexpected. */
function normalizeNode(node: NodeSpec): NodeSpec {
  const out: NodeSpec = { id: node.id, type: node.type, needs: node.needs ?? [], with: node.with ?? {} };
  if (node.name !== undefined) out.name = node.name;
  if (node.when !== undefined) out.when = node.when;
  if (node.retry !== undefined) out.retry = node.retry;
  if (node.timeout_seconds !== undefined) out.timeout_seconds = node.timeout_seconds;
  return out;
}
