import type { AgentSpec } from './agents/agent-spec.ts';
import { CONFORMANCE_AGENT_ID } from './agents/conformance.ts';

/**
 * The agents every workspace has without creating them. Pure data: the External API lists them before
 * a workspace's custom agents, and the agent runtime resolves their ids. They name no model (`null`):
 * they run on the deployment's default model, so an install without any provider still answers.
 */
export type BuiltinAgent = AgentSpec & {
  readonly type: 'builtin';
  readonly version: null;
  /** Scripted, it calls no model: listings name none. */
  readonly modelFree?: true;
};

const builtin = (spec: Omit<BuiltinAgent, 'type' | 'version' | 'model' | 'mcpServers'>): BuiltinAgent =>
  Object.freeze({ type: 'builtin', version: null, model: null, mcpServers: [], ...spec });

/** Builtin ids carry a `builtin:` prefix so they never collide with custom agents' uuids. */
export const BUILTIN_AGENTS: readonly BuiltinAgent[] = Object.freeze([
  builtin({
    id: 'builtin:assistant',
    name: 'Assistant',
    description: 'General-purpose assistant that answers questions and follows instructions.',
    systemPrompt:
      'You are a helpful, precise assistant. Answer the question directly and briefly; use lists or ' +
      'code blocks only when they make the answer clearer. Use the current_time tool when the answer ' +
      'depends on the date or time, and http_fetch to read a URL the user gives you. If you do not ' +
      'know something, say so rather than guess; if you cannot go on without a detail only the user ' +
      'has, ask for it with request_input.',
    tools: ['current_time', 'http_fetch', 'request_input'],
    maxSteps: 8,
    temperature: 0.7,
  }),
  builtin({
    id: 'builtin:summarizer',
    name: 'Summarizer',
    description: 'Condenses long text into a short summary with the key points.',
    systemPrompt:
      'You summarize the text you are given. Start with one sentence saying what it is about, then ' +
      'list the key points (at most seven), keeping names, numbers and decisions exact. Do not add ' +
      'facts, opinions or advice that are not in the text. Answer in the language of the text.',
    tools: [],
    maxSteps: 2,
    temperature: 0.2,
  }),
  builtin({
    id: 'builtin:code-reviewer',
    name: 'Code reviewer',
    description: 'Reviews a diff or code snippet and points out bugs, risks and style issues.',
    systemPrompt:
      'You review code changes. For the diff or code you are given, list concrete findings, most ' +
      'severe first: bugs, security risks, missing error handling, then readability and style. For ' +
      'each, name the file and line when you can, say why it matters and suggest a fix. If the change ' +
      'looks correct, say so in one line. Be specific and brief; do not restate the code.',
    tools: [],
    maxSteps: 2,
    temperature: 0.2,
  }),
  builtin({
    id: CONFORMANCE_AGENT_ID,
    name: 'Conformance',
    description:
      'A deterministic, model-free peer to test A2A clients against: the message id prefix (or the ' +
      'first word of the message) picks a scripted behaviour (artifacts, input-required, streaming, ' +
      'long-running); over A2A anything else asks for input, over REST it is echoed.',
    systemPrompt: '',
    tools: [],
    maxSteps: 1,
    temperature: null,
    modelFree: true,
  }),
]);

/** The builtin agent with this id, if any. */
export function builtinAgent(id: string): BuiltinAgent | undefined {
  return BUILTIN_AGENTS.find((a) => a.id === id);
}
