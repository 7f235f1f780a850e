/**
 * What an agent is, as a job runs it: pure data shared by the API, the activities and the turn
 * workflow. Builtins are written in code; a custom agent's spec is one saved version.
 */
export interface AgentSpec {
  /** `builtin:<name>` or a custom agent's uuid. */
  readonly id: string;
  readonly type: 'builtin' | 'custom';
  /** Custom agents only; builtins are never versioned. */
  readonly version: number | null;
  readonly name: string;
  readonly description: string;
  /** `<provider>/<model>`; null means the deployment's default model (DAGEN_DEFAULT_MODEL). */
  readonly model: string | null;
  readonly systemPrompt: string;
  /** Names of builtin tools the agent may call (see BUILTIN_TOOL_NAMES). */
  readonly tools: readonly string[];
  readonly mcpServers: readonly McpServerRef[];
  /** Model calls one turn may make before it fails for want of a final answer. */
  readonly maxSteps: number;
  readonly temperature: number | null;
}

/**
 * An MCP server reached over streamable HTTP. Header values may be `{{ secrets.NAME }}`, resolved
 * from the workspace's secrets when the turn begins and never stored resolved.
 */
export interface McpServerRef {
  /** Prefix of its tools' names as the model sees them: `<name>__<tool>`. */
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Builtin tools any agent can list. */
export const BUILTIN_TOOL_NAMES = ['http_fetch', 'run_workflow', 'current_time', 'request_input'] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

export const DEFAULT_MAX_STEPS = 8;
export const MAX_MAX_STEPS = 50;
