import type { NodeSpec } from './definition.ts';

/** What scheduling reads of a node: a whole NodeSpec or the workflow's PlannedNode. */
export type SchedulableNode = Pick<NodeSpec, 'id' | 'needs'>;

/** Where a node is in one run, as the interpreter tracks it. */
export type NodeProgress = 'pending' | 'running' | 'success' | 'skipped';

/**
 * Pure scheduling state of one run: which nodes are ready, which are skipped because an upstream
 * was skipped. The workflow drives it; unit tests drive it without Temporal. Assumes a validated
 * (acyclic, no dangling `needs`) graph.
 */
export class DagSchedule<N extends SchedulableNode = SchedulableNode> {
  readonly #nodes: readonly N[];
  readonly #progress = new Map<string, NodeProgress>();

  constructor(nodes: readonly N[]) {
    this.#nodes = nodes;
    for (const node of nodes) this.#progress.set(node.id, 'pending');
  }

  progress(id: string): NodeProgress | undefined {
    return this.#progress.get(id);
  }

  /** Marks every pending node below a skipped one as skipped (transitively) and returns their ids. */
  propagateSkips(): string[] {
    const skipped: string[] = [];
    let changed = true;
    while (changed) {
      changed = false;
      for (const node of this.#nodes) {
        if (this.#progress.get(node.id) !== 'pending') continue;
        if ((node.needs ?? []).some((need) => this.#progress.get(need) === 'skipped')) {
          this.#progress.set(node.id, 'skipped');
          skipped.push(node.id);
          changed = true;
        }
      }
    }
    return skipped;
  }

  /** Pending nodes whose upstream all succeeded, in definition order. */
  ready(): N[] {
    return this.#nodes.filter(
      (node) =>
        this.#progress.get(node.id) === 'pending' &&
        (node.needs ?? []).every((need) => this.#progress.get(need) === 'success'),
    );
  }

  start(id: string): void {
    this.#expect(id, 'pending');
    this.#progress.set(id, 'running');
  }

  finish(id: string, status: 'success' | 'skipped'): void {
    this.#expect(id, 'running');
    this.#progress.set(id, status);
  }

  /** True once nothing is pending or running. */
  get done(): boolean {
    for (const p of this.#progress.values()) if (p === 'pending' || p === 'running') return false;
    return true;
  }

  #expect(id: string, progress: NodeProgress): void {
    const actual = this.#progress.get(id);
    if (actual !== progress) throw new Error(`node "${id}" is ${actual ?? 'unknown'}, expected ${progress}`);
  }
}

/** Nodes no other node needs: their outputs make the default run output. */
export function sinkNodeIds(nodes: readonly SchedulableNode[]): string[] {
  const needed = new Set(nodes.flatMap((node) => node.needs ?? []));
  return nodes.filter((node) => !needed.has(node.id)).map((node) => node.id);
}
