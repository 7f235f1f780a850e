import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { activeRunLimitMessage } from '../core/errors.ts';
import { isUuid } from '../core/ids.ts';
import { compileInputSchema, describeInputProblems } from '../domain/definitions/input-schema.ts';
import type { JsonValue, TriggerMetadata } from '../core/run-status.ts';
import { WorkflowDefinition, WorkflowRun } from '../db/entities/index.ts';
import type { EntityManager, MikroORM } from '../db/orm.ts';
import type { BeginChildResult, ChildTask } from '../core/engine/dag-contract.ts';
import type { ExpressionPool } from './expressions/expression-pool.ts';
import { storedErrorMessage } from './database-failures.ts';
import type { PinnedGraphs } from './pinned-graphs.ts';
import { prepareStep } from './step-prepare.ts';
import { StepStore } from '../domain/runs/step-store.ts';
import { insertRunWithinLimit } from '../domain/runs/active-run-limit.ts';
import { recordUnstartedRunCancelled } from '../domain/runs/run-state.ts';

/** A child's trigger: the parent's source, key and owner, plus the parent run for the audit trail. */
type ChildTrigger = TriggerMetadata & { parent_run_id: string };

/** Activities around a `workflow` node: its child run gets its own row and `run:<id>` workflow. */
export function createChildRunActivities({
  orm,
  expressions,
  maxActiveRuns,
  graphs,
}: {
  orm: MikroORM;
  expressions: ExpressionPool;
  /** WORKSPACE_MAX_ACTIVE_RUNS: a child run counts against its workspace's cap like any run. */
  maxActiveRuns: number;
  graphs: PinnedGraphs;
}) {
  return {
    /**
     * Resolves the node, checks the target workflow belongs to the parent's workspace and is active,
     * checks the input against its schema, and inserts the child run row (once, whatever the retries)
     * unless the workspace is at its cap on live runs.
     */
    async beginChildStep(task: ChildTask): Promise<BeginChildResult> {
      const em = orm.em.fork();
      const steps = new StepStore(em);
      const node = await graphs.node(task);
      const attempt = Context.current().info.attempt;
      const prepared = await prepareStep(steps, expressions, { runId: task.runId, node }, attempt);
      if (prepared.kind !== 'go') return { status: 'skipped' };
      try {
        const parent = await em.findOneOrFail(WorkflowRun, task.runId);
        const definition = await findDefinition(em, parent.workspaceId, String(prepared.input.workflow_id));
        const input = (prepared.input.input ?? {}) as JsonValue;
        if (definition.inputSchema) {
          const problems = compileInputSchema(definition.inputSchema)(input);
          if (problems.length)
            fail(
              `input does not match the child workflow's input_schema: ${describeInputProblems(problems)}`,
            );
        }
        const trigger: ChildTrigger = { ...parent.trigger, parent_run_id: parent.id };
        const child = {
          id: task.childRunId,
          workspaceId: parent.workspaceId,
          workflowId: definition.id,
          workflowVersion: definition.version,
          status: 'pending' as const,
          inputData: input,
          outputData: null,
          errorMessage: null,
          trigger,
          a2a: null,
          idempotencyKey: null,
          idempotencyHash: null,
          createdAt: new Date(),
          startedAt: null,
          finishedAt: null,
        };
        const inserted = await insertRunWithinLimit(em, child, maxActiveRuns);
        // Not inserted: an earlier attempt did (a retry), or the workspace is at its cap. The cap
        // fails this attempt, retryably: the begin step's retries may find a slot freed.
        if (!inserted && !(await em.count(WorkflowRun, { id: task.childRunId }))) {
          throw ApplicationFailure.retryable(activeRunLimitMessage(maxActiveRuns), 'ActiveRunLimit');
        }
        await steps.update(task.runId, node.id, {
          input: { ...prepared.input, child_run_id: task.childRunId } as JsonValue,
        });
        return {
          status: 'running',
          child: {
            runId: task.childRunId,
            workspaceId: parent.workspaceId,
            workflowId: definition.id,
            workflowName: definition.name,
            version: definition.version,
            source: parent.trigger.source,
            apiKeyId: parent.trigger.api_key_id ?? '',
          },
        };
      } catch (err) {
        await steps.update(task.runId, node.id, { error: storedErrorMessage(err) });
        throw err;
      }
    },

    /** Copies the finished child run's output into the parent's step. */
    async completeChildStep(input: { runId: string; nodeId: string; childRunId: string }): Promise<void> {
      const em = orm.em.fork();
      const child = await em.findOneOrFail(WorkflowRun, input.childRunId, { fields: ['outputData'] });
      const steps = new StepStore(em);
      const step = await steps.get(input.runId, input.nodeId);
      if (step) await steps.finish(step, 'success', { output: child.outputData ?? null, error: null });
    },

    /**
     * Records the child run cancelled when its node was cancelled before the child's workflow
     * started: nothing else would end its row (it stays pending, holding a live-run slot). A child
     * that did start records its own end, so a row no longer pending is left alone.
     */
    async cancelUnstartedChild(childRunId: string): Promise<void> {
      await recordUnstartedRunCancelled(orm.em.fork(), childRunId);
    },
  };
}

async function findDefinition(em: EntityManager, workspaceId: string, workflowId: string) {
  // Another workspace's workflow is reported exactly like a missing one.
  const definition = isUuid(workflowId)
    ? await em.findOne(WorkflowDefinition, { id: workflowId, workspaceId })
    : null;
  if (!definition) fail(`workflow ${JSON.stringify(workflowId)} does not exist in this workspace`);
  if (definition.status !== 'active')
    fail(`workflow "${definition.name}" is ${definition.status}, not active`);
  return definition;
}

function fail(message: string): never {
  throw ApplicationFailure.nonRetryable(message, 'BadChildWorkflow');
}
