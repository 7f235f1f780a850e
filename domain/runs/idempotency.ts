import { createHash } from 'node:crypto';
import { BadRequestError } from '../../core/errors.ts';
import type { InferEntity } from '@mikro-orm/core';
import { WorkflowRun } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { releaseIdempotencyKey } from './run-state.ts';

type RunRow = InferEntity<typeof WorkflowRun>;

/** How long an Idempotency-Key replays its run; after that the same key starts a new run. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The run holding `key` in the workspace, or null when none does. A holder created more than
 * IDEMPOTENCY_KEY_TTL_MS ago gives its key up here, so the unique (workspace_id, idempotency_key)
 * admits a new run. The release is conditional on the row still holding the key, so concurrent
 * requests all see it released, and the unique index then picks the one new run among them.
 */
export async function findKeyHolder(
  em: EntityManager,
  workspaceId: string,
  key: string,
  now: Date = new Date(),
): Promise<RunRow | null> {
  // A fork: the caller's identity map may hold the row from before another request changed it.
  const fresh = em.fork();
  const holder = await fresh.findOne(WorkflowRun, { workspaceId, idempotencyKey: key });
  if (!holder || holder.createdAt.getTime() > now.getTime() - IDEMPOTENCY_KEY_TTL_MS) return holder;
  await releaseIdempotencyKey(fresh, holder.id, key);
  return null;
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
