import type { DagActivities } from '../core/engine/dag-contract.ts';
import type { ReconcileActivities } from '../core/engine/reconcile-contract.ts';
import type { MikroORM } from '../db/orm.ts';
import type { Config } from '../infra/config.ts';
import type { LiveEvents } from '../infra/events/live-events.ts';
import type { Logger } from '../infra/logger.ts';
import { createChildRunActivities } from './child-run.activities.ts';
import { guardDatabaseErrors } from './database-failures.ts';
import { ExpressionPool } from './expressions/expression-pool.ts';
import { AddressPolicy } from '../infra/outbound/address-policy.ts';
import { createNodeActivities } from './node.activities.ts';
import { PinnedGraphs } from './pinned-graphs.ts';
import { createReconcileActivities } from './reconcile.activities.ts';
import type { RunTemporal } from '../domain/runs/run-launcher.ts';
import { secretCipher } from '../domain/secrets/secrets.service.ts';
import { createRunRecordActivities } from './run-record.activities.ts';
import type { AgentTurnActivities } from '../core/agents/turn-contract.ts';
import { AgentRegistry } from '../domain/agents/agent-registry.ts';
import { runAgentNodeTurn } from '../domain/jobs/agent-node-turn.ts';
import { createAgentTurnActivities } from './agents/agent-turn.activities.ts';
import type { ConformanceActivities } from '../core/agents/conformance.ts';
import { createModelGateway } from './models/ai-gateway.ts';
import { LocalModels } from './models/local-model.ts';
import { createToolBox } from './tools/tool-box.ts';
import { createWorkflowRunner } from './tools/workflow-runner.ts';
import type { PushActivities } from '../core/tasks/push-contract.ts';
import { TaskPushNotifier } from '../domain/tasks/push-notifier.ts';
import { createPushActivities } from './push.activities.ts';

export interface ActivityDeps {
  orm: MikroORM;
  /** Where model calls publish their live events (token deltas, steps). */
  events: LiveEvents;
  config: Config;
  log: Logger;
  /** A Temporal client on the worker's connection: the agents' run_workflow tool starts runs with it. */
  temporal?: RunTemporal;
}

/** Largest JSON value one expression (or one resolved `with`) may produce. */
const MAX_EXPRESSION_RESULT_BYTES = 5 * 1024 * 1024;
/** Jobs one workspace may have waiting for an expression process (bounds the queue's memory). */
const MAX_QUEUED_EXPRESSIONS_PER_WORKSPACE = 1000;
/**
 * Pinned versions whose graphs a worker keeps for its activities (each at most 256 KB of JSON, so a
 * few tens of MB at worst); the runs in flight on one worker rarely span more versions than this.
 */
const CACHED_VERSIONS = 64;

/**
 * Every activity the worker registers, built from its dependencies (no module-level singletons).
 * `close` releases what the activities hold (the expression processes).
 */
export function createActivities(deps: ActivityDeps) {
  const expressions = new ExpressionPool({
    size: deps.config.expressionPoolSize,
    timeoutMs: deps.config.expressionTimeoutMs,
    maxMemoryMb: deps.config.expressionMemoryMb,
    maxResultBytes: MAX_EXPRESSION_RESULT_BYTES,
    maxQueuedPerWorkspace: MAX_QUEUED_EXPRESSIONS_PER_WORKSPACE,
  });
  const policy = new AddressPolicy(deps.config.httpNodeAllowlist);
  const secrets = secretCipher(deps.config.secretsKey);
  const graphs = new PinnedGraphs(deps.orm, CACHED_VERSIONS);
  const agents = new AgentRegistry(deps.orm, deps.config.models);
  // The offline model loads on its first call, once per worker.
  const local = new LocalModels(deps.config.models.localModelPath);
  const gateway = createModelGateway({ models: deps.config.models, local, log: deps.log });
  const tools = createToolBox({
    orm: deps.orm,
    policy,
    cipher: secrets,
    runs:
      deps.temporal &&
      createWorkflowRunner({ orm: deps.orm, config: deps.config, log: deps.log, temporal: deps.temporal }),
    log: deps.log,
  });
  const pushes = new TaskPushNotifier({ orm: deps.orm, config: deps.config, temporal: deps.temporal });
  const activities = {
    ...createRunRecordActivities({ orm: deps.orm, config: deps.config, expressions, graphs, pushes }),
    ...createNodeActivities({
      orm: deps.orm,
      expressions,
      policy,
      secrets,
      graphs,
      agentTurns: (request) => runAgentNodeTurn({ services: nodeTurnServices(deps), agents }, request),
    }),
    ...createChildRunActivities({
      orm: deps.orm,
      expressions,
      maxActiveRuns: deps.config.workspaceMaxActiveRuns,
      graphs,
    }),
    ...createReconcileActivities({ orm: deps.orm, log: deps.log }),
    ...createAgentTurnActivities({
      orm: deps.orm,
      models: deps.config.models,
      jobs: deps.config.jobs,
      gateway,
      tools,
      events: deps.events,
      agents,
      pushes,
    }),
    ...createPushActivities({ orm: deps.orm, push: deps.config.a2aPush }),
  } satisfies DagActivities &
    ReconcileActivities &
    AgentTurnActivities &
    ConformanceActivities &
    PushActivities;
  // No database error leaves an activity raw: its text may carry the server's address, SQL or values.
  return {
    activities: guardDatabaseErrors(activities, deps.log),
    async close() {
      await Promise.all([expressions.close(), tools.close(), gateway.close(), local.close()]);
    },
  };
}

/** What an agent node's turn needs of the worker: its Temporal client above all. */
function nodeTurnServices(deps: ActivityDeps) {
  if (!deps.temporal) throw new Error("agent nodes need the worker's Temporal client");
  return { orm: deps.orm, config: deps.config, log: deps.log, temporal: deps.temporal };
}
