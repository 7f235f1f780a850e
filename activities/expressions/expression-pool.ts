import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  EvalRequest,
  EvalResponse,
  ExpressionJob,
  ExpressionResult,
  ReadyMessage,
} from './expression-job.ts';

const PROCESS_PATH = fileURLToPath(new URL('./expression-process.ts', import.meta.url));
/** A process not ready this long after its fork is given up (a job waits meanwhile, never on a clock). */
const BOOT_TIMEOUT_MS = 30_000;

export interface ExpressionPoolOptions {
  /** Processes evaluating at once; more jobs wait in a queue. */
  size: number;
  /** A job still running after this is killed with its process. */
  timeoutMs: number;
  /** Heap of each process; exceeding it kills that process, never the worker. */
  maxMemoryMb: number;
  /** Largest JSON result a job may return. */
  maxResultBytes: number;
  /** Jobs one workspace may have waiting; the next one is refused, so a flood cannot grow memory. */
  maxQueuedPerWorkspace: number;
}

export interface EvaluateOptions {
  /** Whose job it is: waiting jobs are served round-robin across workspaces. */
  workspaceId: string;
  /** Aborted (activity cancelled or timed out): a waiting job leaves the queue, a running one is killed. */
  signal?: AbortSignal;
}

/** Thrown when an expression cannot be evaluated: invalid, too slow, too big. Never worth a retry. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

interface Task {
  id: number;
  job: ExpressionJob;
  workspaceId: string;
  resolve(result: ExpressionResult): void;
  reject(err: Error): void;
  /** Detaches the abort listener once the task is settled. */
  release(): void;
}

interface Slot {
  child: ChildProcess;
  /** Its modules are loaded: jobs go only to ready processes, so boot time never counts as a job's. */
  ready: boolean;
  task?: Task;
  /** The running job's deadline, or the boot deadline before the process is ready. */
  timer?: NodeJS.Timeout;
}

/**
 * Evaluates JSONata outside the worker process, in small long-lived child processes with a heap cap
 * and a deadline per job. A process that runs over is killed and replaced; its job fails with an
 * ExpressionError naming the limit. Waiting jobs queue per workspace (FIFO within one) and free
 * processes take them round-robin across workspaces, so one workspace's backlog of slow
 * expressions delays another workspace by at most one job per process, not by the whole backlog.
 */
export class ExpressionPool {
  readonly #options: ExpressionPoolOptions;
  readonly #slots = new Set<Slot>();
  /** Waiting jobs by workspace; the map's order is the round-robin turn (served ones move last). */
  readonly #queues = new Map<string, Task[]>();
  #nextId = 1;
  #closed = false;

  constructor(options: ExpressionPoolOptions) {
    this.#options = options;
  }

  evaluate(job: ExpressionJob, { workspaceId, signal }: EvaluateOptions): Promise<ExpressionResult> {
    if (this.#closed) return Promise.reject(new Error('expression pool is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const queue = this.#queues.get(workspaceId) ?? [];
    if (queue.length >= this.#options.maxQueuedPerWorkspace) {
      // Retryable on purpose: the backlog drains, a later attempt may get in.
      return Promise.reject(
        new Error(`too many expressions waiting in this workspace (${queue.length}); try again later`),
      );
    }
    return new Promise((resolve, reject) => {
      const task: Task = { id: this.#nextId++, job, workspaceId, resolve, reject, release: () => {} };
      if (signal) {
        const onAbort = () => this.#abandon(task, abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        task.release = () => signal.removeEventListener('abort', onAbort);
      }
      queue.push(task);
      this.#queues.set(workspaceId, queue);
      this.#dispatch();
    });
  }

  /** Jobs waiting for a process, by workspace (for tests and diagnostics). */
  queued(): Record<string, number> {
    return Object.fromEntries([...this.#queues].map(([workspaceId, tasks]) => [workspaceId, tasks.length]));
  }

  close(): void {
    this.#closed = true;
    const waiting = [...this.#queues.values()].flat();
    this.#queues.clear();
    for (const task of waiting) this.#fail(task, new Error('expression pool is closed'));
    for (const slot of [...this.#slots]) this.#discard(slot, new Error('expression pool is closed'));
  }

  #dispatch(): void {
    while (this.#queues.size) {
      const slot = [...this.#slots].find((s) => s.ready && !s.task);
      if (!slot) return this.#grow();
      const task = this.#next();
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

  /** Takes the oldest job of the workspace whose turn it is, and passes the turn on. */
  #next(): Task {
    const [workspaceId, queue] = this.#queues.entries().next().value!;
    const task = queue.shift()!;
    this.#queues.delete(workspaceId);
    if (queue.length) this.#queues.set(workspaceId, queue);
    return task;
  }

  /** An aborted job: out of the queue if it waits, its process killed if it runs. */
  #abandon(task: Task, reason: Error): void {
    const slot = [...this.#slots].find((s) => s.task === task);
    if (slot) return this.#discard(slot, reason);
    const queue = this.#queues.get(task.workspaceId);
    const at = queue?.indexOf(task) ?? -1;
    if (at < 0) return;
    queue!.splice(at, 1);
    if (queue!.length === 0) this.#queues.delete(task.workspaceId);
    this.#fail(task, reason);
  }

  #fail(task: Task, reason: Error): void {
    task.release();
    task.reject(reason);
  }

  /** Boots processes, up to the pool size, while more jobs wait than processes are booting. */
  #grow(): void {
    const waiting = [...this.#queues.values()].reduce((sum, queue) => sum + queue.length, 0);
    let booting = [...this.#slots].filter((s) => !s.ready).length;
    while (booting < waiting && this.#spawn()) booting++;
  }

  #spawn(): boolean {
    if (this.#closed || this.#slots.size >= this.#options.size) return false;
    const child = fork(PROCESS_PATH, [], {
      execArgv: [`--max-old-space-size=${this.#options.maxMemoryMb}`, '--max-semi-space-size=4'],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
    });
    const slot: Slot = { child, ready: false };
    slot.timer = setTimeout(
      () => this.#discard(slot, new ExpressionError('expression process did not start')),
      BOOT_TIMEOUT_MS,
    );
    child.on('message', (message: EvalResponse | ReadyMessage) => {
      if (!('ready' in message)) return this.#settle(slot, message);
      clearTimeout(slot.timer);
      slot.ready = true;
      this.#dispatch();
    });
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
    return true;
  }

  #settle(slot: Slot, response: EvalResponse): void {
    const task = slot.task;
    if (!task || task.id !== response.id) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    task.release();
    if (response.ok) task.resolve(JSON.parse(response.json) as ExpressionResult);
    else task.reject(new ExpressionError(response.message));
    this.#dispatch();
  }

  /**
   * Fails the slot's task with `reason`, kills its process and lets the queue move on. A process that
   * died booting fails the next waiting job instead, so a process that cannot start fails jobs rather
   * than being forked again and again.
   */
  #discard(slot: Slot, reason: Error): void {
    if (!this.#slots.delete(slot)) return;
    clearTimeout(slot.timer);
    if (slot.task) this.#fail(slot.task, reason);
    else if (!slot.ready && this.#queues.size && !this.#closed) this.#fail(this.#next(), reason);
    slot.task = undefined;
    slot.child.kill('SIGKILL');
    this.#dispatch();
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('expression evaluation cancelled');
}
