// Records workflow histories for the replay test, which runs them through the current workflow code.
// The corpus only grows: a scenario whose file exists is skipped, never re-recorded, so histories
// of older workflow code keep proving that it still replays. When dagRun changes, add a scenario
// that exercises the change (agentTurn's scenarios are in agent-scenarios.ts) and run:
//   node test/histories/record.ts
// It brings up the same throwaway environment as `npm test` (Temporal dev server, fresh database).
import { existsSync, writeFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import type { WorkflowGraph } from '../../core/dag/definition.ts';
import globalSetup from '../global-setup.ts';
import globalTeardown from '../global-teardown.ts';
import { addToManifest } from './corpus.ts';
import { historyToJson } from './history-json.ts';
import { AGENT_SCENARIOS, type AgentScenario, type AgentScenarioEnv } from './agent-scenarios.ts';
import { standInModelEnv } from '../agents/chat-fixtures.ts';
import { openAiCompatibleServer } from '../helpers/stand-ins/openai-compatible-server.ts';
import { createTenant } from '../helpers/tenant.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { startTestServer } from '../engine/http-test-server.ts';
import { privatePostgres, type PrivatePostgres } from '../reliability/support/postgres-private.ts';
import {
  createWorkspace,
  eventually,
  historyOf,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
  type SavedWorkflow,
} from '../engine/dag-fixtures.ts';

/** What a scenario's graph may point at besides the harness. */
interface ScenarioEnv {
  workspaceId: string;
  /** Base URL of a local HTTP server that http nodes may call (it is allowlisted). */
  httpBase: string;
  /** The harness's own database, for scenarios that stop it. */
  database?: PrivatePostgres;
}

interface Scenario {
  name: string;
  graph: (h: Harness, env: ScenarioEnv) => Promise<WorkflowGraph>;
  input?: Record<string, unknown>;
  /** Cancel the run once this node is running. */
  cancelAt?: string;
  /** Stop the database once this node is running; start it again once the run paused twice for it. */
  outageAt?: string;
  /** Also record the child run this `workflow` node started, as `<name>-child.json`. */
  childOf?: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'linear-with-delay-and-output',
    input: { n: 2 },
    graph: async () => ({
      nodes: [
        { id: 'double', type: 'transform', with: { expression: 'input.n * 2' } },
        { id: 'nap', type: 'delay', needs: ['double'], with: { seconds: '{{ nodes.double.output / 4 }}' } },
        { id: 'done', type: 'transform', needs: ['nap'], with: { expression: '"ok"' } },
      ],
      output: '{ "double": nodes.double.output, "done": nodes.done.output }',
    }),
  },
  {
    name: 'fan-out-fan-in-with-skips',
    input: { amount: 500 },
    graph: async () => ({
      nodes: [
        { id: 'check', type: 'condition', with: { expression: 'input.amount > 100' } },
        { id: 'big', type: 'delay', needs: ['check'], when: 'nodes.check.output', with: { seconds: 1 } },
        { id: 'small', type: 'transform', needs: ['check'], when: '$not(nodes.check.output)', with: { expression: '1' } },
        { id: 'also', type: 'transform', needs: ['check'], with: { expression: '2' } },
        { id: 'join', type: 'transform', needs: ['big', 'also'], with: { expression: '3' } },
        { id: 'after_small', type: 'transform', needs: ['small'], with: { expression: '4' } },
      ],
    }),
  },
  {
    name: 'child-workflow',
    input: { x: 1 },
    graph: async (h, { workspaceId }) => {
      const child = await saveWorkflow(h, workspaceId, {
        nodes: [{ id: 'echo', type: 'transform', with: { expression: 'input' } }],
      });
      return { nodes: [{ id: 'sub', type: 'workflow', with: { workflow_id: child.workflowId, input: { x: '{{ input.x }}' } } }] };
    },
  },
  {
    name: 'failing-node-cancels-siblings',
    graph: async () => ({
      nodes: [
        { id: 'slow', type: 'delay', with: { seconds: 60 } },
        { id: 'boom', type: 'transform', with: { expression: '$error("boom")' } },
      ],
    }),
  },
  {
    name: 'cancelled-during-delay',
    cancelAt: 'nap',
    graph: async () => ({ nodes: [{ id: 'nap', type: 'delay', with: { seconds: 3600 } }] }),
  },
  {
    // The delay ends while Postgres is down: the run pauses on timers (patch
    // pause-while-database-unreachable) and finishes once the database is back.
    name: 'database-outage-during-delay',
    outageAt: 'nap',
    graph: async () => ({
      nodes: [
        { id: 'nap', type: 'delay', with: { seconds: 2 } },
        { id: 'after', type: 'transform', needs: ['nap'], with: { expression: '"done"' } },
      ],
    }),
  },
  {
    name: 'invalid-definition',
    graph: async () => ({ nodes: [{ id: 'a', type: 'transform', needs: ['ghost'], with: { expression: '1' } }] }),
  },
  {
    // Recorded with activity, timer and child-run summaries and the progress query (Temporal UI).
    name: 'http-child-delay-with-summaries',
    graph: async (h, { workspaceId, httpBase }) => {
      const child = await saveWorkflow(h, workspaceId, {
        nodes: [{ id: 'echo', type: 'transform', with: { expression: 'input' } }],
      });
      return {
        nodes: [
          { id: 'call', type: 'http', with: { url: `${httpBase}/ok` } },
          { id: 'sub', type: 'workflow', with: { workflow_id: child.workflowId, input: { x: 1 } } },
          { id: 'nap', type: 'delay', needs: ['call', 'sub'], with: { seconds: 1 } },
          { id: 'check', type: 'condition', needs: ['nap'], with: { expression: 'nodes.call.output.status = 200' } },
          { id: 'skipped', type: 'transform', needs: ['check'], when: '$not(nodes.check.output)', with: { expression: '1' } },
        ],
      };
    },
  },
  {
    // The child keeps its node's timeout_seconds itself: it times out, records its end, fails the parent.
    name: 'child-run-deadline',
    childOf: 'sub',
    graph: async (h, { workspaceId }) => {
      const child = await saveWorkflow(h, workspaceId, {
        nodes: [
          { id: 'nap', type: 'delay', with: { seconds: 3600 } },
          { id: 'after', type: 'transform', needs: ['nap'], with: { expression: '1' } },
        ],
      });
      return {
        nodes: [{ id: 'sub', type: 'workflow', timeout_seconds: 2, with: { workflow_id: child.workflowId } }],
      };
    },
  },
  {
    // Nodes named by id (planRun, activities read the pinned version): every kind of node, a
    // retried http call, a templated delay, a skip and an output expression.
    name: 'run-plan-by-id',
    input: { n: 4 },
    graph: async (h, { workspaceId, httpBase }) => {
      const child = await saveWorkflow(h, workspaceId, {
        nodes: [{ id: 'echo', type: 'transform', with: { expression: 'input' } }],
      });
      return {
        nodes: [
          { id: 'double', type: 'transform', with: { expression: 'input.n * 2' } },
          {
            id: 'call',
            type: 'http',
            retry: { max_attempts: 2, backoff_seconds: 1 },
            with: { url: `${httpBase}/ok`, timeout_seconds: 5 },
          },
          { id: 'sub', type: 'workflow', needs: ['double'], with: { workflow_id: child.workflowId, input: { x: '{{ nodes.double.output }}' } } },
          { id: 'nap', type: 'delay', needs: ['double'], with: { seconds: '{{ nodes.double.output / 8 }}' } },
          { id: 'check', type: 'condition', needs: ['call', 'sub', 'nap'], with: { expression: 'nodes.call.output.status = 200' } },
          { id: 'skipped', type: 'transform', needs: ['check'], when: '$not(nodes.check.output)', with: { expression: '1' } },
          { id: 'below', type: 'transform', needs: ['skipped'], with: { expression: '2' } },
        ],
        output: '{ "double": nodes.double.output, "sub": nodes.sub.output }',
      };
    },
  },
  {
    // A sibling fails while the child begins: the child's start is cancelled before it reaches the
    // server, and the parent records that child run cancelled (patch cancel-unstarted-child-run).
    name: 'child-cancelled-before-start',
    graph: async (h, { workspaceId }) => {
      const child = await saveWorkflow(h, workspaceId, {
        nodes: [{ id: 'nap', type: 'delay', with: { seconds: 3600 } }],
      });
      return {
        nodes: [
          { id: 'bad', type: 'workflow', with: { workflow_id: 'missing' } },
          { id: 'sub', type: 'workflow', with: { workflow_id: child.workflowId } },
        ],
      };
    },
  },
];

