import { type Artifact, type Message, type Part, Role } from '@a2a-js/sdk';
import type { TaskArtifact, TaskPart } from '../../core/tasks/task-parts.ts';

/** The one artifact that carries an agent's answer text, in the snapshot and in its streamed chunks. */
export const ANSWER_ARTIFACT_ID = 'answer';
/** The artifact that carries a workflow run's output. */
export const OUTPUT_ARTIFACT_ID = 'output';

const EMPTY_PART = { metadata: undefined, filename: '', mediaType: '' } as const;

export function textPart(text: string): Part {
  return { ...EMPTY_PART, content: { $case: 'text', value: text }, mediaType: 'text/plain' };
}

export function dataPart(data: unknown): Part {
  return { ...EMPTY_PART, content: { $case: 'data', value: data }, mediaType: 'application/json' };
}

/** A task part as the protocol's part: inline files travel as bytes, linked ones as their url. */
export function protocolPart(part: TaskPart): Part {
  switch (part.kind) {
    case 'text':
      return textPart(part.text);
    case 'data':
      return dataPart(part.data);
    case 'file':
      return {
        metadata: undefined,
        filename: part.name ?? '',
        mediaType: part.mediaType ?? 'application/octet-stream',
        content:
          part.base64 !== undefined
            ? { $case: 'raw', value: Buffer.from(part.base64, 'base64') }
            : { $case: 'url', value: part.url ?? '' },
      };
  }
}

export function protocolArtifact(artifact: TaskArtifact): Artifact {
  return {
    artifactId: artifact.id,
    name: artifact.name ?? '',
    description: '',
    parts: artifact.parts.map(protocolPart),
    metadata: undefined,
    extensions: [],
  };
}

/** An artifact of text parts, e.g. the answer or one streamed chunk of it. */
export function textArtifact(id: string, text: string): Artifact {
  return protocolArtifact({ id, name: id, parts: [{ kind: 'text', text }] });
}

export function protocolMessage(
  role: 'user' | 'agent',
  ids: { messageId: string; taskId: string; contextId: string },
  parts: Part[],
): Message {
  return {
    ...ids,
    role: role === 'user' ? Role.ROLE_USER : Role.ROLE_AGENT,
    parts,
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}
