import {
  type ApiKeySummary,
  checkMonthlyBudget,
  checkRateLimit,
  checkScopes,
  createApiKey,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../../domain/keys/api-keys.service.ts';
import { findUser, findWorkspace } from '../../domain/tenants/tenants.service.ts';
import { resolvePepper } from '../../infra/data-dir.ts';
import { type Command, type CommandContext, requiredFlag, stringFlag, UsageError } from '../command.ts';
import { announceKeyChange, withAdminDb } from './admin-connections.ts';

const SECRET_WARNING = 'Copy it now: it is shown once and stored nowhere.';

const keysCreateCommand: Command = {
  name: 'keys create',
  summary: 'Create an API key; prints the key once',
  usage:
    'dagen keys create --workspace W --owner EMAIL --scopes agents,workflows [--name N] [--rate-limit 1-600] [--expires-at ISO] [--monthly-budget-micros N] [--json]',
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    const owner = requiredFlag(ctx, 'owner');
    const scopes = checkScopes(
      requiredFlag(ctx, 'scopes')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    const rateLimit = checkRateLimit(
      numberFlag(stringFlag(ctx, 'rate-limit'), DEFAULT_RATE_LIMIT_PER_MINUTE),
    );
    const expiresAt = dateFlag(stringFlag(ctx, 'expires-at'));
    const name = stringFlag(ctx, 'name') ?? 'default';
    const monthlyBudgetMicros = budgetFlag(ctx) ?? null;
    const pepper = resolvePepper(ctx.config, { create: false });
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      const user = await findUser(em, ws.id, owner);
      const created = await createApiKey(em, pepper, {
        workspaceId: ws.id,
        ownerId: user.id,
        name,
        scopes,
        rateLimitPerMinute: rateLimit,
        expiresAt,
        monthlyBudgetMicros,
      });
      return {
        id: created.id,
        key: created.plaintext,
        prefix: created.prefix,
        name,
        workspace_id: ws.id,
        owner_id: user.id,
        scopes,
        rate_limit_per_minute: rateLimit,
        expires_at: expiresAt?.toISOString() ?? null,
        monthly_budget_micros: monthlyBudgetMicros,
      };
    });
  },
  render: (r) => {
    const k = r as {
      id: string;
      key: string;
      scopes: string[];
      rate_limit_per_minute: number;
      monthly_budget_micros: number | null;
    };
    return `Created key ${k.id} (scopes ${k.scopes.join(',')}, ${k.rate_limit_per_minute}/min, ${budgetText(k.monthly_budget_micros)}). ${SECRET_WARNING}\n${k.key}`;
  },
};

const keysListCommand: Command = {
  name: 'keys list',
  summary: "List a workspace's API keys (prefixes only, never secrets)",
  usage: 'dagen keys list --workspace W [--json]',
  async run(ctx) {
    const workspace = requiredFlag(ctx, 'workspace');
    return withAdminDb(ctx.config, async (em) => {
      const ws = await findWorkspace(em, workspace);
      return { workspace_id: ws.id, keys: await listApiKeys(em, ws.id) };
    });
  },
  render: (r) => {
    const { keys } = r as { keys: ApiKeySummary[] };
    if (keys.length === 0) return 'No keys';
    return keys
      .map(
        (k) =>
          `${k.id}  ${k.prefix}…  ${k.status.padEnd(8)}  ${k.scopes.join(',').padEnd(16)}  ${k.rate_limit_per_minute}/min  ${budgetText(k.monthly_budget_micros)}  ${k.total_requests} requests  ${k.name}`,
      )
      .join('\n');
  },
};

const keysRevokeCommand: Command = {
  name: 'keys revoke',
  summary: 'Revoke an API key at once, in every API process',
  usage: 'dagen keys revoke ID [--json]',
  async run(ctx) {
    const id = onlyArg(ctx.args, 'keys revoke ID');
    const key = await withAdminDb(ctx.config, (em) => revokeApiKey(em, id));
    return { ...key, invalidation_published: await announceKeyChange(ctx.config, ctx.log, id) };
  },
  render: (r) => `Revoked key ${(r as ApiKeySummary).id}`,
};

const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary: 'Issue a replacement key; the old one keeps working for --overlap (default: none)',
  usage: 'dagen keys rotate ID [--overlap 1h] [--monthly-budget-micros N] [--json]',
  async run(ctx) {
    const id = onlyArg(ctx.args, 'keys rotate ID');
    const overlapMs = parseDuration(stringFlag(ctx, 'overlap') ?? '0');
    // Without the flag the replacement keeps the old key's budget.
    const monthlyBudgetMicros = budgetFlag(ctx);
    const pepper = resolvePepper(ctx.config, { create: false });
    const rotated = await withAdminDb(ctx.config, (em) =>
      rotateApiKey(
        em,
        pepper,
        id,
        overlapMs,
        monthlyBudgetMicros === undefined ? {} : { monthlyBudgetMicros },
      ),
    );
    return {
      id: rotated.id,
      key: rotated.plaintext,
      prefix: rotated.prefix,
      replaces: rotated.replaces,
      old_key_expires_at: rotated.oldKeyExpiresAt,
      monthly_budget_micros: rotated.monthlyBudgetMicros,
      invalidation_published: await announceKeyChange(ctx.config, ctx.log, id),
    };
  },
  render: (r) => {
    const k = r as { id: string; key: string; replaces: string; old_key_expires_at: string };
    return `New key ${k.id} replaces ${k.replaces}, which stops working at ${k.old_key_expires_at}. ${SECRET_WARNING}\n${k.key}`;
  },
};

export const KEY_COMMANDS: Command[] = [
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  keysRotateCommand,
];

const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `1h`, `2d` (a bare number is seconds) to milliseconds. */
function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: '${text}' (use e.g. 30s, 15m, 1h, 2d)`);
  return Number(m[1]) * UNIT_MS[m[2] ?? 's']!;
}

function numberFlag(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || Number.isNaN(n)) throw new UsageError(`not a number: '${value}'`);
  return n;
}

/** `--monthly-budget-micros N`: digits only (no `1e6`, no `0x`), then the domain's range check. */
function budgetFlag(ctx: CommandContext): number | undefined {
  const value = stringFlag(ctx, 'monthly-budget-micros');
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw new UsageError(`--monthly-budget-micros must be a whole number of micro-units (got '${value}')`);
  }
  return checkMonthlyBudget(Number(value));
}

function budgetText(micros: number | null): string {
  return micros === null ? 'no budget' : `budget ${micros} micros/month`;
}

function dateFlag(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`not an ISO date/time: '${value}'`);
  return date;
}

function onlyArg(args: readonly string[], usage: string): string {
  if (args.length !== 1) throw new UsageError(`usage: dagen ${usage}`);
  return args[0]!;
}
