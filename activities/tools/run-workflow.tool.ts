import { setInterval } from 'node:timers';
import type { TurnTool } from '../../core/agents/turn-contract.ts';
import { AppError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import type { JsonValue, Source } from '../../core/run-status.ts';
import { Job, WorkflowRun } from '../../db/entities/index.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { ToolContext, ToolOutcome } from './tool-box-contract.ts';
import type { WorkflowRunner } from './workflow-runner.ts';

/** Longest a `run_workflow` call waits for its run to end; the run goes on after that. */
export const RUN_WORKFLOW_WAIT_MS = 5 * 60_000;
/** Heartbeats while waiting, well inside any heartbeat timeout the turn gives the activity. */
const HEARTBEAT_EVERY_MS = 5_000;

export const runWorkflowTool: TurnTool = {
  name: 'run_workflow',
  description:
    "Runs one of the workspace's active workflows with the given input and waits for it to end " +
    `(at most ${RUN_WORKFLOW_WAIT_MS / 60_000} minutes): { run_id, status, output, error }.`,
  inputSchema: {
    type: 'object',
    properties: {
      workflow_id: { type: 'string', description: "The workflow's id (a uuid)." },
      input: { type: 'object', description: "The run's input_data; {} by default." },
    },
    required: ['workflow_id'],
    additionalProperties: false,
  },
};

export interface RunWorkflowArgs {
  workflow_id: string;
  input?: Record<string, JsonValue>;
}

/**
 * Starts a run for the job's workspace, billed to the job's key and owner, its trigger naming the
 * job; then waits for its end. Cancelling the job cancels the run too.
 */
export async function runWorkflow(
  args: RunWorkflowArgs,
  ctx: ToolContext,
  orm: MikroORM,
  runner: WorkflowRunner,
  waitMs = RUN_WORKFLOW_WAIT_MS,
): Promise<ToolOutcome> {
  if (!isUuid(args.workflow_id)) return { ok: false, error: 'workflow not found' };
  const em = orm.em.fork();
  let runId: string;
  try {
    runId = await runner.start(
      { workspaceId: ctx.workspaceId, ownerId: ctx.ownerId, apiKeyId: ctx.apiKeyId },
      args.workflow_id,
      { inputData: args.input ?? {}, source: await jobSource(orm, ctx), jobId: ctx.jobId },
    );
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { ok: false, error: err.status === 404 ? 'workflow not found' : err.message };
  }
  const beat = setInterval(ctx.heartbeat, HEARTBEAT_EVERY_MS);
  try {
    const ended = await runner.waitForEnd(runId, waitMs, ctx.signal);
    if (ctx.signal.aborted) {
      await runner.cancel(runId);
      ctx.signal.throwIfAborted();
    }
    const run = await em.findOneOrFail(WorkflowRun, { id: runId, workspaceId: ctx.workspaceId });
    const error =
      ended === 'timeout' ? `the run did not end within ${waitMs / 1000} s; it goes on` : run.errorMessage;
    return {
      ok: true,
      output: { run_id: runId, status: run.status, output: run.outputData ?? null, error: error ?? null },
    };
  } finally {
    clearInterval(beat);
  }
}

/**
 * The door the job came through, which its runs inherit like child runs do; a job of an `agent`
 * node takes its run's.
 */
async function jobSource(orm: MikroORM, ctx: ToolContext): Promise<Source> {
  const em = orm.em.fork();
  const job = await em.findOneOrFail(
    Job,
    { id: ctx.jobId, workspaceId: ctx.workspaceId },
    { fields: ['source', 'runId'] },
  );
  if (job.source !== 'workflow') return job.source;
  const run = job.runId ? await em.findOne(WorkflowRun, job.runId, { fields: ['trigger'] }) : null;
  return run?.trigger.source ?? 'external_api';
}
