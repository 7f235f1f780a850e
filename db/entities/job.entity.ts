import { defineEntity, p } from '@mikro-orm/core';
import type { JobStatus, JsonValue, Source } from '../../core/run-status.ts';
import { JOB_STATUSES } from '../../core/run-status.ts';
import type { A2aOrigin, TaskArtifact } from '../../core/tasks/task-parts.ts';
import { createdAtColumn, idColumn } from './common.ts';

/** One agent turn (a chat message or an `agent` node); its Temporal workflow id is `job:<id>`. */
export const Job = defineEntity({
  name: 'Job',
  tableName: 'jobs',
  indexes: [
    { properties: ['workspaceId', 'createdAt'] },
    { properties: ['sessionId', 'createdAt'] },
    { properties: ['runId'] },
  ],
  uniques: [{ properties: ['workspaceId', 'idempotencyKey'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    /** A builtin id (`builtin:…`) or a custom agent's uuid. */
    agentId: p.string(),
    /** The custom agent's version the job is pinned to; null for builtins. */
    agentVersion: p.integer().nullable(),
    sessionId: p.uuid().nullable(),
    source: p.string().$type<Source | 'workflow'>(),
    apiKeyId: p.uuid().nullable(),
    /** Who is billed: the key's owner, or the owner of the run an `agent` node belongs to. */
    ownerId: p.uuid(),
    /** Set when an `agent` node of a run started the job. */
    runId: p.uuid().nullable(),
    nodeId: p.string().nullable(),
    /** `<provider>/<model>` the turn calls (the agent's, or the request's `model_id`). */
    model: p.string(),
    status: p.enum(JOB_STATUSES).$type<JobStatus>().default('pending'),
    message: p.text(),
    context: p.json<JsonValue>().nullable(),
    /** Tools offered to the model for this turn, fixed when it begins (MCP tools discovered then). */
    tools: p.json<JsonValue>().nullable(),
    finalMessage: p.text().nullable(),
    /** Outputs beyond the answer text (files, data); null when the answer is the only one. */
    artifacts: p.json<TaskArtifact[]>().nullable(),
    /** Set when the job came over A2A (its message id, and how to answer). */
    a2a: p.json<A2aOrigin>().nullable(),
    errorMessage: p.text().nullable(),
    idempotencyKey: p.string().nullable(),
    idempotencyHash: p.string().nullable(),
    createdAt: createdAtColumn(),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
    durationMs: p.integer().nullable(),
  },
});
