import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { ConformanceActivities } from '../core/agents/conformance.ts';
import type { AgentTurnInput, AgentTurnResult } from '../core/agents/turn-contract.ts';
import { JobInputs } from './job-input.ts';
import { finish, records, recordedTurn, recordsOf } from './job-turn.ts';

/**
 * A job of the conformance agent, `job:<jobId>`: plays the script its message picked
 * (core/agents/conformance.ts) on the same durable path as an agent turn. Every act is an activity
 * that records, then announces it; a question's reply picks the acts that follow it. Cancellation
 * and failure are recorded as agentTurn's are.
 */
export async function conformanceTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
  const { jobId } = input;
  const inputs = new JobInputs(records);
  const acts = recordsOf<ConformanceActivities>();
  return recordedTurn(jobId, async () => {
    const plan = await acts.beginConformanceTurn({ jobId });
    if (plan.ended) return { jobId, status: plan.status };
    let queue = [...plan.acts];
    // The job's steps are its questions, numbered from 1.
    let questions = 0;
    // Chunks recorded so far per artifact id: a retried chunk is recognised by its number.
    const chunks = new Map<string, number>();
    for (let act = queue.shift(); act; act = queue.shift()) {
      switch (act.do) {
        case 'artifact': {
          const chunk = act.append ? (chunks.get(act.artifact.id) ?? 0) : 0;
          chunks.set(act.artifact.id, chunk + 1);
          await acts.recordJobArtifact({ jobId, ...act, chunk });
          break;
        }
        case 'ask': {
          const reply = await inputs.ask(jobId, ++questions, act.question);
          queue = [...(await acts.followConformanceReply({ reply }))];
          break;
        }
        case 'work':
          await sleep(plan.workingMs);
          break;
        case 'complete':
          return finish(jobId, { status: 'success', finalMessage: act.message ?? '' });
        case 'fail':
          throw ApplicationFailure.nonRetryable(act.error, 'ConformanceTaskRejected');
      }
    }
    return { error: 'the conformance script ended without an outcome' };
  });
}
