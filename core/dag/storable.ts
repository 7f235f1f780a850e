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

/** Something in a JSON value that must not reach Postgres; `at` is its path (empty: the value itself). */
export interface StorageIssue {
  readonly kind: 'too-deep' | 'unstorable';
  readonly at: string;
  readonly message: string;
}

// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_MESSAGE = 'holds a character that cannot be stored (NUL or an unpaired surrogate)';

function unstorable(text: string): boolean {
  return text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);
}

/**
 * The first thing in `value` that cannot be stored: a string or key with NUL or an unpaired
 * surrogate, or nesting deeper than `LIMITS.maxNestingDepth`. Walked without recursion, and checked
 * before anything recursive (validation, Postgres' jsonb parser) sees a hostile 100,000-deep value.
 */
export function storageIssue(value: unknown): StorageIssue | undefined {
  const stack: { value: unknown; at: string; depth: number }[] = [{ value, at: '', depth: 0 }];
  while (stack.length) {
    const { value: v, at, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (unstorable(v)) return { kind: 'unstorable', at, message: UNSTORABLE_MESSAGE };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= LIMITS.maxNestingDepth) {
      return { kind: 'too-deep', at, message: `nests deeper than ${LIMITS.maxNestingDepth} levels` };
    }
    const children: [string, unknown][] = Array.isArray(v)
      ? v.map((item, i) => [`${at}[${i}]`, item])
      : Object.entries(v).map(([key, item]) => [at ? `${at}.${key}` : key, item]);
    if (!Array.isArray(v) && Object.keys(v).some(unstorable)) {
      return { kind: 'unstorable', at, message: `has a key that ${UNSTORABLE_MESSAGE}` };
    }
    // Pushed last to first, so the first offending field in document order is found first.
    for (const [childAt, item] of children.reverse())
      stack.push({ value: item, at: childAt, depth: depth + 1 });
  }
  return undefined;
}
