import { LockMode } from '@mikro-orm/core';
import type { InferEntity } from '@mikro-orm/core';
import { BadRequestError, NotFoundError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { EntityManager } from '../../db/orm.ts';
import { ApiKey } from '../../db/entities/index.ts';
import { displayPrefix, generateKey, hashKey } from './key-format.ts';

const SCOPES = ['agents', 'workflows'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 60;
const MIN_RATE_LIMIT_PER_MINUTE = 1;
const MAX_RATE_LIMIT_PER_MINUTE = 600;

export interface CreateApiKeyInput {
  workspaceId: string;
  ownerId: string;
  name: string;
  scopes: Scope[];
  rateLimitPerMinute?: number;
  expiresAt?: Date | null;
  /** Monthly spend cap in micro-units (see `checkMonthlyBudget`); absent or null: no cap. */
  monthlyBudgetMicros?: number | null;
}

export interface CreatedApiKey {
  readonly id: string;
  /** The plaintext key: returned here once and stored nowhere. */
  readonly plaintext: string;
  readonly prefix: string;
}

/** Creates a key and returns its plaintext once; only the HMAC and a display prefix are stored. */
export async function createApiKey(
  em: EntityManager,
  pepper: string,
  input: CreateApiKeyInput,
): Promise<CreatedApiKey> {
  const scopes = checkScopes(input.scopes);
  const rateLimitPerMinute = checkRateLimit(input.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE);
  const expiresAt = input.expiresAt ?? null;
  const monthlyBudgetMicros =
    input.monthlyBudgetMicros == null ? null : checkMonthlyBudget(input.monthlyBudgetMicros);
  if (expiresAt && !(expiresAt.getTime() > Date.now())) {
    throw new BadRequestError('expires_at must be a valid time in the future');
  }
  const plaintext = generateKey();
  const row = em.create(ApiKey, {
    workspaceId: input.workspaceId,
    ownerId: input.ownerId,
    name: input.name,
    prefix: displayPrefix(plaintext),
    keyHash: hashKey(plaintext, pepper),
    scopes,
    rateLimitPerMinute,
    expiresAt,
    monthlyBudgetMicros,
  });
  await em.flush();
  return { id: row.id, plaintext, prefix: row.prefix };
}

/** 1-600 requests per minute, whole numbers only; anything else is refused rather than clamped. */
export function checkRateLimit(value: number): number {
  if (!Number.isInteger(value) || value < MIN_RATE_LIMIT_PER_MINUTE || value > MAX_RATE_LIMIT_PER_MINUTE) {
    throw new BadRequestError(
      `rate limit must be a whole number of requests per minute from ${MIN_RATE_LIMIT_PER_MINUTE} to ${MAX_RATE_LIMIT_PER_MINUTE} (got ${String(value)})`,
    );
  }
  return value;
}

/**
 * A monthly budget is a positive whole number of micro-units the column and JSON carry exactly
 * (up to 2^53 − 1); anything else is refused rather than rounded.
 */
export function checkMonthlyBudget(value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BadRequestError(
      `monthly budget must be a whole number of micro-units from 1 to ${Number.MAX_SAFE_INTEGER} (got ${String(value)})`,
    );
  }
  return value;
}

/** One or both known scopes, without repeats. */
export function checkScopes(scopes: readonly string[]): Scope[] {
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new BadRequestError(
      `scopes must be one or more of ${SCOPES.join(', ')} (got ${scopes.join(',') || 'none'})`,
    );
  }
  return SCOPES.filter((s) => scopes.includes(s));
}

export type KeyStatus = 'active' | 'inactive' | 'revoked' | 'expired' | 'rotated' | 'rotating';

/** A key as listings show it: never the secret or its hash, only the display prefix. */
export interface ApiKeySummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly owner_id: string;
  readonly scopes: readonly string[];
  readonly status: KeyStatus;
  readonly rate_limit_per_minute: number;
  readonly expires_at: string | null;
  readonly created_at: string;
  readonly last_used_at: string | null;
  readonly total_requests: number;
  readonly revoked_at: string | null;
  readonly rotated_to_id: string | null;
  /** Spend cap per UTC month in micro-units; null: no cap. */
  readonly monthly_budget_micros: number | null;
}

