import type { JsonValue } from '../../core/run-status.ts';
import type { TaskFileRecord } from './task-files.ts';

/** How much of a text or JSON file an agent's model reads inline (the rest is cut, and says so). */
const MAX_INLINE_TEXT_CHARS = 8_000;

/**
 * A job's `context` with the files of its message under `files`: `[{ id, name, media_type, size,
 * text? }]`, the text inlined for text/* and JSON files (the first MAX_INLINE_TEXT_CHARS characters,
 * with `truncated: true` when cut) so the model reads it. A context that is not an object is kept
 * under `data`. No files: the context as it was.
 */
export function agentContextWithFiles(
  context: JsonValue | null,
  files: readonly TaskFileRecord[],
): JsonValue | null {
  return files.length === 0 ? context : withFiles(context, files.map(agentFile));
}

/**
 * A run's `input_data` with the files of its message under `files`: `[{ name, media_type, size,
 * base64 }]`. Input that is not an object is kept under `data`. No files: the input as it was.
 */
export function workflowInputWithFiles(
  input: JsonValue | null,
  files: readonly TaskFileRecord[],
): JsonValue | null {
  if (files.length === 0) return input;
  return withFiles(
    input,
    files.map((f) => ({
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
