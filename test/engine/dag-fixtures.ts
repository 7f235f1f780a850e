import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { WorkflowGraph } from '../../core/dag/definition.ts';
import type { JsonValue } from '../../core/run-status.ts';
import {
  RunStep,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowVersion,
  Workspace,
} from '../../db/entities/index.ts';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/harness.ts';
import type { DagRunResult } from '../../workflows/dag-run.workflow.ts';

const EventType = proto.temporal.api.enums.v1.EventType;

export interface SavedWorkflow {
  workspaceId: string;
  workflowId: string;
  version: number;
}

/** A fresh workspace (unique name) for one test. */
export async function createWorkspace(h: Harness): Promise<string> {
  const em = h.services.orm.em.fork();
  const ws = em.create(Workspace, { name: `engine-${randomUUID()}` });
  await em.flush();
  return ws.id;
}

/** Saves an active definition with version 1 holding `graph` (as the API's save would). */
export async function saveWorkflow(
  h: Harness,
  workspaceId: string,
  graph: WorkflowGraph,
): Promise<SavedWorkflow> {
  const em = h.services.orm.em.fork();
  const definition = em.create(WorkflowDefinition, {
    workspaceId,
    name: `wf-${randomUUID()}`,
    status: 'active',
    version: 1,
    graph: graph as unknown as Record<string, unknown>,
  });
  em.create(WorkflowVersion, {
    workflowId: definition.id,
    version: 1,
    graph: graph as unknown as Record<string, unknown>,
  });
  await em.flush();
  return { workspaceId, workflowId: definition.id, version: 1 };
}

/** Saves the next version of a workflow; older versions stay. */
export async function saveNextVersion(
  h: Harness,
  saved: SavedWorkflow,
  graph: WorkflowGraph,
): Promise<SavedWorkflow> {
  const em = h.services.orm.em.fork();
  const version = saved.version + 1;
  em.create(WorkflowVersion, {
    workflowId: saved.workflowId,
    version,
    graph: graph as unknown as Record<string, unknown>,
  });
  await em.nativeUpdate(
    WorkflowDefinition,
    { id: saved.workflowId },
    { version, graph: graph as unknown as Record<string, unknown> },
  );
  await em.flush();
  return { ...saved, version };
}

export interface StartedRun {
  runId: string;
  handle: WorkflowHandle;
}

/** Inserts a pending run row of the saved workflow (not started); returns its id. */
export async function insertRun(h: Harness, saved: SavedWorkflow, input: JsonValue = {}): Promise<string> {
  const em = h.services.orm.em.fork();
  const run = em.create(WorkflowRun, {
    workspaceId: saved.workspaceId,
    workflowId: saved.workflowId,
    workflowVersion: saved.version,
    inputData: input,
    trigger: { source: 'cli' },
  });
  await em.flush();
  return run.id;
}

/** Inserts a pending run row and starts `dagRun` for it, as the API does. */
export async function startRun(
  h: Harness,
  saved: SavedWorkflow,
  input: JsonValue = {},
  taskQueue = h.config.temporal.taskQueue,
): Promise<StartedRun> {
  const run = { id: await insertRun(h, saved, input) };
  const handle = await h.services.temporal.client.workflow.start('dagRun', {
    taskQueue,
    workflowId: `run:${run.id}`,
    args: [{ runId: run.id }],
  });
  return { runId: run.id, handle };
}

/** Waits for the workflow to close, whatever its outcome; returns the result or the error. */
export async function settle(handle: WorkflowHandle): Promise<{ result?: DagRunResult; error?: Error }> {
  try {
    return { result: (await handle.result()) as DagRunResult };
  } catch (error) {
    return { error: error as Error };
  }
}

export async function loadRun(h: Harness, runId: string) {
  return h.services.orm.em.fork().findOneOrFail(WorkflowRun, runId);
}

/** The run's steps keyed by node id. */
export async function loadSteps(h: Harness, runId: string) {
  const steps = await h.services.orm.em.fork().find(RunStep, { runId });
  return Object.fromEntries(steps.map((s) => [s.nodeId, s]));
}

/** Polls Postgres until `check` passes (for states reached mid-run, before cancelling or killing). */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Registers beforeAll/afterAll for a describe block: a harness (worker on its own queue) and one
 * fresh workspace. Read `env.h` and `env.workspaceId` inside tests.
 */
export function useEngineHarness(options: HarnessOptions = {}): {
  readonly h: Harness;
  readonly workspaceId: string;
} {
  const env = {} as { h: Harness; workspaceId: string };
  beforeAll(async () => {
    env.h = await startHarness(options);
    env.workspaceId = await createWorkspace(env.h);
  });
  afterAll(async () => {
    await env.h?.close();
  });
  return env;
}

/** One event of a run's Temporal history, reduced to what tests assert on. */
export interface HistoryEntry {
  /** The event type without its prefix: `MARKER_RECORDED`, `ACTIVITY_TASK_SCHEDULED`, … */
  type: string;
  /** The activity type of a scheduled activity or a local activity's marker. */
  activity?: string;
}

/** The run's Temporal history as a list of event types (and the activities they concern). */
export async function historyOf(handle: WorkflowHandle): Promise<HistoryEntry[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((event) => {
    const type = EventType[event.eventType ?? 0]!.replace(/^EVENT_TYPE_/, '');
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    const marker = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    const local = marker
      ? (JSON.parse(Buffer.from(marker).toString()) as { activity_type?: string }).activity_type
      : undefined;
    const activity = scheduled ?? local ?? undefined;
    return activity ? { type, activity } : { type };
  });
}

/** Workflow task failures and timeouts: a wedged or crashed workflow task leaves one of these. */
export function workflowTaskTrouble(history: HistoryEntry[]): string[] {
  return history
    .map((e) => e.type)
    .filter((t) => t === 'WORKFLOW_TASK_FAILED' || t === 'WORKFLOW_TASK_TIMED_OUT');
}

/** Tail recursion: neither the stack nor the heap grows, so only a deadline (or an abort) stops it. */
export const ENDLESS_EXPRESSION = '($f := function($x) { $f($x) }; $f(1))';
