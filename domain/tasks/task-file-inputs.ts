import type { JsonValue } from '../../core/run-status.ts';
import {
  storeTaskFiles,
  type IncomingFile,
  type TaskFileRecord,
  type TaskFileServices,
} from './task-files.ts';

/** How much of a text or JSON file an agent's model reads inline (the rest is cut, and says so). */
const MAX_INLINE_TEXT_CHARS = 8_000;

/**
 * Stores the files of a message to an agent and returns the job's `context` with them under `files`:
 * `[{ id, name, media_type, size, text? }]`, the text inlined for text/* and JSON files (the first
 * MAX_INLINE_TEXT_CHARS characters, with `truncated: true` when cut) so the model reads it. A context
 * that is not an object is kept under `data`. No files: the context as it was.
 */
export async function agentContextWithFiles(
  services: TaskFileServices,
  workspaceId: string,
  jobId: string,
  context: JsonValue | null,
  files: readonly IncomingFile[],
): Promise<JsonValue | null> {
  if (files.length === 0) return context;
  const stored = await storeTaskFiles(services, workspaceId, jobId, files);
  return withFiles(context, stored.map(agentFile));
}

/**
 * Stores the files of a message to a workflow and returns its `input_data` with them under `files`:
 * `[{ name, media_type, size, base64 }]`. Input that is not an object is kept under `data`.
 */
export async function workflowInputWithFiles(
  services: TaskFileServices,
  workspaceId: string,
  runId: string,
  input: JsonValue | null,
  files: readonly IncomingFile[],
): Promise<JsonValue | null> {
  if (files.length === 0) return input;
  const stored = await storeTaskFiles(services, workspaceId, runId, files);
  return withFiles(
    input,
    stored.map((f) => ({
      name: f.name,
      media_type: f.media_type,
      size: f.size,
      base64: f.content.toString('base64'),
    })),
  );
}

function agentFile(file: TaskFileRecord): JsonValue {
  const ref = { id: file.id, name: file.name, media_type: file.media_type, size: file.size };
  if (!isText(file.media_type)) return ref;
  const text = new TextDecoder().decode(file.content);
  return text.length > MAX_INLINE_TEXT_CHARS
    ? { ...ref, text: text.slice(0, MAX_INLINE_TEXT_CHARS), truncated: true }
    : { ...ref, text };
}

/** Media types a model can read as text: text/*, JSON and its `+json` kin. */
function isText(mediaType: string): boolean {
  const type = mediaType.toLowerCase();
  return type.startsWith('text/') || type === 'application/json' || type.endsWith('+json');
}

function withFiles(value: JsonValue | null, files: JsonValue[]): JsonValue {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ...value, files };
  return value === null ? { files } : { data: value, files };
}
