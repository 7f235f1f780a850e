import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ApplicationFailure } from '@temporalio/common';
import type { AgentSpec, McpServerRef } from '../../core/agents/agent-spec.ts';
import type { TurnTool } from '../../core/agents/turn-contract.ts';
import type { JsonValue } from '../../core/run-status.ts';
import type { MikroORM } from '../../db/orm.ts';
import type { SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import type { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { MCP_CALL_TIMEOUT_MS, MCP_CONNECT_TIMEOUT_MS, withMcpServer } from './mcp-client.ts';
import { McpConfigError, resolveMcpHeaders } from './mcp-headers.ts';
import type { ToolContext, ToolOutcome } from './tool-box-contract.ts';

export interface McpDeps {
  readonly orm: MikroORM;
  readonly cipher: SecretCipher | undefined;
  readonly policy: AddressPolicy;
}

/** Pages of tools one server may list: a bound on a server that never stops paging. */
const MAX_TOOL_PAGES = 20;

/**
 * Every tool of every MCP server of the agent, named `<server>__<tool>`. A server that cannot be
 * reached or a secret that is not set fails the discovery, naming the server (never a secret value).
 */
export async function discoverMcpTools(
  deps: McpDeps,
  spec: AgentSpec,
  workspaceId: string,
  signal: AbortSignal,
): Promise<TurnTool[]> {
  const perServer = await Promise.all(
    spec.mcpServers.map(async (server) => {
      const { headers, redactor } = await resolveMcpHeaders(
        deps.orm.em.fork(),
        deps.cipher,
        workspaceId,
        server,
      ).catch((err: unknown) => {
        // Unset secret, no key: the same on every retry, so the turn fails at once with this text.
        if (err instanceof McpConfigError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      });
      try {
        return await withMcpServer(server, headers, deps.policy, signal, (client) =>
          listAll(client, server, signal),
        );
      } catch (err) {
        if (signal.aborted) throw err;
        throw new Error(
          redactor.text(`MCP server '${server.name}' could not list its tools: ${(err as Error).message}`),
        );
      }
    }),
  );
  return perServer.flat();
}

async function listAll(client: Client, server: McpServerRef, signal: AbortSignal): Promise<TurnTool[]> {
  const tools: TurnTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const listed = await client.listTools(cursor ? { cursor } : undefined, {
      signal,
      timeout: MCP_CONNECT_TIMEOUT_MS,
    });
    for (const tool of listed.tools) {
      tools.push({
        name: `${server.name}__${tool.name}`,
        description: tool.description ?? tool.title ?? '',
        inputSchema: tool.inputSchema as Record<string, unknown>,
        mcp: { server: server.name, tool: tool.name },
      });
    }
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/**
 * Calls the tool on its server: the result's structured content (else its content blocks) as the
 * output; a result flagged isError, a server error or a timeout as the tool's error. The request's
 * `context` travels as data in the call's `_meta`, never in a prompt.
 */
export async function callMcpTool(
  deps: McpDeps,
  target: { server: string; tool: string },
  args: Record<string, unknown>,
  spec: AgentSpec,
  ctx: ToolContext,
): Promise<ToolOutcome> {
  const server = spec.mcpServers.find((s) => s.name === target.server);
  if (!server) return { ok: false, error: `MCP server '${target.server}' is not one of this agent's` };
  const { headers } = await resolveMcpHeaders(deps.orm.em.fork(), deps.cipher, ctx.workspaceId, server);
  try {
    const result = await withMcpServer(server, headers, deps.policy, ctx.signal, (client) =>
      client.callTool(
        { name: target.tool, arguments: args, _meta: { dagen: { job_id: ctx.jobId, context: ctx.context } } },
        undefined,
        { signal: ctx.signal, timeout: MCP_CALL_TIMEOUT_MS },
      ),
    );
    if (result.isError) return { ok: false, error: contentText(result.content) || 'the tool failed' };
    const output = result.structuredContent ?? result.content ?? null;
    return { ok: true, output: output as JsonValue };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return { ok: false, error: `MCP server '${server.name}': ${(err as Error).message}` };
  }
}

function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block: { type?: string; text?: string }) =>
      block.type === 'text' ? block.text : JSON.stringify(block),
    )
    .join('\n');
}
