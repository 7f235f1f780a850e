import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { type Message, type Part, Role, type SendMessageRequest } from '@a2a-js/sdk';
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  JsonRpcTransportFactory,
} from '@a2a-js/sdk/client';
import type { Harness } from '../helpers/harness.ts';
import type { Tenant } from '../helpers/tenant.ts';

/** The public base URL the tests' card names; the tests' fetch sends it to the listening server. */
export const PUBLIC_BASE = 'http://a2a.test';

/** The app on a real port (the SDK's clients speak fetch); closed by the returned function. */
export async function listen(h: Harness): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer(h.api.koa.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fetch that reaches the listening server for the card's public URL and sends the tenant's key. */
export function keyedFetch(base: string, key: string | undefined): typeof fetch {
  return (input, init) => {
    const url = String(input instanceof Request ? input.url : input).replace(PUBLIC_BASE, base);
    const headers = new Headers(init?.headers);
    if (key) headers.set('X-API-Key', key);
    return fetch(url, { ...init, headers });
  };
}

/** The SDK's own A2A 1.0 client for the tenant. */
export async function a2aClient(base: string, tenant: Tenant): Promise<Client> {
  const fetchImpl = keyedFetch(base, tenant.key);
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
    }),
  );
  return factory.createFromUrl(base);
}

export function text(value: string): Part {
  return { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' };
}

export function file(bytes: Buffer, filename: string, mediaType: string): Part {
  return { content: { $case: 'raw', value: bytes }, metadata: undefined, filename, mediaType };
}

export function data(value: unknown): Part {
  return {
    content: { $case: 'data', value },
    metadata: undefined,
    filename: '',
    mediaType: 'application/json',
  };
}

/** A user message of `parts`, with `metadata` (a target) and optional ids. */
export function userMessage(
  parts: Part[],
  fields: {
    metadata?: Record<string, unknown>;
    taskId?: string;
    contextId?: string;
    messageId?: string;
  } = {},
): Message {
  return {
    messageId: fields.messageId ?? randomUUID(),
    contextId: fields.contextId ?? '',
    taskId: fields.taskId ?? '',
    role: Role.ROLE_USER,
    parts,
    metadata: fields.metadata,
    extensions: [],
    referenceTaskIds: [],
  };
}

export function sendRequest(message: Message, returnImmediately = false): SendMessageRequest {
  return {
    tenant: '',
    message,
    configuration: {
      acceptedOutputModes: [],
      taskPushNotificationConfig: undefined,
      returnImmediately,
    },
    metadata: undefined,
  };
}

/** The text of a task's or message's text parts. */
export function textOf(parts: readonly Part[]): string {
  return parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
}
