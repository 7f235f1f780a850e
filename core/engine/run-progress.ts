import { defineQuery } from '@temporalio/workflow';
import type { NodeSpec } from '../dag/definition.ts';
import type { RunStatus } from '../run-status.ts';
import type { NodeFailureRecord } from './dag-contract.ts';

/** Where a run stands, as the `progress` query answers it. */
export interface RunProgressSnapshot {
  /** `pending` until the run's definition is loaded. */
  status: RunStatus;
  total: number;
  /** Nodes finished (succeeded or skipped). */
  done: number;
  skipped: number;
  /** Nodes in flight, in the order they started. */
  running: { id: string; type: string }[];
  failed: NodeFailureRecord[];
}

/** A run's progress; exported for clients (`handle.query(progressQuery)`). */
export const progressQuery = defineQuery<RunProgressSnapshot>('progress');

/**
 * Tracks a run's nodes for the `progress` query and the run's current details in the Temporal UI.
 * Pure: `onChange` is told after every change (the workflow passes it to setCurrentDetails).
 */
export class RunProgress {
  readonly #state: RunProgressSnapshot = {
    status: 'pending',
    total: 0,
    done: 0,
    skipped: 0,
    running: [],
    failed: [],
  };
  readonly #onChange: (progress: RunProgress) => void;

  constructor(onChange: (progress: RunProgress) => void) {
    this.#onChange = onChange;
  }

  begin(nodes: readonly Pick<NodeSpec, 'id'>[]): void {
    this.#state.status = 'running';
    this.#state.total = nodes.length;
    this.#onChange(this);
  }

  started(node: Pick<NodeSpec, 'id' | 'type'>): void {
    this.#state.running.push({ id: node.id, type: node.type });
    this.#onChange(this);
  }

  /** Nodes that finished: by themselves (success, skipped) or skipped because of an upstream skip. */
  finished(nodeIds: readonly string[], status: 'success' | 'skipped'): void {
    if (nodeIds.length === 0) return;
    this.#stopped(nodeIds);
    this.#state.done += nodeIds.length;
    if (status === 'skipped') this.#state.skipped += nodeIds.length;
    this.#onChange(this);
  }

  failed(failure: NodeFailureRecord): void {
    this.#stopped([failure.nodeId]);
    this.#state.failed.push(failure);
    this.#onChange(this);
  }

  /** A node that stopped without an outcome of its own (cancelled with the run or its siblings). */
  cancelled(nodeId: string): void {
    this.#stopped([nodeId]);
    this.#onChange(this);
  }

  /** The run's final status; whatever was still in flight was abandoned with it. */
  end(status: RunStatus): void {
    this.#state.status = status;
    this.#state.running = [];
    this.#onChange(this);
  }

  snapshot(): RunProgressSnapshot {
    const state = this.#state;
    return {
      ...state,
      running: state.running.map((n) => ({ ...n })),
      failed: state.failed.map((f) => ({ ...f })),
    };
  }

  /** Markdown for the Temporal UI's current details. */
  details(): string {
    const { status, total, done, skipped, running, failed } = this.#state;
    const lines = [`**${status}** · ${done} of ${total} nodes done${skipped ? ` (${skipped} skipped)` : ''}`];
    if (running.length) lines.push(`**in flight** ${running.map((n) => `${n.id} (${n.type})`).join(', ')}`);
    for (const f of failed) lines.push(`**failed** ${f.nodeId}: ${f.error}`);
    return lines.join('\n');
  }

  #stopped(nodeIds: readonly string[]): void {
    this.#state.running = this.#state.running.filter((n) => !nodeIds.includes(n.id));
  }
}
