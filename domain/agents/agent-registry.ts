import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import { builtinAgent } from '../../core/builtin-agents.ts';
import { isUuid } from '../../core/ids.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { ModelConfig } from '../../infra/config.ts';
import { type AgentListing, listAgents } from './agents.service.ts';

interface CachedListing {
  readonly expiresAt: number;
  readonly agents: Promise<readonly AgentListing[]>;
}

/** Enough workspaces for any deployment's hot set; beyond it the oldest entries are dropped first. */
const MAX_WORKSPACES = 10_000;

const CURRENT_SPEC_SQL =
  'select v.spec from agents a join agent_versions v on v.agent_id = a.id and v.version = a.current_version ' +
  'where a.id = ? and a.workspace_id = ?';
const PINNED_SPEC_SQL =
  'select spec from agent_versions where agent_id = ? and workspace_id = ? and version = ?';

/**
 * Which agents a workspace can call, and what each one is. Builtins come from code and every workspace
 * sees them; a custom agent exists only in its own workspace, so an id from another one (or one that is
 * not a uuid) resolves to undefined and the API answers 404 as for an unknown id.
 *
 * `GET /agents` is what automation tools poll to fill their pickers, so `list` keeps a workspace's
 * listing for a short TTL (at most that stale) and shares one query between concurrent misses.
 */
export class AgentRegistry {
  readonly #orm: MikroORM;
  readonly #models: ModelConfig;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, CachedListing>();

  constructor(orm: MikroORM, models: ModelConfig, listCacheMs = 0) {
    this.#orm = orm;
    this.#models = models;
    this.#ttlMs = listCacheMs;
  }

  /** The agent as new jobs run it: a builtin, or a custom agent's current version. */
  async resolve(workspaceId: string, agentId: string): Promise<AgentSpec | undefined> {
    const builtin = builtinAgent(agentId);
    if (builtin) return builtin;
    if (!isUuid(agentId)) return undefined;
    return this.#spec(CURRENT_SPEC_SQL, [agentId, workspaceId]);
  }

  /** The agent as a job pinned to `version` runs it (builtins are never versioned: `version` is ignored). */
  async resolvePinned(
    workspaceId: string,
    agentId: string,
    version: number | null,
  ): Promise<AgentSpec | undefined> {
    const builtin = builtinAgent(agentId);
    if (builtin) return builtin;
    if (!isUuid(agentId) || version === null) return undefined;
    return this.#spec(PINNED_SPEC_SQL, [agentId, workspaceId, version]);
  }

  async #spec(sql: string, params: unknown[]): Promise<AgentSpec | undefined> {
    const [row] = await this.#orm.em.getConnection().execute<{ spec: AgentSpec | string }[]>(sql, params);
    if (!row) return undefined;
    return typeof row.spec === 'string' ? (JSON.parse(row.spec) as AgentSpec) : row.spec;
  }

  /** Builtins first (descriptions name the model they use), then the workspace's custom agents. */
  list(workspaceId: string): Promise<readonly AgentListing[]> {
    const now = Date.now();
    const hit = this.#cache.get(workspaceId);
    if (hit && hit.expiresAt > now) return hit.agents;
    const agents = listAgents(this.#orm.em.fork(), this.#models, workspaceId);
    if (this.#ttlMs > 0) {
      if (this.#cache.size >= MAX_WORKSPACES) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.delete(workspaceId);
      this.#cache.set(workspaceId, { expiresAt: now + this.#ttlMs, agents });
      // A failed load must not be served from the cache.
      agents.catch(() => this.#cache.delete(workspaceId));
    }
    return agents;
  }
}
