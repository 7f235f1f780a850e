import { isTerminal } from '../../core/run-status.ts';
import { cancelJob } from '../../domain/jobs/job-cancel.service.ts';
import { getJob, listJobs } from '../../domain/jobs/job-query.service.ts';
import type { JobView } from '../../domain/jobs/job-view.ts';
import { authOf } from '../../http/context.ts';
import { jobIdParams, jobListQuery, jobPageSchema, jobSchema } from '../jobs/job-schemas.ts';
import { endpoint } from './endpoint.ts';

/** Where a job can be read; sent as `Location` with a 202. */
function jobLocation(jobId: string): string {
  return `/api/v1/jobs/${jobId}`;
}

const GET_JOB_LINK = {
  operationId: 'getJob',
  description: 'Read this job, with its steps.',
  parameters: { job_id: '$response.body#/job_id' },
};

const getJobEndpoint = endpoint({
  method: 'get',
  path: '/jobs/:job_id',
  scope: 'agents',
  operationId: 'getJob',
  summary: 'An agent job with its steps and usage',
  params: jobIdParams,
  responses: { 200: { description: 'The job.', schema: jobSchema } },
}).handledBy(async (ctx, { params }, deps) => {
  return {
    status: 200,
    body: await getJob(deps.services.orm.em.fork(), authOf(ctx).workspaceId, params.job_id),
  };
});

const listJobsEndpoint = endpoint({
  method: 'get',
  path: '/jobs',
  scope: 'agents',
  operationId: 'listJobs',
  summary: "List the workspace's agent jobs, newest first, with cursor pagination",
  query: jobListQuery,
  responses: {
    200: {
      description: 'One page of jobs (without steps).',
      schema: jobPageSchema,
      links: {
        GetFirstJob: {
          operationId: 'getJob',
          description: 'Read the first job of the page, with its steps.',
          parameters: { job_id: '$response.body#/jobs/0/job_id' },
        },
        CancelFirstJob: {
          operationId: 'cancelJob',
          description: 'Cancel the first job of the page while it is pending or running.',
          parameters: { job_id: '$response.body#/jobs/0/job_id' },
        },
      },
    },
  },
}).handledBy(async (ctx, { query }, deps) => {
  const page = await listJobs(deps.services.orm.em.fork(), authOf(ctx).workspaceId, {
    agentId: query.agent_id,
    status: query.status,
    source: query.source,
    cursor: query.cursor,
    limit: query.limit,
  });
  return { status: 200, body: page };
});

/** 200 with the job once it has ended, else 202 with its current state and where to read it. */
function answerJob(job: JobView) {
  return isTerminal(job.status)
    ? { status: 200 as const, body: job }
    : { status: 202 as const, body: job, location: jobLocation(job.job_id) };
}

const cancelJobEndpoint = endpoint({
  method: 'post',
  path: '/jobs/:job_id/cancel',
  scope: 'agents',
  operationId: 'cancelJob',
  summary: 'Cancel a pending or running agent job',
  description:
    'Answers once the job has ended: 200 with the job (`cancelled`, or the status it reached ' +
    'before the cancellation took effect). A job still running after 10 s is answered with 202 ' +
    'and its current state. A job that is not pending or running is a 400 naming its status.',
  params: jobIdParams,
  responses: {
    200: { description: 'The job, ended (`cancelled`, or the status it reached first).', schema: jobSchema },
    202: {
      description: 'Cancellation requested; the job has not ended yet.',
      schema: jobSchema,
      location: true,
      links: { GetJob: GET_JOB_LINK },
    },
  },
  errors: [400],
}).handledBy(async (ctx, { params }, deps) => {
  return answerJob(await cancelJob(deps.services, authOf(ctx).workspaceId, params.job_id));
});

/** Agent job endpoints (scope `agents`). */
export const jobEndpoints = [listJobsEndpoint, getJobEndpoint, cancelJobEndpoint];