async function record(h: Harness, scenario: Scenario, env: ScenarioEnv): Promise<void> {
  const saved: SavedWorkflow = await saveWorkflow(h, env.workspaceId, await scenario.graph(h, env));
  const { runId, handle } = await startRun(h, saved, (scenario.input ?? {}) as never);
  if (scenario.cancelAt) {
    await eventually(async () => (await loadSteps(h, runId))[scenario.cancelAt!]?.status, (s) => s === 'running');
    await handle.cancel();
  }
  if (scenario.outageAt) await outage(h, runId, handle, scenario.outageAt, env.database!);
  await save(`${scenario.name}.json`, handle);
  if (scenario.childOf) {
    const step = (await loadSteps(h, runId))[scenario.childOf];
    const childRunId = (step?.input as { child_run_id: string }).child_run_id;
    await save(`${scenario.name}-child.json`, h.services.temporal.client.workflow.getHandle(`run:${childRunId}`));
  }
}

/** Writes a closed execution's history as `file` and lists it in the manifest. */
async function save(file: string, handle: WorkflowHandle): Promise<void> {
  await settle(handle);
  writeFileSync(new URL(`./${file}`, import.meta.url), historyToJson(await handle.fetchHistory()));
  addToManifest(file);
  console.log(`recorded ${file} (${(await handle.describe()).status.name})`);
}

