import { WorkflowFailedError } from '@temporalio/client';
import {
  createWorkspace,
  loadRun,
  loadSteps,
  saveNextVersion,
  saveWorkflow,
  settle,
  startRun,
  useEngineHarness,
} from './dag-fixtures.ts';

describe('dagRun: the DAG interpreter on Temporal and Postgres', () => {
  const env = useEngineHarness();

  it('runs a linear chain, passing outputs through expressions and templates', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'double', type: 'transform', with: { expression: 'input.n * 2' } },
        {
          id: 'greet',
          type: 'transform',
          needs: ['double'],
          with: { expression: '"n=" & $string(nodes.double.output)' },
        },
        { id: 'wait', type: 'delay', needs: ['greet'], with: { seconds: '{{ nodes.double.output / 40 }}' } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf, { n: 21 });
    const { result } = await settle(handle);
    expect(result).toEqual({ runId, status: 'success' });
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('success');
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt).toBeInstanceOf(Date);
    // Default output: the sink nodes' outputs keyed by id.
    expect(run.outputData).toEqual({ wait: { seconds: 1.05 } });
    const steps = await loadSteps(env.h, runId);
    expect(steps.double).toMatchObject({ status: 'success', output: 42, attempt: 1, type: 'transform' });
    expect(steps.greet).toMatchObject({ status: 'success', output: 'n=42' });
    expect(steps.wait).toMatchObject({ status: 'success', input: { seconds: 1.05 } });
    expect(steps.wait!.durationMs).toBeGreaterThanOrEqual(1000);
    expect(steps.greet!.startedAt!.getTime()).toBeGreaterThanOrEqual(steps.double!.finishedAt!.getTime());
  });

  it('runs fan-out branches in parallel and joins them (fan-in) with an output expression', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'start', type: 'transform', with: { expression: '"go"' } },
        { id: 'left', type: 'delay', needs: ['start'], with: { seconds: 1 } },
        { id: 'right', type: 'delay', needs: ['start'], with: { seconds: 1 } },
        {
          id: 'join',
          type: 'transform',
          needs: ['left', 'right'],
          with: { expression: '[nodes.left.status, nodes.right.status]' },
        },
      ],
      output: '{ "joined": nodes.join.output, "start": nodes.start.output }',
    });
    const { runId, handle } = await startRun(env.h, wf);
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('success');
    expect(run.outputData).toEqual({ joined: ['success', 'success'], start: 'go' });
    const { left, right, join } = await loadSteps(env.h, runId);
    // Both delays were running at the same time: their intervals overlap.
    expect(left!.startedAt!.getTime()).toBeLessThan(right!.finishedAt!.getTime());
    expect(right!.startedAt!.getTime()).toBeLessThan(left!.finishedAt!.getTime());
    expect(join!.startedAt!.getTime()).toBeGreaterThanOrEqual(
      Math.max(left!.finishedAt!.getTime(), right!.finishedAt!.getTime()),
    );
  });

  it('resolves conditional branches: a false `when` and everything below it are skipped', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'check', type: 'condition', with: { expression: 'input.amount > 100' } },
        {
          id: 'big',
          type: 'transform',
          needs: ['check'],
          when: 'nodes.check.output',
          with: { expression: '"big"' },
        },
        {
          id: 'small',
          type: 'transform',
          needs: ['check'],
          when: '$not(nodes.check.output)',
          with: { expression: '"small"' },
        },
        { id: 'after_big', type: 'transform', needs: ['big'], with: { expression: '"after"' } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf, { amount: 5 });
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('success');
    const steps = await loadSteps(env.h, runId);
    expect(steps.check).toMatchObject({ status: 'success', output: false });
    expect(steps.big).toMatchObject({ status: 'skipped', output: null });
    expect(steps.after_big).toMatchObject({ status: 'skipped', startedAt: null });
    expect(steps.small).toMatchObject({ status: 'success', output: 'small' });
    expect(run.outputData).toEqual({ small: 'small' });
  });

  it('runs a workflow node as a child run of the same workspace with its own row', async () => {
    const child = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'echo', type: 'transform', with: { expression: '{ "got": input.value }' } }],
    });
    const parent = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        {
          id: 'sub',
          type: 'workflow',
          with: { workflow_id: child.workflowId, input: { value: '{{ input.x }}' } },
        },
      ],
    });
    const { runId, handle } = await startRun(env.h, parent, { x: 7 });
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('success');
    const { sub } = await loadSteps(env.h, runId);
    expect(sub).toMatchObject({ status: 'success', output: { echo: { got: 7 } } });
    const childRunId = (sub!.input as { child_run_id: string }).child_run_id;
    const childRun = await loadRun(env.h, childRunId);
    expect(childRun).toMatchObject({
      status: 'success',
      workflowId: child.workflowId,
      inputData: { value: 7 },
    });
    expect(childRun.trigger).toMatchObject({ source: 'cli', parent_run_id: runId });
    const description = await env.h.services.temporal.client.workflow
      .getHandle(`run:${childRunId}`)
      .describe();
    expect(description.status.name).toBe('COMPLETED');
  });

  it("fails a workflow node that names another workspace's workflow", async () => {
    const otherWorkspace = await createWorkspace(env.h);
    const foreign = await saveWorkflow(env.h, otherWorkspace, {
      nodes: [{ id: 'x', type: 'transform', with: { expression: '1' } }],
    });
    const parent = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'sub', type: 'workflow', with: { workflow_id: foreign.workflowId } }],
    });
    const { runId, handle } = await startRun(env.h, parent);
    const { error } = await settle(handle);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toBe(
      `node "sub" failed: workflow "${foreign.workflowId}" does not exist in this workspace`,
    );
    expect((await loadSteps(env.h, runId)).sub).toMatchObject({ status: 'failed' });
  });

  it('fails the run on a failing node, names it, and cancels what is still running', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [
        { id: 'slow', type: 'delay', with: { seconds: 30 } },
        { id: 'boom', type: 'transform', with: { expression: '$error("kaboom")' } },
        { id: 'later', type: 'transform', needs: ['boom'], with: { expression: '1' } },
      ],
    });
    const { runId, handle } = await startRun(env.h, wf);
    const { error } = await settle(handle);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(/^node "boom" failed: .*kaboom/);
    const steps = await loadSteps(env.h, runId);
    expect(steps.boom).toMatchObject({ status: 'failed', attempt: 1 });
    expect(steps.boom!.error).toContain('kaboom');
    expect(steps.slow).toMatchObject({ status: 'cancelled' });
    expect(steps.later).toMatchObject({ status: 'cancelled', startedAt: null });
    expect((await handle.describe()).status.name).toBe('FAILED');
  });

  it('runs the version the run was pinned to, whatever is saved later', async () => {
    const v1 = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'which', type: 'transform', with: { expression: '"v1"' } }],
    });
    const { runId: pinned } = await startRun(env.h, v1).then(async (r) => {
      await saveNextVersion(env.h, v1, {
        nodes: [{ id: 'which', type: 'transform', with: { expression: '"v2"' } }],
      });
      await settle(r.handle);
      return r;
    });
    expect((await loadRun(env.h, pinned)).outputData).toEqual({ which: 'v1' });
    const { runId: latest, handle } = await startRun(env.h, { ...v1, version: 2 });
    await settle(handle);
    expect((await loadRun(env.h, latest)).outputData).toEqual({ which: 'v2' });
  });

  it('fails a run whose pinned version is invalid, listing the problems with node ids', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'a', type: 'transform', needs: ['ghost'], with: { expression: '1' } }],
    });
    const { runId, handle } = await startRun(env.h, wf);
    const { error } = await settle(handle);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toBe('invalid workflow definition: node "a": needs unknown node "ghost"');
  });

  it('fails an agent node naming an agent the workspace does not have', async () => {
    const wf = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'ask', type: 'agent', with: { agent_id: 'helper', message: 'hi {{ input.name }}' } }],
    });
    const { runId, handle } = await startRun(env.h, wf, { name: 'Ann' });
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.errorMessage).toBe('node "ask" failed: Agent "helper" not found');
    expect((await loadSteps(env.h, runId)).ask).toMatchObject({
      status: 'failed',
      input: { agent_id: 'helper', message: 'hi Ann' },
    });
  });
  it('stops a workflow that runs itself after a bounded nesting depth', async () => {
    const self = await saveWorkflow(env.h, env.workspaceId, {
      nodes: [{ id: 'again', type: 'transform', with: { expression: '1' } }],
    });
    await saveNextVersion(env.h, self, {
      nodes: [{ id: 'again', type: 'workflow', with: { workflow_id: self.workflowId } }],
    });
    const { runId, handle } = await startRun(env.h, { ...self, version: 2 });
    await settle(handle);
    const run = await loadRun(env.h, runId);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(/^node "again" failed: child run [0-9a-f-]+ failed: /);
    expect(run.errorMessage).toContain('workflow nodes may nest at most 5 levels deep');
  });
});
