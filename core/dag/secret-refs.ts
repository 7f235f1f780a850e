/**
 * Workspace secrets appear in a definition only as whole `{{ secrets.NAME }}` templates in a node's
 * `with`. The expression processes never see their values: they leave such a template as a slot that
 * the node's activity fills in (activities/secrets/). Pure: shared by validation and the expression
 * process, so both agree on what a reference is.
 */

/** A secret's name: an identifier, so `secrets.NAME` needs no quoting. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** What recorded inputs, outputs and errors show where a secret's value was. */
export const SECRET_MASK = '***';

const REFERENCE = /^secrets\.([A-Za-z_][A-Za-z0-9_]{0,63})$/;

/** The secret's name when a template expression (already trimmed) is exactly `secrets.NAME`. */
export function secretReference(expression: string): string | undefined {
  return REFERENCE.exec(expression)?.[1];
}

interface AstNode {
  type?: string;
  value?: unknown;
  steps?: AstNode[];
}

/**
 * True when a JSONata expression (its parsed AST) reads `secrets` from the root of the context in
 * any form (`secrets.X`, `$string(secrets)`, `$$.secrets`): validation refuses those outside a whole
 * `{{ secrets.NAME }}` template, since the context never holds secrets.
 */
export function readsSecrets(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsSecrets);
  if (!node || typeof node !== 'object') return false;
  const n = node as AstNode;
  if (n.type === 'path' && Array.isArray(n.steps) && startsAtSecrets(n.steps)) return true;
  if (n.type === 'name' && n.value === 'secrets') return true;
  // A path's later steps are field names of something else (`input.secrets`): only their
  // sub-expressions (filters, blocks) can reach the root again.
  const children =
    n.type === 'path' && Array.isArray(n.steps)
      ? n.steps.flatMap((step) => Object.values(step).filter((v) => v !== null && typeof v === 'object'))
      : Object.values(n);
  return children.some(readsSecrets);
}

/** `secrets…`, `$.secrets…` or `$$.secrets…`. */
function startsAtSecrets(steps: AstNode[]): boolean {
  const isSecrets = (step: AstNode | undefined) => step?.type === 'name' && step.value === 'secrets';
  const [first, second] = steps;
  if (isSecrets(first)) return true;
  return first?.type === 'variable' && (first.value === '' || first.value === '$') && isSecrets(second);
}
