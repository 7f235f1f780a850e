// A child run's own deadline (its `workflow` node's `timeout_seconds`), kept by the child itself so it
// records its end like any other failure instead of being closed by the server unrecorded.
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/**
 * Patch: the parent passes the deadline in the child's input and the child keeps it with a timer;
 * before it, the deadline was the child's `workflowExecutionTimeout`.
 */
export const CHILD_DEADLINE_PATCH = 'child-run-deadline';

/**
 * How long past its own deadline the server still lets a child run live (its execution timeout):
 * room to cancel its nodes and record its end, even through a short Postgres outage. Only a child
 * whose workers never come back reaches it; the reconciler then records that run.
 */
export const DEADLINE_BACKSTOP_MS = 5 * 60_000;

/** A run's deadline; `seconds` undefined: no deadline. */
export class RunDeadline {
  readonly seconds: number | undefined;
  #expired = false;

  constructor(seconds: number | undefined) {
    this.seconds = seconds;
  }

  /** The run's and its parent's error: `timed out after N s`. */
  get message(): string {
    return `timed out after ${this.seconds} s`;
  }

  /**
   * Runs `work`; when the durable timer fires first, `work` is cancelled (its nodes with it) and
   * rejects with a cancellation that `endedBy` recognises.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.seconds === undefined) return work();
    const seconds = this.seconds;
    const scope = new CancellationScope();
    const timer = new CancellationScope();
    timer
      .run(() => sleep(seconds * 1000, { summary: `run deadline ${seconds}s` }))
      .then(
        () => {
          this.#expired = true;
          scope.cancel();
        },
        // The run ended first (the timer is cancelled below) or was cancelled itself.
        () => undefined,
      );
    try {
      return await scope.run(work);
    } finally {
      timer.cancel();
    }
  }

  /** True when `err` is the deadline's doing, not a cancellation of the run itself. */
  endedBy(err: unknown): boolean {
    return this.#expired && isCancellation(err) && !CancellationScope.current().consideredCancelled;
  }
}
