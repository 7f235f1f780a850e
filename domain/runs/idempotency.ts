import { createHash } from 'node:crypto';

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

/** JSON with object keys sorted at every level, so equal values give equal strings. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
