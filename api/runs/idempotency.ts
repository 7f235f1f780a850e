import { createHash } from 'node:crypto';
import { BadRequestError } from '../../core/errors.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_MAX = 255;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** The request's Idempotency-Key, or undefined; 1–255 printable ASCII characters without spaces. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || header.length > KEY_MAX || !PRINTABLE_ASCII.test(header)) {
    throw new BadRequestError(
      `Idempotency-Key must be one value of 1 to ${KEY_MAX} printable ASCII characters without spaces`,
    );
  }
  return header;
}

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
export function canonicalJson(value: unknown): string {
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
