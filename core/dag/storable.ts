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

/** A value met during the walk; its path is only spelled out when something is wrong with it. */
interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Visit | undefined;
  readonly key: string | number;
}

/** `nodes[0].with.url`: the path of a visit, from its chain of parents. */
function pathOf(visit: Visit): string {
  let path = '';
  for (let v: Visit | undefined = visit; v?.parent; v = v.parent) {
    path = typeof v.key === 'number' ? `[${v.key}]${path}` : `${v.parent.parent ? '.' : ''}${v.key}${path}`;
  }
  return path;
}

/**
 * The first thing in `value` that cannot be stored: a string or key with NUL or an unpaired
 * surrogate, or nesting deeper than `LIMITS.maxNestingDepth`. Walked without recursion, and checked
 * before anything recursive (validation, Postgres' jsonb parser) sees a hostile 100,000-deep value.
 */
export function storageIssue(value: unknown): StorageIssue | undefined {
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: '' }];
  while (stack.length) {
    const visit = stack.pop()!;
    const { value: v, depth } = visit;
    if (typeof v === 'string') {
      if (unstorable(v)) return { kind: 'unstorable', at: pathOf(visit), message: UNSTORABLE_MESSAGE };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= LIMITS.maxNestingDepth) {
      const message = `nests deeper than ${LIMITS.maxNestingDepth} levels`;
      return { kind: 'too-deep', at: pathOf(visit), message };
    }
    const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    if (!Array.isArray(v) && (keys as string[]).some(unstorable)) {
      return { kind: 'unstorable', at: pathOf(visit), message: `has a key that ${UNSTORABLE_MESSAGE}` };
    }
    // Pushed last to first, so the first offending field in document order is found first.
    for (let k = keys.length - 1; k >= 0; k -= 1) {
      const key = keys[k]!;
      stack.push({
        value: (v as Record<string | number, unknown>)[key],
        depth: depth + 1,
        parent: visit,
        key,
      });
    }
  }
  return undefined;
}
