import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { planNode } from '../core/dag/node-plan.ts';
import { sinkOutputs } from '../core/dag/run-context.ts';
import { sinkNodeIds } from '../core/dag/schedule.ts';
import { isTerminal, type JsonValue, type RunStatus } from '../core/run-status.ts';
import { WorkflowRun } from '../db/entities/index.ts';
import type { MikroORM } from '../db/orm.ts';
import type { Config } from '../infra/config.ts';
import type {
  CompleteRunInput,
  CompleteRunResult,
  FailRunInput,
  PlanRunResult,
  RunLimits,
  RunNotReady,
  StartRunResult,
} from '../core/engine/dag-contract.ts';
import type { ExpressionPool } from './expressions/expression-pool.ts';
import type { CheckedVersion, PinnedGraphs } from './pinned-graphs.ts';
import { moveRun, recordRunCancelled } from '../domain/runs/run-state.ts';
import { readRunPin } from '../domain/runs/run-pin.ts';
import { StepStore } from '../domain/runs/step-store.ts';
import type { TaskPushNotifier } from '../domain/tasks/push-notifier.ts';

export interface RunRecordDeps {
  orm: MikroORM;
  config: Config;
  expressions: ExpressionPool;
  graphs: PinnedGraphs;
  /** Status changes reach the run's A2A push configs through it. */
  pushes: Pick<TaskPushNotifier, 'notify'>;
}

type OpenedRun = { kind: 'ready'; versionId: string; checked: Extract<CheckedVersion, { ok: true }> };

/** Activities that write a run's own row; each is idempotent so a retry changes nothing twice. */
export function createRunRecordActivities({ orm, config, expressions, graphs, pushes }: RunRecordDeps) {
  const limits: RunLimits = {
    maxParallel: config.runMaxParallelNodes,
    expressionTimeoutMs: config.expressionTimeoutMs,
  };

  /**
   * Starts the deliveries of a status change to the run's push configs (one indexed read when it has
   * none). A run reaches each status once, so the status names the change; a retried write that
   * found the status already written notifies too, since its first attempt may have died first.
   */
  async function pushStatus(runId: string, status: RunStatus, moved: boolean, message?: string) {
    await pushes.notify({
      taskKind: 'run',
      taskId: runId,
      status,
      moved,
      retried: Context.current().info.attempt > 1,
      ...(message === undefined ? {} : { message }),
    });
  }

  /**
   * Loads the run's pinned version, validates it again, marks the run running and creates one
   * pending step per node.
   */
  async function openRun(runId: string): Promise<OpenedRun | RunNotReady> {
    const em = orm.em.fork();
    const run = await readRunPin(em, runId);
    if (!run) throw ApplicationFailure.nonRetryable(`run ${runId} does not exist`, 'RunNotFound');
    if (isTerminal(run.status)) return { kind: 'finished', status: run.status };
    const { versionId } = run;
    const checked = versionId === null ? undefined : await graphs.load(versionId);
    if (versionId === null || !checked) {
      return {
        kind: 'invalid',
        message: `version ${run.workflowVersion} of workflow ${run.workflowId} does not exist`,
      };
    }
    if (!checked.ok) {
      const problems = checked.problems.map((p) => (p.node ? `node "${p.node}": ${p.message}` : p.message));
      return { kind: 'invalid', message: `invalid workflow definition: ${problems.join('; ')}` };
    }
    const moved = await moveRun(em, runId, 'running', { startedAt: new Date() }, ['pending']);
    if (!moved) {
      // Not pending any more: a retry of this activity (already running), or the run was closed
      // meanwhile (e.g. a refused start recorded it failed) and must not execute after all.
      const now = await em.findOneOrFail(WorkflowRun, runId, { fields: ['status'], refresh: true });
      if (isTerminal(now.status)) return { kind: 'finished', status: now.status };
    }
    await pushStatus(runId, 'running', moved);
    await new StepStore(em).createPending(runId, checked.graph.nodes);
    return { kind: 'ready', versionId, checked };
  }

  /** The run's `output` expression and sink nodes: from its pinned version, or as the workflow passed them. */
  async function runOutput(input: CompleteRunInput): Promise<{ output?: string; sinks: string[] }> {
    if (!('versionId' in input)) return input;
    const { graph } = await graphs.graph(input.versionId);
    return {
      ...(graph.output === undefined ? {} : { output: graph.output }),
      sinks: sinkNodeIds(graph.nodes),
    };
  }

  return {
    /** Opens the run and hands the workflow only what scheduling needs (`run-plan-by-id`). */
    async planRun(runId: string): Promise<PlanRunResult> {
      const opened = await openRun(runId);
      if (opened.kind !== 'ready') return opened;
      return {
        kind: 'ready',
        versionId: opened.versionId,
        nodes: opened.checked.graph.nodes.map(planNode),
        limits,
      };
    },

    /** Opens the run and hands the workflow the whole graph (runs from before `run-plan-by-id`). */
    async startRun(runId: string): Promise<StartRunResult> {
      const opened = await openRun(runId);
      if (opened.kind !== 'ready') return opened;
      return { kind: 'ready', graph: opened.checked.graph, limits };
    },

    /** Computes the output (the `output` expression, or the sinks' outputs) and records success. */
    async completeRun(input: CompleteRunInput): Promise<CompleteRunResult> {
      const em = orm.em.fork();
      const { output: expression, sinks } = await runOutput(input);
      const { workspaceId, context } = await new StepStore(em).snapshot(input.runId, null);
      let output: unknown;
      if (expression === undefined) output = sinkOutputs(sinks, context);
      else {
        try {
          const job = { context, expressions: { output: expression } };
          const signal = Context.current().cancellationSignal;
          output = (await expressions.evaluate(job, { workspaceId, signal })).values?.output;
        } catch (err) {
          // Cancelled or timed out: the activity ends here, the run is not failed by it.
          if (err instanceof CancelledFailure) throw err;
          const message = `output expression failed: ${(err as Error).message}`;
          const moved = await moveRun(em, input.runId, 'failed', { errorMessage: message });
          await pushStatus(input.runId, 'failed', moved, message);
          return { status: 'failed', message };
        }
      }
      const moved = await moveRun(em, input.runId, 'success', { outputData: (output ?? null) as JsonValue });
      await pushStatus(input.runId, 'success', moved);
      return { status: 'success' };
    },

    /** Records the failed nodes, closes every other live step as cancelled, then fails the run. */
    async failRun(input: FailRunInput): Promise<void> {
      const em = orm.em.fork();
      const steps = new StepStore(em);
      for (const failure of input.failures) {
        const step = await steps.get(input.runId, failure.nodeId);
        if (step) await steps.finish(step, 'failed', { error: failure.error });
      }
      await steps.cancelLive(input.runId, new Date());
      const moved = await moveRun(em, input.runId, 'failed', { errorMessage: input.message });
      await pushStatus(input.runId, 'failed', moved, input.message);
    },

    /** Records a cancelled run: every live step becomes cancelled. */
    async cancelRun(runId: string): Promise<void> {
      await pushStatus(runId, 'cancelled', await recordRunCancelled(orm.em.fork(), runId));
    },

    /** Records nodes skipped because something upstream was skipped. */
    async skipSteps(input: { runId: string; nodeIds: string[] }): Promise<void> {
      const steps = new StepStore(orm.em.fork());
      await steps.skip(input.runId, input.nodeIds);
    },
  };
}
