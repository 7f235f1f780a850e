import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import {
  provideJobInputUpdate,
  type JobInput,
  type JobInputActivities,
} from '../core/agents/turn-contract.ts';

/** Guards the agent turn's pause for `request_input` (docs/workflow-code-changes.md). */
export const INPUT_REQUIRED_PATCH = 'agent-turn-input-required';

/**
 * A job's durable wait for its caller: `ask` marks the job `input_required` and waits, bounded, for the
 * `provideJobInput` update. The handler is set when the workflow starts, so an update that comes when
 * nothing is asked is rejected by its validator instead of waiting for a handler; the update completes
 * once the reply is recorded, so its caller then reads the job `running` again.
 */
export class JobInputs {
  readonly #records: () => JobInputActivities;
  #waiting = false;
  #reply: JobInput | undefined;
  /** Questions asked so far, and how many of their replies are recorded. */
  #asked = 0;
  #recorded = 0;

  constructor(records: () => JobInputActivities) {
    this.#records = records;
    setHandler(
      provideJobInputUpdate,
      async (input) => {
        this.#reply = input;
        const round = this.#asked;
        await condition(() => this.#recorded >= round);
      },
      {
        validator: (_input: JobInput) => {
          if (!this.#waiting || this.#reply) throw new Error('the job is not waiting for input');
        },
      },
    );
  }

  /** Asks `question` as step `seq` and answers the reply; fails the job when none comes in time. */
  async ask(jobId: string, seq: number, question: string): Promise<JobInput> {
    // Waiting before the job is marked: whoever sees `input_required` may already reply.
    this.#waiting = true;
    this.#asked++;
    let reply: JobInput;
    try {
      const { timeoutMs } = await this.#records().pauseJobForInput({ jobId, seq, question });
      if (!(await condition(() => this.#reply !== undefined, timeoutMs))) {
        throw ApplicationFailure.nonRetryable(
          `no reply to the agent's question came within ${timeoutMs / 1000} s (JOB_INPUT_TIMEOUT_MS)`,
          'JobInputTimedOut',
        );
      }
      reply = this.#reply!;
    } finally {
      this.#waiting = false;
      this.#reply = undefined;
    }
    await this.#records().resumeJobWithInput({ jobId, seq, input: reply });
    this.#recorded++;
    return reply;
  }
}
