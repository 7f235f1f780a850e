import type { TurnTool } from '../../core/agents/turn-contract.ts';
import type { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { RequestRefusedError, safeRequest } from '../../infra/outbound/safe-request.ts';
import type { ToolOutcome } from './tool-box-contract.ts';

/** Characters of a response body the model gets; the rest is cut (and `truncated` says so). */
export const HTTP_FETCH_BODY_CAP = 32_000;
/** Deadline of one fetch, redirects included. */
const HTTP_FETCH_TIMEOUT_MS = 30_000;
/** Response headers worth a model's tokens; the others (cookies, tracing, caching) are left out. */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'content-language',
  'last-modified',
  'location',
  'retry-after',
];

export const httpFetchTool: TurnTool = {
  name: 'http_fetch',
  description:
    'Fetches a URL over HTTP(S) and returns { status, headers, body, truncated }; the body is text, ' +
    `at most ${HTTP_FETCH_BODY_CAP} characters. Private and loopback addresses are refused.`,
  inputSchema: {
    type: 'object',
    properties: {
      url: { type: 'string', format: 'uri', pattern: '^https?://' },
      method: { enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'GET' },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: {
        type: ['string', 'object', 'array'],
        description: 'Text, or JSON (sent as application/json unless content-type says otherwise).',
      },
    },
    required: ['url'],
    additionalProperties: false,
  },
};

export interface HttpFetchArgs {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * One request through the http nodes' guarded client (address policy on every hop and every DNS
 * answer). Refusals, timeouts and network errors are the tool's errors: the model may react.
 */
export async function httpFetch(
  args: HttpFetchArgs,
  policy: AddressPolicy,
  signal: AbortSignal,
): Promise<ToolOutcome> {
  try {
    const res = await safeRequest(
      {
        method: args.method ?? 'GET',
        url: args.url,
        headers: args.headers ?? {},
        body: args.body,
        timeoutMs: HTTP_FETCH_TIMEOUT_MS,
      },
      policy,
      signal,
    );
    const text = res.body === null ? '' : typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    const headers = Object.fromEntries(
      KEPT_HEADERS.flatMap((name) => {
        const value = res.headers[name];
        return value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]];
      }),
    );
    return {
      ok: true,
      output: {
        status: res.status,
        headers,
        body: text.slice(0, HTTP_FETCH_BODY_CAP),
        truncated: text.length > HTTP_FETCH_BODY_CAP,
      },
    };
  } catch (err) {
    if (signal.aborted) throw err;
    if (err instanceof RequestRefusedError) return { ok: false, error: err.message };
    return { ok: false, error: `request failed: ${(err as Error).message}` };
  }
}