async function recordAgentScenario(scenario: AgentScenario, env: AgentScenarioEnv): Promise<void> {
  const recorded = await scenario.run(env);
  for (const [suffix, handle] of Object.entries(recorded)) await save(`${scenario.name}${suffix}.json`, handle);
}

/** Stops the database once `nodeId` runs, and starts it again when the run has paused twice for it. */
async function outage(
  h: Harness,
  runId: string,
  handle: WorkflowHandle,
  nodeId: string,
  database: PrivatePostgres,
): Promise<void> {
  await eventually(async () => (await loadSteps(h, runId))[nodeId]?.status, (s) => s === 'running');
  await database.stop();
  const timers = async () => (await historyOf(handle)).filter((e) => e.type === 'TIMER_STARTED').length;
  await eventually(timers, (n) => n >= 3, 60_000);
  await database.start();
}

/** Records a scenario that stops its database, with a harness on a Postgres of its own. */
async function recordOnPrivateDatabase(scenario: Scenario, env: ScenarioEnv): Promise<void> {
  const database = await privatePostgres();
  const h = await startHarness({ env: { DATABASE_URL: database.databaseUrl } });
  try {
    await record(h, scenario, { ...env, workspaceId: await createWorkspace(h), database });
  } finally {
    await h.close();
    await database.destroy();
  }
}

const fileOf = (scenario: { name: string }) => new URL(`./${scenario.name}.json`, import.meta.url);
const missing = SCENARIOS.filter((scenario) => !existsSync(fileOf(scenario)));
const missingAgent = AGENT_SCENARIOS.filter((scenario) => !existsSync(fileOf(scenario)));
const all = SCENARIOS.length + AGENT_SCENARIOS.length;
const toRecord = missing.length + missingAgent.length;
console.log(`${all - toRecord} histories kept, ${toRecord} to record`);
if (toRecord) {
  await globalSetup();
  const server = await startTestServer();
  // The `standin` model provider answers what each agent scenario scripts.
  const openai = await openAiCompatibleServer().start();
  const h = await startHarness({
    env: { HTTP_NODE_ALLOWLIST: '127.0.0.1', A2A_PUSH_ALLOWED_HOSTS: '127.0.0.1', ...standInModelEnv(openai) },
  });
  try {
    const env = { workspaceId: await createWorkspace(h), httpBase: `http://127.0.0.1:${server.port}` };
    for (const scenario of missing) {
      if (scenario.outageAt) await recordOnPrivateDatabase(scenario, env);
      else await record(h, scenario, env);
    }
    const agentEnv = { h, tenant: await createTenant(h), openai };
    for (const scenario of missingAgent) await recordAgentScenario(scenario, agentEnv);
  } finally {
    await h.close();
    await openai.close();
    await server.close();
    await globalTeardown();
  }
}
