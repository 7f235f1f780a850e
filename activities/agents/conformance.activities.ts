import {
  conformanceFollowUp,
  conformanceScript,
  type ConformanceActivities,
} from '../../core/agents/conformance.ts';
import type { JobEventPublisher } from './agent-turn.activities.ts';
import { isTerminal, type RunStatus } from '../../core/run-status.ts';
import type { JobStore } from '../../domain/jobs/job-store.ts';

export interface ConformanceDeps {
  readonly store: () => JobStore;
  /** The job-event publisher every job activity uses (pushes hook in there). */
  readonly publish: JobEventPublisher;
  /** How long the long-running script stays working (CONFORMANCE_WORKING_MS). */
  readonly workingMs: number;
}

/** The conformance agent's own activities (workflows/conformance-turn.workflow.ts). */
export function createConformanceActivities(deps: ConformanceDeps): ConformanceActivities {
  return {
    async beginConformanceTurn({ jobId }) {
      const jobs = deps.store();
      const job = await jobs.load(jobId);
      if (!job) return { ended: true, status: 'failed' };
      if (isTerminal(job.status))
        return { ended: true, status: job.status as Exclude<RunStatus, 'pending' | 'running'> };
      const script = conformanceScript(job.a2a?.message_id, job.message);
      if (script.replyAsMessage) await jobs.replyAsMessage(jobId);
      // Running (and announced) before any artifact: a stream shows `working` first.
      if (job.status === 'pending') {
        const moved = (await jobs.begin(jobId, [])) === 'running';
        if (moved) await deps.publish(jobId, { type: 'status', status: 'running' });
      }
      return { ended: false, acts: script.acts, workingMs: deps.workingMs };
    },

    // An activity, not workflow code: the scripts stay data a change of which replays unguarded.
    async followConformanceReply({ reply }) {
      return conformanceFollowUp(reply);
    },

    async recordJobArtifact({ jobId, artifact, append, lastChunk, chunk }) {
      if (await deps.store().addArtifact(jobId, artifact, { append, chunk })) {
        deps.publish(jobId, { type: 'artifact', artifact, append, lastChunk });
      }
    },
  };
}
