import { WorkflowDefinition } from '../../db/entities/index.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { Logger } from '../../infra/logger.ts';

/** Least time between two writes of one workflow's `last_run_at`; later stamps wait and coalesce. */
const LAST_RUN_WRITE_INTERVAL_MS = 1_000;

/**
 * Stamps workflows' `last_run_at`, best-effort and off the start's response path: a start hands its
 * stamp over and answers at once; a failed write is logged and never fails the start. A stamp is
 * written at once unless the workflow's last write was less than LAST_RUN_WRITE_INTERVAL_MS ago: the
 * stamps of that interval then coalesce into one write at its end (the newest wins). A busy workflow
 * so costs one UPDATE a second, not one per start: each is a commit and a row version that every
 * start's run insert reads past, and concurrent starts never queue on its row lock.
 */
export class LastRunRecorder {
  readonly #orm: MikroORM;
  readonly #log: Logger;
  readonly #intervalMs: number;
  /** Workflow id → the newest stamp not yet written. */
  readonly #pending = new Map<string, Date>();
  /** Workflow id → its writer, while one runs. */
  readonly #writers = new Map<string, Promise<void>>();
  /** Ends the writers' waits between writes, so a flush need not sit them out. */
  readonly #wakers = new Set<() => void>();
  /** Flushes under way: a writer then writes its next stamp without waiting. */
  #flushing = 0;

  constructor(orm: MikroORM, log: Logger, intervalMs = LAST_RUN_WRITE_INTERVAL_MS) {
    this.#orm = orm;
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  record(workflowId: string, at: Date): void {
    const queued = this.#pending.get(workflowId);
    if (!queued || queued < at) this.#pending.set(workflowId, at);
    if (!this.#writers.has(workflowId)) this.#writers.set(workflowId, this.#write(workflowId));
  }

  /** Resolves once every stamp recorded so far is written (or its failure logged), without waiting. */
  async flush(): Promise<void> {
    this.#flushing++;
    for (const wake of [...this.#wakers]) wake();
    try {
      while (this.#writers.size > 0) await Promise.all(this.#writers.values());
    } finally {
      this.#flushing--;
    }
  }

  async #write(workflowId: string): Promise<void> {
    for (let at = this.#pending.get(workflowId); at; at = this.#pending.get(workflowId)) {
      this.#pending.delete(workflowId);
      const wroteAt = Date.now();
      try {
        await this.#orm.em.fork().nativeUpdate(WorkflowDefinition, { id: workflowId }, { lastRunAt: at });
      } catch (err) {
        this.#log.warn({ err, workflowId }, 'could not record the workflow last_run_at');
      }
      // The writer stays for the rest of the interval, so the stamps of the starts meanwhile wait for it.
      await this.#pause(wroteAt + this.#intervalMs - Date.now());
    }
    this.#writers.delete(workflowId);
  }

  /** Waits `ms`, or less when a flush begins meanwhile. */
  #pause(ms: number): Promise<void> {
    if (ms <= 0 || this.#flushing > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      // Unreferenced: a stamp in waiting never keeps the process alive; a clean stop flushes it.
      const timer = setTimeout(wake, ms).unref();
      this.#wakers.add(wake);
    });
  }
}
