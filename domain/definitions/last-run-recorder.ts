import { WorkflowDefinition } from '../../db/entities/index.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { Logger } from '../../infra/logger.ts';

/**
 * Stamps workflows' `last_run_at`, best-effort and off the start's response path: a start hands its
 * stamp over and answers at once; a failed write is logged and never fails the start. At most one
 * UPDATE per workflow is in flight: stamps that arrive meanwhile coalesce into the next write (the
 * newest wins), so a busy workflow costs a write per round trip, not one per start, and concurrent
 * starts never queue on its row lock.
 */
export class LastRunRecorder {
  readonly #orm: MikroORM;
  readonly #log: Logger;
  /** Workflow id → the newest stamp not yet written. */
  readonly #pending = new Map<string, Date>();
  /** Workflow id → its writer, while one runs. */
  readonly #writers = new Map<string, Promise<void>>();

  constructor(orm: MikroORM, log: Logger) {
    this.#orm = orm;
    this.#log = log;
  }

  record(workflowId: string, at: Date): void {
    const queued = this.#pending.get(workflowId);
    if (!queued || queued < at) this.#pending.set(workflowId, at);
    if (!this.#writers.has(workflowId)) this.#writers.set(workflowId, this.#write(workflowId));
  }

  /** Resolves once every stamp recorded so far is written (or its failure logged). */
  async flush(): Promise<void> {
    while (this.#writers.size > 0) await Promise.all(this.#writers.values());
  }

  async #write(workflowId: string): Promise<void> {
    for (let at = this.#pending.get(workflowId); at; at = this.#pending.get(workflowId)) {
      this.#pending.delete(workflowId);
      try {
        await this.#orm.em.fork().nativeUpdate(WorkflowDefinition, { id: workflowId }, { lastRunAt: at });
      } catch (err) {
        this.#log.warn({ err, workflowId }, 'could not record the workflow last_run_at');
      }
    }
    this.#writers.delete(workflowId);
  }
}
