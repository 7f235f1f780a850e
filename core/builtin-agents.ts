/**
 * The agents every workspace has without creating them. Pure data: the External API lists them before
 * a workspace's custom agents, and the agent runtime resolves their ids.
 */
export interface BuiltinAgent {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

/** Builtin ids carry a `builtin:` prefix so they never collide with custom agents' uuids. */
export const BUILTIN_AGENTS: readonly BuiltinAgent[] = Object.freeze([
  {
    id: 'builtin:assistant',
    name: 'Assistant',
    description: 'General-purpose assistant that answers questions and follows instructions.',
  },
  {
    id: 'builtin:summarizer',
    name: 'Summarizer',
    description: 'Condenses long text into a short summary with the key points.',
  },
  {
    id: 'builtin:code-reviewer',
    name: 'Code reviewer',
    description: 'Reviews a diff or code snippet and points out bugs, risks and style issues.',
  },
]);
