import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { HttpRequest, HttpResponse } from '../../core/nodes/node-context.ts';
import type { AddressPolicy } from './address-policy.ts';

/** The request was refused before connecting (address policy, scheme, redirect loop): retrying cannot help. */
export class RequestRefusedError extends Error {
  override readonly name: string = 'RequestRefusedError';
}

/** The response's body was larger than the caller allowed (the rest was not read). */
export class ResponseTooLargeError extends RequestRefusedError {
  override readonly name = 'ResponseTooLargeError';
}

const MAX_REDIRECTS = 5;
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export interface ResponseOptions {
  /** Largest body read before the request is refused (default 5 MB). */
  readonly maxBytes?: number;
  /** Answer the body as a Buffer, untouched, instead of text or parsed JSON. */
  readonly raw?: boolean;
}

/**
 * One HTTP exchange for an http node (or another outbound call a caller chose the URL of). Redirects
 * are followed by hand so every hop goes through the address policy, which is applied to the address
 * actually connected to (a custom DNS lookup), so a host name cannot resolve its way around it.
 */
export async function safeRequest(
  spec: HttpRequest,
  policy: AddressPolicy,
  cancelled: AbortSignal,
  options: ResponseOptions = {},
): Promise<HttpResponse> {
  const deadline = AbortSignal.timeout(spec.timeoutMs);
  const signal = AbortSignal.any([cancelled, deadline]);
  let { method, body } = spec;
  let headers = { ...spec.headers };
  let url = new URL(spec.url);
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await send(url, method, headers, body, policy, signal);
    } catch (err) {
      if (deadline.aborted) throw new Error(`request to ${url.origin} timed out after ${spec.timeoutMs} ms`);
      throw err;
    }
    const location = res.headers.location;
    if (!REDIRECT_STATUSES.has(res.statusCode ?? 0) || !location) {
      return {
        status: res.statusCode ?? 0,
        headers: plainHeaders(res.headers),
        body: await readBody(res, method, options),
      };
    }
    res.resume();
    if (hop >= MAX_REDIRECTS) throw new RequestRefusedError(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, url);
    if (next.origin !== url.origin) headers = withoutCredentials(headers);
    if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: unknown,
  policy: AddressPolicy,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      new RequestRefusedError(`only http and https URLs are allowed, not ${url.protocol}`),
    );
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const allowHost = policy.hostAllowed(hostname);
  if (isIP(hostname) && !allowHost) {
    const refusal = policy.refusal(hostname);
    if (refusal) return Promise.reject(new RequestRefusedError(`refused ${url.origin}: ${refusal}`));
  }
  const payload = encodeBody(body, headers);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method,
      headers: payload.headers,
      signal,
      lookup: addressLookup(allowHost ? undefined : policy, url.origin),
      // A fresh connection each time: a pooled keep-alive socket skips the lookup, so one opened
      // under a policy that allows the host would carry a later request whose policy does not.
      agent: false,
    });
    req.on('response', resolve);
    req.on('error', (err) => reject(err.cause instanceof RequestRefusedError ? err.cause : err));
    req.end(payload.data);
  });
}

/**
 * A DNS lookup answering IPv4 addresses first (a receiver bound to 127.0.0.1 only is reached through
 * `localhost` even where it resolves to ::1 first), that refuses when `policy` does not allow one of
 * the name's addresses (no policy: the host name itself is allowed).
 */
function addressLookup(policy: AddressPolicy | undefined, origin: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, found: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const addresses = [...found].sort((a, b) => a.family - b.family);
      const refusal = policy && addresses.map((a) => policy.refusal(a.address)).find(Boolean);
      if (refusal) return callback(new RequestRefusedError(`refused ${origin}: ${refusal}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

function encodeBody(body: unknown, headers: Record<string, string>) {
  if (body === undefined || body === null) return { headers, data: undefined };
  if (typeof body === 'string') return { headers, data: body };
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  return {
    headers: hasType ? headers : { ...headers, 'content-type': 'application/json' },
    data: JSON.stringify(body),
  };
}

async function readBody(res: IncomingMessage, method: string, options: ResponseOptions): Promise<unknown> {
  if (method === 'HEAD') return null;
  const maxBytes = options.maxBytes ?? MAX_RESPONSE_BYTES;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.destroy();
      throw new ResponseTooLargeError(`response body is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  if (options.raw) return Buffer.concat(chunks);
  const text = Buffer.concat(chunks).toString('utf8');
  if (/\bjson\b/i.test(String(res.headers['content-type'] ?? ''))) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function plainHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name.toLowerCase())),
  );
}
