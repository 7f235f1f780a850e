import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { NodeContext } from '../core/nodes/node-context.ts';
import { nodeTypeDef } from '../core/nodes/registry.ts';
import type { JsonValue } from '../core/run-status.ts';
import type { MikroORM } from '../db/orm.ts';
import type { BeginResult, CompleteStepInput, NodeResult, NodeTask } from '../core/engine/dag-contract.ts';
import type { ExpressionPool } from './expressions/expression-pool.ts';
import type { AddressPolicy } from './http/address-policy.ts';
import { safeRequest } from './http/safe-request.ts';
import { storedErrorMessage } from './database-failures.ts';
import { prepareStep, toActivityFailure } from './step-prepare.ts';
import { StepStore } from '../domain/runs/step-store.ts';

/** How often a regular-activity node heartbeats; the worker sends at most one per throttle interval. */
const HEARTBEAT_EVERY_MS = 1000;

export interface NodeActivityDeps {
  orm: MikroORM;
  expressions: ExpressionPool;
  policy: AddressPolicy;
}

/** Activities that run a node's step; a retry updates the same step row (attempt grows). */
export function createNodeActivities({ orm, expressions, policy }: NodeActivityDeps) {
  return {
    /** Runs a node whose type executes in an activity, from `when` to its recorded output. */
    async runNode(task: NodeTask): Promise<NodeResult> {
      const ctx = Context.current();
      const steps = new StepStore(orm.em.fork());
      const prepared = await prepareStep(steps, expressions, task, ctx.info.attempt);
      if (prepared.kind === 'done') return { status: prepared.status };
      if (prepared.kind === 'skipped') return { status: 'skipped' };
      const attemptPatch = { attempt: ctx.info.attempt, input: prepared.input as JsonValue };
      const def = nodeTypeDef(task.node.type);
      if (def.execution !== 'local-activity' && def.execution !== 'activity')
        throw ApplicationFailure.nonRetryable(`${task.node.type} nodes do not run as one activity`);
      const signal = ctx.cancellationSignal;
      const nodeContext: NodeContext = {
        values: prepared.values,
        signal,
        http: { request: (request) => safeRequest(request, policy, signal) },
      };
      // Heartbeats keep a long node alive and let Temporal deliver a cancellation to it.
      const heartbeats =
        def.execution === 'activity' ? setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS) : undefined;
      try {
        const output = await def
          .execute(prepared.input, nodeContext)
          .finally(() => clearInterval(heartbeats));
        await steps.finish(prepared.step, 'success', {
          ...attemptPatch,
          output: output as JsonValue,
          error: null,
        });
        return { status: 'success' };
      } catch (err) {
        // Cancelled: the workflow records the step as cancelled; nothing to add here.
        if (ctx.cancellationSignal.aborted)
          throw new CancelledFailure(`node "${task.node.id}" was cancelled`);
        await steps.update(task.runId, task.node.id, { ...attemptPatch, error: storedErrorMessage(err) });
        throw toActivityFailure(err);
      }
    },

    /** Starts a node whose work happens in the workflow (a delay): `when`, inputs, step running. */
    async beginStep(task: NodeTask): Promise<BeginResult> {
      const steps = new StepStore(orm.em.fork());
      const prepared = await prepareStep(steps, expressions, task, Context.current().info.attempt);
      if (prepared.kind === 'go') return { status: 'running', with: prepared.input };
      // A finished step is never begun twice; the workflow only begins pending ones.
      return { status: 'skipped' };
    },

    async completeStep(input: CompleteStepInput): Promise<void> {
      const steps = new StepStore(orm.em.fork());
      const step = await steps.get(input.runId, input.nodeId);
      if (step) await steps.finish(step, 'success', { output: input.output as JsonValue, error: null });
    },
  };
}
