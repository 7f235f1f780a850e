import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { checkWithFields } from '../core/dag/node-fields.ts';
import { stringsIn } from '../core/dag/template.ts';
import { expressionFields, nodeTypeDef, type NodeType } from '../core/nodes/registry.ts';
import type { JsonValue } from '../core/run-status.ts';
import type { WholeNodeTask } from '../core/engine/dag-contract.ts';
import type { ExpressionResult, SecretSlot } from './expressions/expression-job.ts';
import { ExpressionError, type ExpressionPool } from './expressions/expression-pool.ts';
import { isDatabaseError, storedErrorMessage } from './database-failures.ts';
import { RequestRefusedError } from '../infra/outbound/safe-request.ts';
import type { StepRef, StepStore } from '../domain/runs/step-store.ts';

export type Prepared =
  /** An earlier attempt already finished the step (its worker died before reporting). */
  | { kind: 'done'; status: 'success' | 'skipped' }
  | { kind: 'skipped' }
  | {
      kind: 'go';
      step: StepRef;
      workspaceId: string;
      /** The resolved `with` as recorded: secrets show as `***` (see `secrets`). */
      input: Record<string, unknown>;
      values: Record<string, unknown>;
      /** Where the node's `{{ secrets.NAME }}` templates go; only its activity fills them in. */
      secrets?: SecretSlot[];
    };

/**
 * The common start of every node: evaluate `when`, resolve `{{ }}` templates in `with` (and the
 * node's own expression) in the expression pool, check the resolved fields, and mark the step
 * running with this attempt and its inputs.
 */
export async function prepareStep(
  steps: StepStore,
  expressions: ExpressionPool,
  task: WholeNodeTask,
  attempt: number,
): Promise<Prepared> {
  const { runId, node } = task;
  const began = new Date();
  const { workspaceId, step, context } = await steps.snapshot(runId, node.id);
  if (!step)
    throw ApplicationFailure.nonRetryable(`step "${node.id}" of run ${runId} does not exist`, 'StepMissing');
  if (step.status === 'success' || step.status === 'skipped') return { kind: 'done', status: step.status };
  if (step.status !== 'pending' && step.status !== 'running') {
    throw ApplicationFailure.nonRetryable(`step "${node.id}" is already ${step.status}`, 'StepClosed');
  }
  const nodeWith = node.with ?? {};
  const whole = wholeExpressions(node.type, nodeWith);
  let evaluated: ExpressionResult = { proceed: true, with: nodeWith };
  try {
    // Literal nodes (no `when`, no expression, no template) skip the trip to the expression pool.
    if (node.when !== undefined || whole || hasTemplates(nodeWith)) {
      evaluated = await expressions.evaluate(
        {
          context,
          ...(node.when === undefined ? {} : { when: node.when }),
          with: nodeWith,
          ...(whole ? { expressions: whole } : {}),
        },
        // Core cancels a local activity that times out too (reason TIMED_OUT): its job is dropped.
        { workspaceId, signal: Context.current().cancellationSignal },
      );
    }
  } catch (err) {
    await steps.update(runId, node.id, {
      attempt,
      error: storedErrorMessage(err),
      input: nodeWith as JsonValue,
    });
    throw toActivityFailure(err);
  }
  if (!evaluated.proceed) {
    await steps.skip(runId, [node.id]);
    return { kind: 'skipped' };
  }
  const input = evaluated.with ?? {};
  const startedAt = step.startedAt ?? began;
  // Local-activity nodes finish within the expression deadline: their one final write says it all.
  if (nodeTypeDef(node.type).execution !== 'local-activity') {
    await steps.update(runId, node.id, {
      status: 'running',
      attempt,
      startedAt,
      input: input as JsonValue,
      error: null,
    });
  }
  const problems = checkWithFields(node.type, input, true);
  if (problems.length) {
    const message = `resolved ${problems.join('; ')}`;
    await steps.update(runId, node.id, { attempt, input: input as JsonValue, error: message });
    throw ApplicationFailure.nonRetryable(message, 'BadNodeInput');
  }
  return {
    kind: 'go',
    step: { runId, nodeId: node.id, startedAt },
    workspaceId,
    input,
    values: evaluated.values ?? {},
    ...(evaluated.secrets ? { secrets: evaluated.secrets } : {}),
  };
}

/** The node's expression fields (a transform's `expression`), evaluated whole; none: undefined. */
function wholeExpressions(
  type: NodeType,
  nodeWith: Record<string, unknown>,
): Record<string, string> | undefined {
  const found = expressionFields(type).filter((name) => typeof nodeWith[name] === 'string');
  if (found.length === 0) return undefined;
  return Object.fromEntries(found.map((name) => [name, nodeWith[name] as string]));
}

function hasTemplates(value: Record<string, unknown>): boolean {
  for (const found of stringsIn(value)) if (found.value.includes('{{')) return true;
  return false;
}

/**
 * Turns an error from a node's work into what Temporal should do with it: definition-level errors
 * (bad expression, refused address) never succeed on retry; anything else follows the node's policy.
 * A database error stays as it is, for the activities' guard to type and strip of its text.
 */
export function toActivityFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (isDatabaseError(err)) return err as Error;
  const e = err instanceof Error ? err : new Error(String(err));
  const nonRetryable = e instanceof ExpressionError || e instanceof RequestRefusedError;
  return ApplicationFailure.create({ message: e.message, type: e.name, nonRetryable });
}
