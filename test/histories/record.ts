// Re-records the workflow histories the replay test runs through the current workflow code.
// Run it only when dagRun changes ON PURPOSE (an incompatible change also needs a patch/version
// for runs in flight):  node test/histories/record.ts
// It brings up the same throwaway environment as `npm test` (Temporal dev server, fresh database).
import { writeFileSync } from 'node:fs';
import type { WorkflowGraph } from '../../core/dag/definition.ts';
import globalSetup from '../global-setup.ts';
import globalTeardown from '../global-teardown.ts';
import { historyToJson } from './history-json.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import {
  createWorkspace,
  eventually,
  loadSteps,
  saveWorkflow,
  settle,
  startRun,
  type SavedWorkflow,
} from '../engine/dag-fixtures.ts';

interface Scenario {
  name: string;
  graph: (h: Harness, workspaceId: string) => Promise<WorkflowGraph>;
  input?: Record<string, unknown>;
  /** Cancel the run once this node is running. */
  cancelAt?: string;
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
    graph: async (h, workspaceId) => {
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
    name: 'invalid-definition',
    graph: async () => ({ nodes: [{ id: 'a', type: 'transform', needs: ['ghost'], with: { expression: '1' } }] }),
  },
];

async function record(h: Harness, scenario: Scenario, workspaceId: string): Promise<void> {
  const saved: SavedWorkflow = await saveWorkflow(h, workspaceId, await scenario.graph(h, workspaceId));
  const { runId, handle } = await startRun(h, saved, (scenario.input ?? {}) as never);
  if (scenario.cancelAt) {
    await eventually(async () => (await loadSteps(h, runId))[scenario.cancelAt!]?.status, (s) => s === 'running');
    await handle.cancel();
  }
  await settle(handle);
  const file = new URL(`./${scenario.name}.json`, import.meta.url);
  writeFileSync(file, historyToJson(await handle.fetchHistory()));
  console.log(`recorded ${scenario.name} (${(await handle.describe()).status.name})`);
}

await globalSetup();
const h = await startHarness();
try {
  const workspaceId = await createWorkspace(h);
  for (const scenario of SCENARIOS) await record(h, scenario, workspaceId);
} finally {
  await h.close();
  await globalTeardown();
}
