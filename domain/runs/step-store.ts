import type { InferEntity } from '@mikro-orm/core';
import { buildRunContext, type RunContext } from '../../core/dag/run-context.ts';
import type { NodeSpec } from '../../core/dag/definition.ts';
import type { StepStatus } from '../../core/run-status.ts';
import { RunStep } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import { cancelLiveSteps, moveSteps, patchLiveStep, type StepPatch } from './run-state.ts';

type StepRow = InferEntity<typeof RunStep>;

/** Which step, and when its first attempt started (null: it never started). */
export interface StepRef {
  runId: string;
  nodeId: string;
  startedAt: Date | null | undefined;
}

export interface Snapshot {
  workspaceId: string;
  step: { status: StepStatus; startedAt: Date | null } | undefined;
  context: RunContext;
}

interface SnapshotRow {
  workspace_id: string;
  input_data: unknown;
  node_id: string | null;
  status: StepStatus | null;
  output: unknown;
  started_at: Date | string | null;
}

/**
 * Reads and writes of `run_steps` for the DAG activities. Every write is conditional on the step
 * still being live, so a late attempt (after a cancel or a failure was recorded) changes nothing.
 */
export class StepStore {
  readonly #em: EntityManager;

  constructor(em: EntityManager) {
    this.#em = em;
  }

  /** One pending row per node, created once when the run starts (a retry inserts nothing). */
  async createPending(runId: string, nodes: readonly NodeSpec[]): Promise<void> {
    const rows = nodes.map((node) =>
      this.#em.create(
        RunStep,
        { runId, nodeId: node.id, name: node.name ?? node.id, type: node.type, status: 'pending' },
        { persist: false },
      ),
    );
    await this.#em
      .createQueryBuilder(RunStep)
      .insert(rows)
      .onConflict(['runId', 'nodeId'])
      .ignore()
      .execute();
  }

  get(runId: string, nodeId: string): Promise<StepRow | null> {
    return this.#em.findOne(RunStep, { runId, nodeId });
  }

  /** Writes an attempt's fields; with `status`, moves the step as the state machine allows. */
  async update(runId: string, nodeId: string, patch: StepPatch & { status?: StepStatus }): Promise<boolean> {
    const { status, ...fields } = patch;
    if (status === undefined) return patchLiveStep(this.#em, runId, nodeId, fields);
    return (await moveSteps(this.#em, runId, [nodeId], status, fields)) > 0;
  }

  /** Marks a step finished now, with its duration measured from its first attempt. */
  finish(step: StepRef, status: StepStatus, patch: Omit<StepPatch, 'status'> = {}): Promise<boolean> {
    const finishedAt = new Date();
    const startedAt = step.startedAt ?? finishedAt;
    return this.update(step.runId, step.nodeId, {
      ...patch,
      status,
      startedAt,
      finishedAt,
      durationMs: finishedAt.getTime() - startedAt.getTime(),
    });
  }

  /** Steps that never ran: skipped now, without a start time. */
  async skip(runId: string, nodeIds: readonly string[]): Promise<void> {
    await moveSteps(this.#em, runId, nodeIds, 'skipped', { finishedAt: new Date() });
  }

  /**
   * In one query: the step's own state and what expressions see (the run's input and every
   * finished step's output and status). `nodeId` null reads the context only.
   */
  async snapshot(runId: string, nodeId: string | null): Promise<Snapshot> {
    const rows = await this.#em.getConnection().execute<SnapshotRow[]>(
      `select r.workspace_id, r.input_data, s.node_id, s.status, s.output, s.started_at
         from workflow_runs r
         left join run_steps s
           on s.run_id = r.id and (s.status in ('success', 'skipped') or s.node_id = ?)
        where r.id = ?`,
      [nodeId ?? '', runId],
      'all',
    );
    const first = rows[0];
    if (!first) throw new Error(`run ${runId} does not exist`);
    const steps = rows.flatMap((r) =>
      r.node_id === null ? [] : [{ nodeId: r.node_id, status: r.status!, output: r.output }],
    );
    const own = rows.find((r) => r.node_id !== null && r.node_id === nodeId);
    return {
      workspaceId: first.workspace_id,
      // The raw driver may hand timestamps back as text.
      step: own
        ? { status: own.status!, startedAt: own.started_at === null ? null : new Date(own.started_at) }
        : undefined,
      context: buildRunContext(first.input_data, steps),
    };
  }

  /** Closes every live step of a run (failed run or cancelled run) as `cancelled`. */
  cancelLive(runId: string, now: Date): Promise<void> {
    return cancelLiveSteps(this.#em, runId, now);
  }
}
