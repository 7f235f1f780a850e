import { BUILTIN_AGENTS } from '../../core/builtin-agents.ts';
import type { MikroORM } from '../../db/orm.ts';

export interface AgentListing {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly type: 'builtin' | 'custom';
}

interface CachedListing {
  readonly expiresAt: number;
  readonly agents: Promise<readonly AgentListing[]>;
}

const CUSTOM_AGENTS_SQL = 'select id, name, description from agents where workspace_id = ? order by name, id';
/** Enough workspaces for any deployment's hot set; beyond it the oldest entries are dropped first. */
const MAX_WORKSPACES = 10_000;

const BUILTIN_LISTING: readonly AgentListing[] = BUILTIN_AGENTS.map((a) => ({
  id: a.id,
  name: a.name,
  description: a.description,
  type: 'builtin',
}));

/**
 * The agents a workspace can call: builtin first, then its custom agents. `GET /agents` is what
 * automation tools poll to fill their pickers, so each process keeps a workspace's listing for a short
 * TTL (at most that stale) and shares one query between concurrent misses.
 */
export class AgentCatalog {
  readonly #orm: MikroORM;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CachedListing>();

  constructor(orm: MikroORM, ttlMs: number) {
    this.#orm = orm;
    this.#ttlMs = ttlMs;
  }

  list(workspaceId: string): Promise<readonly AgentListing[]> {
    const now = Date.now();
    const hit = this.#cache.get(workspaceId);
    if (hit && hit.expiresAt > now) return hit.agents;
    const agents = this.#load(workspaceId);
    if (this.#ttlMs > 0) {
      if (this.#cache.size >= MAX_WORKSPACES) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.delete(workspaceId);
      this.#cache.set(workspaceId, { expiresAt: now + this.#ttlMs, agents });
      // A failed load must not be served from the cache.
      agents.catch(() => this.#cache.delete(workspaceId));
    }
    return agents;
  }

  async #load(workspaceId: string): Promise<readonly AgentListing[]> {
    // Raw SQL on the hot path: the ORM's hydration costs several times the query for three columns.
    const rows = await this.#orm.em
      .getConnection()
      .execute<{ id: string; name: string; description: string }[]>(CUSTOM_AGENTS_SQL, [workspaceId]);
    return [
      ...BUILTIN_LISTING,
      ...rows.map((r) => ({ id: r.id, name: r.name, description: r.description, type: 'custom' as const })),
    ];
  }
}
