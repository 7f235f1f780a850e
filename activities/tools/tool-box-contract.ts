import type { AgentSpec } from '../../core/agents/agent-spec.ts';
import type { TurnTool } from '../../core/agents/turn-contract.ts';
import type { JsonValue } from '../../core/run-status.ts';

/** Who a tool call runs for, and how it is stopped. */
export interface ToolContext {
  readonly workspaceId: string;
  readonly jobId: string;
  readonly ownerId: string;
  readonly apiKeyId: string | null;
  /** The request's `context`, handed to tools as data (never spliced into a prompt). */
  readonly context: JsonValue | null;
  readonly signal: AbortSignal;
  readonly heartbeat: () => void;
}

/** A tool's result as the model will read it: its output, or an error it may react to. */
export type ToolOutcome =
  { readonly ok: true; readonly output: JsonValue } | { readonly ok: false; readonly error: string };

export interface ToolBox {
  /** The agent's builtin tools plus every tool its MCP servers list (headers resolved from secrets). */
  discover(spec: AgentSpec, workspaceId: string, signal: AbortSignal): Promise<TurnTool[]>;
  /**
   * Validates `args` against the tool's schema and runs it. Bad arguments and the tool's own failures
   * come back as `{ ok: false }`; only cancellation (and the database being unreachable) throw.
   */
  call(tool: TurnTool, args: unknown, spec: AgentSpec, ctx: ToolContext): Promise<ToolOutcome>;
  close(): Promise<void>;
}
