import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { McpServerRef } from '../../core/agents/agent-spec.ts';
import type { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { RequestRefusedError } from '../../infra/outbound/safe-request.ts';

/** Deadline of the handshake and of listing tools. */
export const MCP_CONNECT_TIMEOUT_MS = 15_000;
/** Deadline of one tool call (the server's own work included). */
export const MCP_CALL_TIMEOUT_MS = 60_000;

const CLIENT_INFO = { name: 'dagen', version: '1' };

/**
 * Connects to one MCP server over streamable HTTP, runs `use`, and always closes the connection
 * (the session is deleted on the server). A connection lives for one discovery or one call: tool
 * activities of a turn may run on different workers, so there is nothing to share safely.
 */
export async function withMcpServer<T>(
  server: McpServerRef,
  headers: Record<string, string>,
  policy: AddressPolicy,
  signal: AbortSignal,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const url = new URL(server.url);
  await checkAddress(url, policy);
  const client = new Client(CLIENT_INFO);
  // Same-origin redirects only (the SDK's default), so the headers never follow to another host.
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  try {
    await client.connect(transport, { signal, timeout: MCP_CONNECT_TIMEOUT_MS });
    return await use(client);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * The http nodes' address policy applied to the server's URL before connecting: an agent's author
 * may not point it at loopback, private or metadata addresses unless HTTP_NODE_ALLOWLIST admits
 * them. The host is resolved here and again by fetch, so a name that changes its answer between the
 * two could slip through; the URL's literal addresses and ordinary names cannot.
 */
async function checkAddress(url: URL, policy: AddressPolicy): Promise<void> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RequestRefusedError(`only http and https URLs are allowed, not ${url.protocol}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (policy.hostAllowed(host)) return;
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  const refusal = addresses.map((address) => policy.refusal(address)).find(Boolean);
  if (refusal) throw new RequestRefusedError(`refused ${url.origin}: ${refusal}`);
}
