/**
 * `{{ expr }}` templates inside strings of a node's `with`. Pure parsing, shared by validation (on
 * save) and by the expression thread (at run time), so both agree on what a template is.
 */

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; expression: string };

/** Raised for an unclosed `{{` or an empty `{{ }}`; the message says where. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
}

const OPEN = '{{';
const CLOSE = '}}';

/** Splits a string into literal text and embedded expressions. A string without `{{` is one text part. */
export function parseTemplate(source: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf(OPEN, at);
    if (open < 0) {
      parts.push({ kind: 'text', text: source.slice(at) });
      break;
    }
    if (open > at) parts.push({ kind: 'text', text: source.slice(at, open) });
    const close = source.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) throw new TemplateSyntaxError(`unclosed "{{" at character ${open}`);
    const expression = source.slice(open + OPEN.length, close).trim();
    if (!expression) throw new TemplateSyntaxError(`empty "{{ }}" at character ${open}`);
    parts.push({ kind: 'expr', expression });
    at = close + CLOSE.length;
  }
  return parts;
}

/** True when the string is exactly one `{{ expr }}`: its value keeps its JSON type instead of becoming text. */
export function isWholeExpression(parts: readonly TemplatePart[]): boolean {
  return parts.length === 1 && parts[0]?.kind === 'expr';
}

/** Every string inside a JSON value, with a readable path such as `headers.Authorization` or `body[2]`. */
export function* stringsIn(value: unknown, path = ''): Generator<{ path: string; value: string }> {
  if (typeof value === 'string') {
    yield { path, value };
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], `${path}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) yield* stringsIn(child, path ? `${path}.${key}` : key);
  }
}
