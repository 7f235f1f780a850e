import { defineEntity, p } from '@mikro-orm/core';
import { createdAtColumn, idColumn } from './common.ts';

/** A file a caller sent with a task (an A2A file part: inline bytes, or a URL fetched through the guard). */
export const TaskFile = defineEntity({
  name: 'TaskFile',
  tableName: 'task_files',
  indexes: [{ properties: ['taskId'] }],
  properties: {
    id: idColumn(),
    workspaceId: p.uuid(),
    /** The job or run id the file was sent to. */
    taskId: p.uuid(),
    name: p.string().nullable(),
    mediaType: p.string(),
    size: p.integer(),
    /** Where it was fetched from, when the caller sent a URL. */
    sourceUrl: p.text().nullable(),
    content: p.blob(),
    createdAt: createdAtColumn(),
  },
});
