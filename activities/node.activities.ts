import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { NodeContext } from '../core/nodes/node-context.ts';
import { nodeTypeDef } from '../core/nodes/registry.ts';
import type { JsonValue } from '../core/run-status.ts';
import type { MikroORM } from '../db/orm.ts';
import type { BeginResult, CompleteStepInput, NodeResult, NodeTask } from '../core/engine/dag-contract.ts';
import type { ExpressionPool } from './expressions/expression-pool.ts';
import type { AddressPolicy } from '../infra/outbound/address-policy.ts';
import type { PinnedGraphs } from './pinned-graphs.ts';
import { safeRequest } from '../infra/outbound/safe-request.ts';
import { storedErrorMessage } from './database-failures.ts';
import { prepareStep, toActivityFailure } from './step-prepare.ts';
import { StepStore } from '../domain/runs/step-store.ts';
import type { SecretCipher } from '../domain/secrets/secret-cipher.ts';
import { fillSecrets, type NodeSecrets } from './secrets/node-secrets.ts';
import type { AgentNodeAnswer, AgentNodeRequest } from '../domain/jobs/agent-node-turn.ts';

/** How often a regular-activity node heartbeats; the worker sends at most one per throttle interval. */
const HEARTBEAT_EVERY_MS = 1000;

export interface NodeActivityDeps {
  orm: MikroORM;
  expressions: ExpressionPool;
  policy: AddressPolicy;
  /** Decrypts workspace secrets; undefined when the worker has no DAGEN_SECRETS_KEY. */
  secrets: SecretCipher | undefined;
  graphs: PinnedGraphs;
  /** Runs an agent node's turn (domain/jobs/agent-node-turn.ts). */
  agentTurns: (request: AgentNodeRequest) => Promise<AgentNodeAnswer>;
}

/** Activities that run a node's step; a retry updates the same step row (attempt grows). */
export function createNodeActivities({
  orm,
  expressions,
  policy,
  secrets,
  graphs,
  agentTurns,
}: NodeActivityDeps) {
  return {
    /** Runs a node whose type executes in an activity, from `when` to its recorded output. */
    async runNode(task: NodeTask): Promise<NodeResult> {
      const ctx = Context.current();
      const steps = new StepStore(orm.em.fork());
      const node = await graphs.node(task);
      const prepared = await prepareStep(steps, expressions, { runId: task.runId, node }, ctx.info.attempt);
      if (prepared.kind === 'done') return { status: prepared.status };
      if (prepared.kind === 'skipped') return { status: 'skipped' };
      const attemptPatch = { attempt: ctx.info.attempt, input: prepared.input as JsonValue };
      const def = nodeTypeDef(node.type);
      if (def.execution !== 'local-activity' && def.execution !== 'activity')
        throw ApplicationFailure.nonRetryable(`${node.type} nodes do not run as one activity`);
      const signal = ctx.cancellationSignal;
      // Heartbeats keep a long node alive and let Temporal deliver a cancellation to it.
      const heartbeats =
        def.execution === 'activity' ? setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS) : undefined;
      let filled: NodeSecrets | undefined;
      try {
        filled = await fillSecrets(
          orm.em.fork(),
          secrets,
          prepared.workspaceId,
          prepared.input,
          prepared.secrets,
        );
        const { redactor } = filled;
        const nodeContext: NodeContext = {
          values: prepared.values,
          signal,
          // An upstream that echoes a secret back: masked before the node sees (or excerpts) it.
          http: { request: async (request) => redactor.value(await safeRequest(request, policy, signal)) },
          agent: {
            run: (request) =>
              agentTurns({
                ...request,
                runId: task.runId,
                nodeId: node.id,
                workspaceId: prepared.workspaceId,
                signal,
              }),
          },
        };
        const output = await def.execute(filled.input, nodeContext);
        await steps.finish(prepared.step, 'success', {
          ...attemptPatch,
          output: redactor.value(output) as JsonValue,
          error: null,
        });
        return { status: 'success' };
      } catch (err) {
        // Cancelled: the workflow records the step as cancelled; nothing to add here.
        if (ctx.cancellationSignal.aborted) throw new CancelledFailure(`node "${node.id}" was cancelled`);
        filled?.redactor.error(err);
        await steps.update(task.runId, node.id, { ...attemptPatch, error: storedErrorMessage(err) });
        throw toActivityFailure(err);
      } finally {
        clearInterval(heartbeats);
      }
    },

    /**
     * Starts a node whose work happens in the workflow (a delay): `when`, inputs, step running.
     * Answers the timer's length (a whole-node task from an older run: the resolved `with`).
     */
    async beginStep(task: NodeTask): Promise<BeginResult> {
      const steps = new StepStore(orm.em.fork());
      const node = await graphs.node(task);
      const attempt = Context.current().info.attempt;
      const prepared = await prepareStep(steps, expressions, { runId: task.runId, node }, attempt);
      // A finished step is never begun twice; the workflow only begins pending ones.
      if (prepared.kind !== 'go') return { status: 'skipped' };
      if ('node' in task) return { status: 'running', with: prepared.input };
      const def = nodeTypeDef(node.type);
      if (def.execution !== 'timer')
        throw ApplicationFailure.nonRetryable(`${node.type} nodes do not run as a timer`);
      return { status: 'running', seconds: def.seconds(prepared.input) };
    },

    async completeStep(input: CompleteStepInput): Promise<void> {
      const steps = new StepStore(orm.em.fork());
      const step = await steps.get(input.runId, input.nodeId);
      if (step) await steps.finish(step, 'success', { output: input.output as JsonValue, error: null });
    },
  };
}
