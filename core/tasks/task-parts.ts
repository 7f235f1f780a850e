import type { JsonValue } from '../run-status.ts';

/**
 * What a task (a job or a run) hands back beyond its answer text, protocol-neutral: the A2A adapter
 * shows each as an artifact. Written by the worker, so it lives in core (workflow code may name it).
 */
export type TaskPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'data'; readonly data: JsonValue }
  | {
      readonly kind: 'file';
      readonly name?: string;
      readonly mediaType?: string;
      /** Inline content, base64; or `url` for a file the task points at. */
      readonly base64?: string;
      readonly url?: string;
    };

export interface TaskArtifact {
  /** Stable within the task: a chunked artifact's chunks share it. */
  readonly id: string;
  readonly name?: string;
  readonly parts: readonly TaskPart[];
}

/**
 * How a task met A2A (stored as `a2a` on the job or run): the client's message id and context id, and
 * whether the agent answers with a bare Message instead of a Task (the conformance agent can).
 */
export interface A2aOrigin {
  readonly message_id?: string;
  readonly context_id?: string;
  readonly reply_as_message?: boolean;
}
