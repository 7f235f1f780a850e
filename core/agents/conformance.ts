import type { TaskArtifact } from '../tasks/task-parts.ts';
import type { JobInput, TurnPlan } from './turn-contract.ts';

/**
 * The conformance agent: model-free and deterministic, so A2A clients (the official test kit among
 * them) can drive a known behaviour through the message they send. Pure data and logic: the
 * `conformanceTurn` workflow plays a script, its activities record each act.
 */
export const CONFORMANCE_AGENT_ID = 'builtin:conformance';
/** Workflow type of the conformance agent's jobs; its id is `job:<job_id>` like every job. */
export const CONFORMANCE_TURN_WORKFLOW = 'conformanceTurn';

/** One thing the script does, in order; the job is `running` before the first. */
export type ConformanceAct =
  | {
      readonly do: 'artifact';
      readonly artifact: TaskArtifact;
      readonly append: boolean;
      readonly lastChunk: boolean;
    }
  /** Waits `input_required` with this question; the reply picks what follows (conformanceFollowUp). */
  | { readonly do: 'ask'; readonly question: string }
  /** Stays working for CONFORMANCE_WORKING_MS (a long-running task to resubscribe to). */
  | { readonly do: 'work' }
  /** Succeeds with this final message (none: empty). */
  | { readonly do: 'complete'; readonly message?: string }
  | { readonly do: 'fail'; readonly error: string };

export interface ConformanceScript {
  /** The prefix that picked it, `ask` or `echo`. */
  readonly name: string;
  readonly acts: readonly ConformanceAct[];
  /** The answer is a bare A2A Message rather than a task. */
  readonly replyAsMessage?: boolean;
}

const text = (id: string, value: string): ConformanceAct => ({
  do: 'artifact',
  artifact: { id, parts: [{ kind: 'text', text: value }] },
  append: false,
  lastChunk: true,
});
const file: ConformanceAct = {
  do: 'artifact',
  artifact: {
    id: 'output-file',
    parts: [{ kind: 'file', name: 'output.txt', mediaType: 'text/plain', base64: 'dGNr' /* "tck" */ }],
  },
  append: false,
  lastChunk: true,
};
const done: ConformanceAct = { do: 'complete' };
const ask: ConformanceAct = { do: 'ask', question: 'What should I echo?' };
const echo = (message: string): ConformanceScript => ({ name: 'echo', acts: [{ do: 'complete', message }] });

/** The scripts of the official A2A test kit's reference agent, by message id prefix (longest first). */
const SCRIPTS: readonly [prefix: string, acts: readonly ConformanceAct[], replyAsMessage?: boolean][] = [
  [
    'tck-stream-artifact-chunked',
    [
      {
        do: 'artifact',
        artifact: { id: 'chunked', parts: [{ kind: 'text', text: 'chunk-1 ' }] },
        append: true,
        lastChunk: false,
      },
      {
        do: 'artifact',
        artifact: { id: 'chunked', parts: [{ kind: 'text', text: 'chunk-2' }] },
        append: true,
        lastChunk: true,
      },
      done,
    ],
  ],
  ['tck-stream-artifact-text', [text('streamed-text', 'Streamed text content'), done]],
  ['tck-stream-artifact-file', [file, done]],
  ['tck-stream-ordering-001', [text('ordered', 'Ordered output'), done]],
  ['tck-stream-001', [text('stream-hello', 'Stream hello from TCK'), done]],
  ['tck-stream-002', [done]],
  ['tck-stream-003', [text('stream-lifecycle', 'Stream task lifecycle'), done]],
  ['test-resubscribe-message-id', [{ do: 'work' }, done]],
  [
    'tck-artifact-file-url',
    [
      {
        do: 'artifact',
        artifact: {
          id: 'output-url',
          parts: [
            {
              kind: 'file',
              name: 'output.txt',
              mediaType: 'text/plain',
              url: 'https://example.com/output.txt',
            },
          ],
        },
        append: false,
        lastChunk: true,
      },
      done,
    ],
  ],
  ['tck-artifact-file', [file, done]],
  ['tck-artifact-text', [text('text', 'Generated text content'), done]],
  [
    'tck-artifact-data',
    [
      {
        do: 'artifact',
        artifact: { id: 'data', parts: [{ kind: 'data', data: { key: 'value', count: 42 } }] },
        append: false,
        lastChunk: true,
      },
      done,
    ],
  ],
  ['tck-message-response', [{ do: 'complete', message: 'Direct message response' }], true],
  ['tck-complete-task', [{ do: 'complete', message: 'Hello from TCK' }]],
  ['tck-input-required', [ask]],
  ['tck-reject-task', [{ do: 'fail', error: 'rejected' }]],
];

/**
 * The script for a message: picked by the A2A message id's prefix, asking when none matches (the test
 * kit cancels and continues such tasks, so they must not end); without a message id (a REST chat), by
 * the message text's first word, echoing the message when none matches.
 */
export function conformanceScript(messageId: string | undefined, message: string): ConformanceScript {
  const key = messageId ?? message.trim().split(/\s+/, 1)[0] ?? '';
  const found = SCRIPTS.find(([prefix]) => key.startsWith(prefix));
  if (!found) return messageId === undefined ? echo(message) : { name: 'ask', acts: [ask] };
  const [name, acts, replyAsMessage] = found;
  return { name, acts, ...(replyAsMessage ? { replyAsMessage } : {}) };
}

/**
 * What follows a reply to the agent's question: over A2A, the script the reply's message id picks
 * (the task is already one, so never a bare message); a REST reply is echoed.
 */
export function conformanceFollowUp(reply: JobInput): readonly ConformanceAct[] {
  if (reply.messageId === undefined) return echo(reply.message).acts;
  return conformanceScript(reply.messageId, reply.message).acts;
}

/** The activities of `conformanceTurn` besides the shared job ones (finishAgentTurn, the input pair). */
export interface ConformanceActivities {
  /** Marks the job running and picks its script; `ended` when the job already ended (cancelled early). */
  beginConformanceTurn(input: {
    jobId: string;
  }): Promise<
    Extract<TurnPlan, { ended: true }> | { ended: false; acts: readonly ConformanceAct[]; workingMs: number }
  >;
  /** The acts that follow a reply to the agent's question (conformanceFollowUp). */
  followConformanceReply(input: { reply: JobInput }): Promise<readonly ConformanceAct[]>;
  /** Records one artifact (or chunk `chunk` of one) on the job and announces it. */
  recordJobArtifact(input: {
    jobId: string;
    artifact: TaskArtifact;
    append: boolean;
    lastChunk: boolean;
    chunk: number;
  }): Promise<void>;
}
