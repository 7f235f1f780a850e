import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EvalRequest, EvalResponse, ExpressionJob, ExpressionResult } from './expression-job.ts';

const PROCESS_PATH = fileURLToPath(new URL('./expression-process.ts', import.meta.url));

export interface ExpressionPoolOptions {
  /** Processes evaluating at once; more jobs wait in a queue. */
  size: number;
  /** A job still running after this is killed with its process. */
  timeoutMs: number;
  /** Heap of each process; exceeding it kills that process, never the worker. */
  maxMemoryMb: number;
  /** Largest JSON result a job may return. */
  maxResultBytes: number;
}

/** Thrown when an expression cannot be evaluated: invalid, too slow, too big. Never worth a retry. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

interface Task {
  id: number;
  job: ExpressionJob;
  resolve(result: ExpressionResult): void;
  reject(err: Error): void;
}

interface Slot {
  child: ChildProcess;
  task?: Task;
  timer?: NodeJS.Timeout;
}

/**
 * Evaluates JSONata outside the worker process, in small long-lived child processes with a heap cap
 * and a deadline per job. A process that runs over is killed and replaced; its job fails with an
 * ExpressionError naming the limit.
 */
export class ExpressionPool {
  readonly #options: ExpressionPoolOptions;
  readonly #slots = new Set<Slot>();
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: ExpressionPoolOptions) {
    this.#options = options;
  }

  evaluate(job: ExpressionJob): Promise<ExpressionResult> {
    if (this.#closed) return Promise.reject(new Error('expression pool is closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, job, resolve, reject });
      this.#dispatch();
    });
  }

  close(): void {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new Error('expression pool is closed'));
    for (const slot of [...this.#slots]) this.#discard(slot, new Error('expression pool is closed'));
  }

  #dispatch(): void {
    while (this.#queue.length) {
      const slot = [...this.#slots].find((s) => !s.task) ?? this.#spawn();
      if (!slot) return;
      const task = this.#queue.shift()!;
      slot.task = task;
      slot.timer = setTimeout(() => {
        this.#discard(slot, new ExpressionError(`expression timed out after ${this.#options.timeoutMs} ms`));
      }, this.#options.timeoutMs);
      const request: EvalRequest = {
        id: task.id,
        job: task.job,
        maxResultBytes: this.#options.maxResultBytes,
      };
      slot.child.send(request, (err) => {
        if (err) this.#discard(slot, new ExpressionError(`expression process unreachable: ${err.message}`));
      });
    }
  }

  #spawn(): Slot | undefined {
    if (this.#closed || this.#slots.size >= this.#options.size) return undefined;
    const child = fork(PROCESS_PATH, [], {
      execArgv: [`--max-old-space-size=${this.#options.maxMemoryMb}`, '--max-semi-space-size=4'],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = { child };
    child.on('message', (response: EvalResponse) => this.#settle(slot, response));
    child.on('exit', (_code, signal) => {
      const reason =
        signal === 'SIGABRT' || signal === 'SIGTRAP'
          ? `expression exceeded the ${this.#options.maxMemoryMb} MB memory limit`
          : `expression process exited (${signal ?? 'no signal'})`;
      this.#discard(slot, new ExpressionError(reason));
    });
    child.on('error', (err) =>
      this.#discard(slot, new ExpressionError(`expression process failed: ${err.message}`)),
    );
    // Idle processes must not keep a stopping worker alive.
    child.unref();
    child.channel?.unref();
    this.#slots.add(slot);
    return slot;
  }

  #settle(slot: Slot, response: EvalResponse): void {
    const task = slot.task;
    if (!task || task.id !== response.id) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    if (response.ok) task.resolve(JSON.parse(response.json) as ExpressionResult);
    else task.reject(new ExpressionError(response.message));
    this.#dispatch();
  }

  /** Fails the slot's task (if any) with `reason`, kills its process and lets the queue move on. */
  #discard(slot: Slot, reason: Error): void {
    if (!this.#slots.delete(slot)) return;
    clearTimeout(slot.timer);
    slot.task?.reject(reason);
    slot.task = undefined;
    slot.child.kill('SIGKILL');
    this.#dispatch();
  }
}
