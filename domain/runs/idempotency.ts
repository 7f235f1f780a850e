import { createHash } from 'node:crypto';
import { BadRequestError } from '../../core/errors.ts';

/**
 * Fingerprint of what defines a run: the workflow and its input. `wait` and `timeout` only shape the
 * answer, so a retry may change them and still get the first run. Key order inside `input_data` does
 * not matter.
 */
export function requestHash(workflowId: string, inputData: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ workflow_id: workflowId, input_data: inputData }))
    .digest('base64url');
}

/**
 * A stack guard, not a policy: the API already refuses bodies nested deeper than 64 levels, so only a
 * caller that skipped it can reach this, and it gets a 400 instead of a stack overflow.
 */
const MAX_CANONICAL_DEPTH = 256;

/** JSON with object keys sorted at every level, so equal values give equal strings. */
function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_CANONICAL_DEPTH) {
    throw new BadRequestError(`input_data nests deeper than ${MAX_CANONICAL_DEPTH} levels`);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], depth + 1)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
