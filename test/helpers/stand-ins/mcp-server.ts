import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** One tool call the stand-in served. */
export interface McpCall {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly meta: Record<string, unknown> | undefined;
  /** The value of the watched header (`x-token` by default) on the call's request. */
  readonly header: string | undefined;
}

export interface McpStandIn {
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  readonly calls: McpCall[];
  close(): Promise<void>;
}

/**
 * A real MCP server over streamable HTTP (stateless: a server and transport per request, as the
 * SDK's stateless example does) with three tools: `add` ({a,b} → {sum}), `whoami` (echoes the
 * request's `header` header, `x-token` by default, so a test sees what the client sent), and
 * `fail` (an isError result).
 */
export async function startMcpStandIn(options: { header?: string } = {}): Promise<McpStandIn> {
  const header = options.header ?? 'x-token';
  const calls: McpCall[] = [];

  const headerOf = (extra: { requestInfo?: { headers: Record<string, string | string[] | undefined> } }) => {
    const value = extra.requestInfo?.headers[header];
    return Array.isArray(value) ? value.join(', ') : value;
  };

  function build(): McpServer {
    const server = new McpServer({ name: 'stand-in', version: '1.0.0' });
    server.registerTool(
      'add',
      {
        description: 'Adds two numbers.',
        inputSchema: { a: z.number(), b: z.number() },
        outputSchema: { sum: z.number() },
      },
      ({ a, b }, extra) => {
        calls.push({ tool: 'add', args: { a, b }, meta: extra._meta, header: headerOf(extra) });
        return { content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } };
      },
    );
    server.registerTool('whoami', { description: `Returns the ${header} header it received.` }, (extra) => {
      calls.push({ tool: 'whoami', args: {}, meta: extra._meta, header: headerOf(extra) });
      return { content: [{ type: 'text', text: `token=${String(headerOf(extra))}` }] };
    });
    server.registerTool('fail', { description: 'Always fails.' }, (extra) => {
      calls.push({ tool: 'fail', args: {}, meta: extra._meta, header: headerOf(extra) });
      return { isError: true, content: [{ type: 'text', text: 'the stand-in failed on purpose' }] };
    });
    return server;
  }

  const httpServer = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}
