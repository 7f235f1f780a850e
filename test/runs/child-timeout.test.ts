import { runWorkflowId } from '../../domain/runs/run-wait.ts';
import { DEADLINE_BACKSTOP_MS } from '../../workflows/run-deadline.ts';
import { eventually } from '../engine/dag-fixtures.ts';
import { as, saveWorkflow, useRunHarness } from './run-fixtures.ts';

const TIMEOUT_SECONDS = 2;

/** A parent whose one node runs `childId` as a child run bounded by `timeout_seconds`. */
function parentOf(childId: string, timeoutSeconds: number) {
  return {
    nodes: [
      {
        id: 'sub',
        type: 'workflow' as const,
        timeout_seconds: timeoutSeconds,
        with: { workflow_id: childId },
      },
    ],
  };
}

describe("a workflow node's timeout_seconds: the child run keeps its own deadline", () => {
  const env = useRunHarness();

  it('fails the child (recorded by itself), cancels its steps, and fails the parent node with the reason', async () => {
    const child = await saveWorkflow(env.h, env.t, {
      nodes: [
        { id: 'nap', type: 'delay', with: { seconds: 600 } },
        { id: 'after', type: 'transform', needs: ['nap'], with: { expression: '1' } },
      ],
    });
    const parent = await saveWorkflow(env.h, env.t, parentOf(child.id, TIMEOUT_SECONDS));

    const res = await as(env.h, env.t).run(parent.id, { wait: true, timeout: 120 });

    // `wait` answers the final state of the parent.
    expect(res.status).toBe(200);
    const childRunId = (res.body.steps[0].input as { child_run_id: string }).child_run_id;
    const reason = `child run ${childRunId} failed: timed out after ${TIMEOUT_SECONDS} s`;
    expect(res.body).toMatchObject({ status: 'failed', error_message: `node "sub" failed: ${reason}` });
    expect(res.body.steps).toEqual([
      expect.objectContaining({ node_id: 'sub', status: 'failed', error: reason }),
    ]);

    const childRun = await as(env.h, env.t).get(`/workflow/runs/${childRunId}`);
    expect(childRun.body).toMatchObject({
      status: 'failed',
      error_message: `timed out after ${TIMEOUT_SECONDS} s`,
    });
    const childSteps = Object.fromEntries(
      (childRun.body.steps as { node_id: string; status: string }[]).map((s) => [s.node_id, s.status]),
    );
    expect(childSteps).toEqual({ nap: 'cancelled', after: 'cancelled' });

    // The child failed on its own terms; the server's execution timeout is only a later backstop.
    const description = await env.h.services.temporal.client.workflow
      .getHandle(runWorkflowId(childRunId))
      .describe();
    expect(description.status.name).toBe('FAILED');
    const executionTimeout = description.raw.executionConfig?.workflowExecutionTimeout?.seconds;
    expect(Number(executionTimeout)).toBe(TIMEOUT_SECONDS + DEADLINE_BACKSTOP_MS / 1000);
  });

  it('lets a child that finishes within its deadline succeed', async () => {
    const child = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'echo', type: 'transform', with: { expression: '"fast"' } }],
    });
    const parent = await saveWorkflow(env.h, env.t, parentOf(child.id, 300));
    const res = await as(env.h, env.t).run(parent.id, { wait: true, timeout: 120 });
    expect(res.body).toMatchObject({ status: 'success', output_data: { sub: { echo: 'fast' } } });
  });

  it('records a cancelled parent and child as cancelled, not timed out, before the deadline', async () => {
    const child = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'nap', type: 'delay', with: { seconds: 600 } }],
    });
    const parent = await saveWorkflow(env.h, env.t, parentOf(child.id, 300));
    const started = await as(env.h, env.t).run(parent.id, {});
    const runId = started.body.id as string;
    const childRunId = await eventually(
      async () => {
        const got = await as(env.h, env.t).get(`/workflow/runs/${runId}`);
        const childId = (got.body.steps[0]?.input as { child_run_id?: string } | null)?.child_run_id;
        if (!childId) return undefined;
        const childRun = await as(env.h, env.t).get(`/workflow/runs/${childId}`);
        return childRun.body.steps[0]?.status === 'running' ? childId : undefined;
      },
      (id) => id !== undefined,
    );
    const cancelled = await as(env.h, env.t).cancel(runId);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    const childRun = await eventually(
      async () => (await as(env.h, env.t).get(`/workflow/runs/${childRunId}`)).body,
      (body) => body.status !== 'running',
    );
    expect(childRun).toMatchObject({ status: 'cancelled', error_message: null });
    expect(childRun.steps[0]).toMatchObject({ node_id: 'nap', status: 'cancelled' });
  });
});
