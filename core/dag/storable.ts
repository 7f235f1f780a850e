import { LIMITS, type DefinitionProblem } from './definition.ts';

// What Postgres refuses to store even though it is valid JSON: checked on save so that an insert
// never fails later (a failed step insert would leave the run retrying its bookkeeping forever).

/** Length as Postgres counts it for `varchar(n)`: code points, not UTF-16 units. */
export function characterCount(value: string): number {
  return Array.from(value).length;
}

/**
 * A problem when `value` (`what`: the document, or its normalized graph) is over
 * `LIMITS.maxDefinitionBytes` of JSON, counted in UTF-8 bytes.
 */
export function sizeProblems(value: unknown, what: 'definition' | 'graph'): DefinitionProblem[] {
  const bytes = new TextEncoder().encode(JSON.stringify(value) ?? '').length;
  if (bytes <= LIMITS.maxDefinitionBytes) return [];
  const cap = LIMITS.maxDefinitionBytes;
  return [
    { message: `${what} is ${bytes} bytes of JSON; at most ${cap} bytes (${cap / 1024} KB) are allowed` },
  ];
}

/** A problem when a string (or key) holds NUL or an unpaired surrogate: neither jsonb nor text accepts them. */
export function unstorableProblems(doc: unknown): DefinitionProblem[] {
  const bad = unstorableStringAt(doc);
  if (bad === undefined) return [];
  return [{ message: `${bad || 'the definition'} ${UNSTORABLE_MESSAGE}` }];
}

export const UNSTORABLE_MESSAGE = 'holds a character that cannot be stored (NUL or an unpaired surrogate)';

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function unstorable(text: string): boolean {
  return text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);
}

/**
 * Where the first string or key that cannot be stored is (`"nodes[0].name"`, `a key in "with"`; an
 * empty string for `value` itself), or undefined when every string can be stored.
 */
export function unstorableStringAt(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? path && `"${path}"` : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = unstorableStringAt(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, field] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (unstorable(key)) return `a key in "${path || 'the definition'}"`;
    const found = unstorableStringAt(field, at);
    if (found !== undefined) return found;
  }
  return undefined;
}
