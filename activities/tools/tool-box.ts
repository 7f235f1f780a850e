import { CancelledFailure } from '@temporalio/common';
import { BUILTIN_TOOL_NAMES, type AgentSpec, type BuiltinToolName } from '../../core/agents/agent-spec.ts';
import type { TurnTool } from '../../core/agents/turn-contract.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import type { Logger } from '../../infra/logger.ts';
import { isDatabaseError } from '../database-failures.ts';
import type { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { currentTime, currentTimeTool } from './current-time.tool.ts';
import { httpFetch, httpFetchTool, type HttpFetchArgs } from './http-fetch.tool.ts';
import { callMcpTool, discoverMcpTools } from './mcp-tools.ts';
import { requestInputTool } from './request-input.tool.ts';
import { runWorkflow, runWorkflowTool, type RunWorkflowArgs } from './run-workflow.tool.ts';
import { ToolArguments } from './tool-arguments.ts';
import type { ToolBox, ToolContext, ToolOutcome } from './tool-box-contract.ts';
import { workspaceSecretMasks } from './workspace-secret-masks.ts';
import type { WorkflowRunner } from './workflow-runner.ts';

export interface ToolBoxDeps {
  readonly orm: MikroORM;
  /** The http nodes' policy (HTTP_NODE_ALLOWLIST): http_fetch and MCP servers go through it. */
  readonly policy: AddressPolicy;
  /** Undefined without DAGEN_SECRETS_KEY: MCP headers then cannot use secrets. */
  readonly cipher: SecretCipher | undefined;
  /** Undefined where no Temporal client is at hand: agents are then not offered run_workflow. */
  readonly runs: WorkflowRunner | undefined;
  readonly log: Logger;
}

const BUILTINS: Record<BuiltinToolName, TurnTool> = {
  http_fetch: httpFetchTool,
  run_workflow: runWorkflowTool,
  current_time: currentTimeTool,
  request_input: requestInputTool,
};

/** The tools of dagen's agents: the builtins and the agents' MCP servers. `close` closes `runs`. */
export function createToolBox(deps: ToolBoxDeps): ToolBox {
  const argumentsOf = new ToolArguments();
  const mcp = { orm: deps.orm, cipher: deps.cipher, policy: deps.policy };

  async function run(tool: TurnTool, args: unknown, spec: AgentSpec, ctx: ToolContext): Promise<ToolOutcome> {
    if (tool.mcp) return callMcpTool(mcp, tool.mcp, args as Record<string, unknown>, spec, ctx);
    if (!isBuiltin(tool.name) || !spec.tools.includes(tool.name)) {
      return { ok: false, error: `no tool named '${tool.name}' is available to this agent` };
    }
    switch (tool.name) {
      case 'current_time':
        return currentTime(args as { timezone?: string });
      case 'http_fetch':
        return httpFetch(args as HttpFetchArgs, deps.policy, ctx.signal);
      case 'run_workflow':
        if (!deps.runs) return { ok: false, error: 'run_workflow is not available on this worker' };
        return runWorkflow(args as RunWorkflowArgs, ctx, deps.orm, deps.runs);
      case 'request_input':
        // Valid arguments are all it takes: the turn itself asks the caller (callAgentTool).
        return { ok: true, output: args as { question: string } };
    }
  }

  return {
    async discover(spec, workspaceId, signal) {
      const builtins = spec.tools
        .filter(isBuiltin)
        .filter((name) => name !== 'run_workflow' || deps.runs)
        .map((name) => BUILTINS[name]);
      return [...builtins, ...(await discoverMcpTools(mcp, spec, workspaceId, signal))];
    },

    async call(tool, args, spec, ctx) {
      const problems = argumentsOf.problems(tool, args);
      if (problems) return { ok: false, error: problems };
      let outcome: ToolOutcome;
      try {
        outcome = await run(tool, args, spec, ctx);
      } catch (err) {
        if (ctx.signal.aborted || err instanceof CancelledFailure || isDatabaseError(err)) throw err;
        outcome = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      const masks = await workspaceSecretMasks(deps.orm.em.fork(), deps.cipher, ctx.workspaceId);
      if (!outcome.ok) {
        const error = masks.text(outcome.error);
        deps.log.debug({ jobId: ctx.jobId, tool: tool.name, error }, 'tool call failed');
        return { ok: false, error };
      }
      return { ok: true, output: masks.value(outcome.output) };
    },

    async close() {
      await deps.runs?.close();
    },
  };
}

function isBuiltin(name: string): name is BuiltinToolName {
  return (BUILTIN_TOOL_NAMES as readonly string[]).includes(name);
}
