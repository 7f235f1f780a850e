import { isDeepStrictEqual } from 'node:util';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import { BUILTIN_AGENTS } from '../../core/builtin-agents.ts';
import { Agent, AgentVersion } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { ModelConfig } from '../../infra/config.ts';
import { type AgentDefinition, parseAgentFile } from './agent-file.ts';
import { describeWithModel, effectiveModel } from './model-wording.ts';

/** What `applyAgent` saved. */
export interface AppliedAgent {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly created: boolean;
  /** False when the file matched the current version, so no version was added. */
  readonly changed: boolean;
}

/**
 * Creates the custom agent named in `doc` in the workspace, or updates it. Like workflow definitions,
 * every saved version stays (`agent_versions`), so a job keeps the version it started with; unlike
 * them, a file equal to the current version saves nothing, so re-applying a checked-in file is a
 * no-op. Throws BadRequestError naming every problem of the file.
 */
export async function applyAgent(
  em: EntityManager,
  models: ModelConfig,
  workspaceId: string,
  doc: unknown,
): Promise<AppliedAgent> {
  const definition = parseAgentFile(doc, models);
  try {
    return await saveVersion(em.fork(), workspaceId, definition);
  } catch (err) {
    // Two first saves of the same name raced: the loser retries as an update of the winner.
    if (!(err instanceof UniqueConstraintViolationException)) throw err;
    return saveVersion(em.fork(), workspaceId, definition);
  }
}

function specOf(id: string, version: number, d: AgentDefinition): AgentSpec {
  return { id, type: 'custom', version, ...d };
}

async function saveVersion(
  em: EntityManager,
  workspaceId: string,
  definition: AgentDefinition,
): Promise<AppliedAgent> {
  return em.transactional(async (tx) => {
    // The row lock serializes concurrent saves of one agent, so each gets its own version number.
    const existing = await tx.findOne(
      Agent,
      { workspaceId, name: definition.name },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    const current = existing
      ? await tx.findOne(AgentVersion, { agentId: existing.id, version: existing.currentVersion })
      : null;
    if (
      existing &&
      current &&
      isDeepStrictEqual(current.spec, specOf(existing.id, current.version, definition))
    ) {
      return {
        id: existing.id,
        name: existing.name,
        version: current.version,
        created: false,
        changed: false,
      };
    }
    const agent = existing ?? tx.create(Agent, { workspaceId, name: definition.name, currentVersion: 0 });
    // A head written without any version (by hand) gets its first version under its own number.
    const version = current || !existing ? agent.currentVersion + 1 : agent.currentVersion;
    const spec = specOf(agent.id, version, definition);
    agent.currentVersion = version;
    agent.description = definition.description;
    agent.systemPrompt = definition.systemPrompt;
    agent.modelId = definition.model;
    agent.config = {
      tools: definition.tools,
      mcpServers: definition.mcpServers,
      maxSteps: definition.maxSteps,
      temperature: definition.temperature,
    };
    tx.create(AgentVersion, { agentId: agent.id, workspaceId, version, spec });
    await tx.flush();
    return { id: agent.id, name: agent.name, version, created: !existing, changed: true };
  });
}

/** An agent as listings show it (`GET /agents`, `dagen agents list`). */
export interface AgentListing {
  readonly id: string;
  readonly name: string;
  /** The agent's description followed by a sentence naming the model it uses (none if model-free). */
  readonly description: string;
  readonly type: 'builtin' | 'custom';
  /** `<provider>/<model>` it calls: its own, or the deployment's default. */
  readonly model: string;
  /** A custom agent's current version; null for builtins. */
  readonly version: number | null;
}

const CUSTOM_AGENTS_SQL =
  'select id, name, description, model_id, current_version from agents where workspace_id = ? order by name, id';

interface CustomAgentRow {
  id: string;
  name: string;
  description: string;
  model_id: string | null;
  current_version: number;
}

/** The agents a workspace can call: builtins first, then its custom agents by name. */
export async function listAgents(
  em: EntityManager,
  models: ModelConfig,
  workspaceId: string,
): Promise<AgentListing[]> {
  // Raw SQL: the listing is polled, and the ORM's hydration costs several times the query.
  const rows = await em.getConnection().execute<CustomAgentRow[]>(CUSTOM_AGENTS_SQL, [workspaceId]);
  const listed = (
    a: Pick<AgentListing, 'id' | 'name' | 'type' | 'version'>,
    description: string,
    model: string | null,
    modelFree = false,
  ): AgentListing => {
    const used = effectiveModel(models, model);
    return { ...a, description: modelFree ? description : describeWithModel(description, used), model: used };
  };
  return [
    ...BUILTIN_AGENTS.map((a) =>
      listed({ id: a.id, name: a.name, type: 'builtin', version: null }, a.description, a.model, a.modelFree),
    ),
    ...rows.map((r) =>
      listed(
        { id: r.id, name: r.name, type: 'custom', version: r.current_version },
        r.description,
        r.model_id,
      ),
    ),
  ];
}