type ApiKeyRow = InferEntity<typeof ApiKey>;

export async function listApiKeys(em: EntityManager, workspaceId: string): Promise<ApiKeySummary[]> {
  const rows = await em.find(ApiKey, { workspaceId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const now = Date.now();
  return rows.map((row) => summarize(row, now));
}

function summarize(row: ApiKeyRow, now: number): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    owner_id: row.ownerId,
    scopes: [...row.scopes],
    status: statusOf(row, now),
    rate_limit_per_minute: row.rateLimitPerMinute,
    expires_at: row.expiresAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    total_requests: Number(row.totalRequests),
    revoked_at: row.revokedAt?.toISOString() ?? null,
    rotated_to_id: row.rotatedToId ?? null,
    monthly_budget_micros: row.monthlyBudgetMicros ?? null,
  };
}

function statusOf(row: ApiKeyRow, now: number): KeyStatus {
  if (row.revokedAt) return 'revoked';
  if (!row.active) return 'inactive';
  const expired = row.expiresAt !== null && row.expiresAt !== undefined && row.expiresAt.getTime() <= now;
  if (row.rotatedToId) return expired ? 'rotated' : 'rotating';
  return expired ? 'expired' : 'active';
}

/** Revokes a key for good; callers then publish the invalidation so every API process drops it at once. */
export async function revokeApiKey(em: EntityManager, id: string): Promise<ApiKeySummary> {
  return em.transactional(async (tx) => {
    const row = await lockKey(tx, id);
    row.revokedAt ??= new Date();
    await tx.flush();
    return summarize(row, Date.now());
  });
}

export interface RotatedApiKey extends CreatedApiKey {
  readonly replaces: string;
  /** The replacement's monthly budget in micro-units; null: no cap. */
  readonly monthlyBudgetMicros: number | null;
  /** When the old key stops working: now without an overlap. */
  readonly oldKeyExpiresAt: string;
}

export interface RotateOptions {
  /** The replacement's monthly budget; absent: the old key's (null or not). */
  monthlyBudgetMicros?: number;
}

/**
 * Issues a replacement with the same workspace, owner, name, scopes, limit, expiry and monthly budget
 * (unless `options` gives another), and lets the old key work for `overlapMs` more (never beyond its
 * own expiry). A key can be rotated once.
 */
export async function rotateApiKey(
  em: EntityManager,
  pepper: string,
  id: string,
  overlapMs: number,
  options: RotateOptions = {},
): Promise<RotatedApiKey> {
  if (!Number.isFinite(overlapMs) || overlapMs < 0) throw new BadRequestError('overlap must be zero or more');
  if (options.monthlyBudgetMicros !== undefined) checkMonthlyBudget(options.monthlyBudgetMicros);
  return em.transactional(async (tx) => {
    const old = await lockKey(tx, id);
    const now = Date.now();
    const status = statusOf(old, now);
    if (status !== 'active')
      throw new BadRequestError(`only an active key can be rotated (this one is ${status})`);
    const monthlyBudgetMicros = options.monthlyBudgetMicros ?? old.monthlyBudgetMicros ?? null;
    const created = await createApiKey(tx, pepper, {
      workspaceId: old.workspaceId,
      ownerId: old.ownerId,
      name: old.name,
      scopes: checkScopes(old.scopes),
      rateLimitPerMinute: old.rateLimitPerMinute,
      expiresAt: old.expiresAt ?? null,
      monthlyBudgetMicros,
    });
    const overlapEnd = now + overlapMs;
    old.expiresAt = new Date(old.expiresAt ? Math.min(old.expiresAt.getTime(), overlapEnd) : overlapEnd);
    old.rotatedToId = created.id;
    await tx.flush();
    return {
      ...created,
      replaces: old.id,
      oldKeyExpiresAt: old.expiresAt.toISOString(),
      monthlyBudgetMicros,
    };
  });
}

async function lockKey(em: EntityManager, id: string): Promise<ApiKeyRow> {
  const row = isUuid(id) ? await em.findOne(ApiKey, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE }) : null;
  if (!row) throw new NotFoundError('API key');
  return row;
}
