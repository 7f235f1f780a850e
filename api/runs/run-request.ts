import { z } from 'zod';
import { BadRequestError, NotFoundError } from '../../core/errors.ts';
import { isUuid, UUID_PATTERN } from '../../core/ids.ts';
import { RUN_STATUSES } from '../../core/run-status.ts';
import { LIST_LIMIT_MAX, type RunListFilter } from '../../domain/runs/run-query.service.ts';

export const WAIT_TIMEOUT_DEFAULT_SECONDS = 300;
export const WAIT_TIMEOUT_MAX_SECONDS = 600;

/** A path id that is not a UUID cannot name anything: 404 like an unknown id, never a 500. */
export function uuidParam(value: string | undefined, what: string): string {
  if (value === undefined || !isUuid(value)) throw new NotFoundError(what);
  return value.toLowerCase();
}

const startBody = z.strictObject({
  input_data: z.unknown().optional(),
  wait: z.boolean().optional(),
  timeout: z.number().positive().max(WAIT_TIMEOUT_MAX_SECONDS).optional(),
});

export interface StartRequest {
  /** `{}` when the body has no `input_data`. */
  readonly inputData: unknown;
  readonly wait: boolean;
  readonly timeoutSeconds: number;
}

/** Parses `{ input_data?, wait?, timeout? }`; unknown fields, and `timeout` without `wait`, are 400. */
export function parseStartRequest(body: unknown): StartRequest {
  const b = parseOrThrow(startBody, body ?? {}, 'Invalid request body');
  if (b.timeout !== undefined && b.wait !== true) {
    throw new BadRequestError('timeout is only allowed together with wait: true');
  }
  return {
    inputData: b.input_data === undefined ? {} : b.input_data,
    wait: b.wait === true,
    timeoutSeconds: b.timeout ?? WAIT_TIMEOUT_DEFAULT_SECONDS,
  };
}

const listQuery = z.object({
  workflow_id: z.string().regex(UUID_PATTERN, 'must be a UUID').optional(),
  status: z.enum(RUN_STATUSES).optional(),
  cursor: z.string().min(1).optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(LIST_LIMIT_MAX))
    .optional(),
});

/** Parses the list query; known parameters with bad values are 400, unknown ones are ignored. */
export function parseListRequest(query: unknown): RunListFilter {
  const q = parseOrThrow(listQuery, query, 'Invalid query');
  return { workflowId: q.workflow_id, status: q.status, cursor: q.cursor, limit: q.limit };
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => {
    const at = i.path.map(String).join('.');
    return at ? `${at}: ${i.message}` : i.message;
  });
  throw new BadRequestError(`${what}: ${details.join('; ')}`);
}

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const IDEMPOTENCY_KEY_MAX = 255;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** The request's Idempotency-Key, or undefined; 1–255 printable ASCII characters without spaces. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || header.length > IDEMPOTENCY_KEY_MAX || !PRINTABLE_ASCII.test(header)) {
    throw new BadRequestError(
      `Idempotency-Key must be one value of 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters without spaces`,
    );
  }
  return header;
}
