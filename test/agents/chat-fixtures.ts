import { applyAgent } from '../../domain/agents/agents.service.ts';
import { createApiKey } from '../../domain/keys/api-keys.service.ts';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/harness.ts';
import { anthropicServer } from '../helpers/stand-ins/anthropic-server.ts';
import { openAiCompatibleServer } from '../helpers/stand-ins/openai-compatible-server.ts';
import type { StandInServer } from '../helpers/stand-ins/stand-in-server.ts';
import type { Tenant } from '../helpers/tenant.ts';

export const OPENAI_KEY = 'sk-chat-stand-in-secret-0123456789';
export const ANTHROPIC_KEY = 'sk-ant-chat-stand-in-secret-987654';
/** The stand-in model every test's agents use unless they override it. */
export const MODEL = 'standin/gpt-test';
/** Micro-units per million tokens: 0.15 and 0.60 units per million, as a small hosted model. */
export const PRICE = { input_micros_per_million: 150_000, output_micros_per_million: 600_000 };

export interface ChatEnv {
  readonly h: Harness;
  readonly openai: StandInServer;
  readonly anthropic: StandInServer;
}

/** A harness whose providers are two stand-in servers speaking the OpenAI and Anthropic protocols. */
export async function startChatEnv(
  env: Record<string, string> = {},
  options: Omit<HarnessOptions, 'env'> = {},
): Promise<ChatEnv> {
  const openai = await openAiCompatibleServer().start();
  const anthropic = await anthropicServer().start();
  const h = await startHarness({ env: { ...standInModelEnv(openai, anthropic), ...env }, ...options });
  return { h, openai, anthropic };
}

/**
 * The model settings of a harness whose providers are stand-ins: `standin` (OpenAI-compatible, the
 * default model MODEL, priced PRICE) and, when given, `claude` (Anthropic).
 */
export function standInModelEnv(openai: StandInServer, anthropic?: StandInServer): Record<string, string> {
  return {
    DAGEN_MODEL_PROVIDERS: JSON.stringify({
      standin: { protocol: 'openai-compatible', base_url: openai.baseUrl, api_key: OPENAI_KEY },
      ...(anthropic && {
        claude: { protocol: 'anthropic', base_url: anthropic.baseUrl, api_key: ANTHROPIC_KEY },
      }),
    }),
    DAGEN_DEFAULT_MODEL: MODEL,
    DAGEN_MODEL_PRICES: JSON.stringify({ [MODEL]: PRICE }),
  };
}

export async function stopChatEnv(env: ChatEnv | undefined): Promise<void> {
  await env?.h.close();
  await env?.openai.close();
  await env?.anthropic.close();
}

/** Saves a custom agent in the tenant's workspace; returns its id. */
export async function saveAgent(h: Harness, tenant: Tenant, doc: Record<string, unknown>): Promise<string> {
  const applied = await applyAgent(h.services.orm.em.fork(), h.config.models, tenant.workspaceId, {
    model: MODEL,
    ...doc,
  });
  return applied.id;
}

/** The exact cost rule of domain/billing: one round-up of the sum. */
export function expectedCost(inputTokens: number, outputTokens: number): number {
  const micros =
    BigInt(inputTokens) * BigInt(PRICE.input_micros_per_million) +
    BigInt(outputTokens) * BigInt(PRICE.output_micros_per_million);
  return Number((micros + 999_999n) / 1_000_000n);
}

/** The newest job of the workspace with this message: a turn's id before its answer arrives. */
export async function latestJobId(h: Harness, workspaceId: string, message: string): Promise<string> {
  const [row] = await h.services.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select id from jobs where workspace_id = ? and message = ? order by created_at desc limit 1`,
      [workspaceId, message],
    );
  if (!row) throw new Error(`no job with the message "${message}"`);
  return row.id;
}

/** POST /api/v1/agent/chat as the tenant. */
export function chatAs(
  h: Harness,
  tenant: Tenant,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return h.http.post('/api/v1/agent/chat').set('X-API-Key', tenant.key).set(headers).send(body);
}

/** GET /api/v1/jobs/:id as the tenant. */
export function jobAs(h: Harness, tenant: Tenant, jobId: string) {
  return h.http.get(`/api/v1/jobs/${jobId}`).set('X-API-Key', tenant.key);
}

/** Rows of one SQL query on a fresh fork (for records the API does not show). */
export function query<T extends object = Record<string, unknown>>(
  h: Harness,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return h.services.orm.em.fork().getConnection().execute<T[]>(sql, params);
}

/** A tenant of the same workspace whose key has a monthly budget (in micro-units). */
export async function budgetedTenant(h: Harness, base: Tenant, budgetMicros: number): Promise<Tenant> {
  const created = await createApiKey(h.services.orm.em.fork(), h.config.keyPepper!, {
    workspaceId: base.workspaceId,
    ownerId: base.ownerId,
    name: `budget-${budgetMicros}`,
    scopes: ['agents', 'workflows'],
    rateLimitPerMinute: 600,
    monthlyBudgetMicros: budgetMicros,
  });
  return { ...base, apiKeyId: created.id, key: created.plaintext };
}
