import { ApplicationFailure } from '@temporalio/common';
import { NODE_DEFAULTS } from '../dag/definition.ts';
import { defineNodeType } from './node-type.ts';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const DEFAULT_METHOD = 'GET';
const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
const MAX_REQUEST_TIMEOUT_SECONDS = 300;
/** Extra activity time beyond the node's own request timeout, for evaluation and writes. */
const TIMEOUT_MARGIN_SECONDS = 10;
const ERROR_BODY_EXCERPT = 200;

export const httpNode = defineNodeType({
  type: 'http',
  description: 'Sends one HTTP request (SSRF-guarded); the output is its status, headers and body.',
  with: {
    method: { kind: 'string', oneOf: HTTP_METHODS },
    url: { kind: 'string', required: true },
    headers: { kind: 'string-map' },
    body: { kind: 'any' },
    timeout_seconds: { kind: 'number', min: 0.001, max: MAX_REQUEST_TIMEOUT_SECONDS },
    fail_on_status: { kind: 'boolean' },
  },
  execution: 'activity',
  retry: true,
  defaultTimeoutSeconds(nodeWith) {
    const requestTimeout = nodeWith.timeout_seconds;
    return typeof requestTimeout === 'number'
      ? Math.max(NODE_DEFAULTS.timeoutSeconds, requestTimeout + TIMEOUT_MARGIN_SECONDS)
      : NODE_DEFAULTS.timeoutSeconds;
  },
  async execute(input, ctx) {
    const method = String(input.method ?? DEFAULT_METHOD).toUpperCase();
    const url = String(input.url);
    const response = await ctx.http.request({
      method,
      url,
      headers: (input.headers as Record<string, string> | undefined) ?? {},
      body: input.body,
      timeoutMs: Number(input.timeout_seconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000,
    });
    const ok = response.status >= 200 && response.status < 300;
    if (!ok && input.fail_on_status !== false) {
      // Retryable: a flaky upstream is what retry.max_attempts is for.
      throw ApplicationFailure.retryable(
        `HTTP ${response.status} from ${method} ${url}: ${excerpt(response.body)}`,
        'HttpStatusError',
      );
    }
    return response;
  },
});

function excerpt(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > ERROR_BODY_EXCERPT ? `${text.slice(0, ERROR_BODY_EXCERPT)}…` : text;
}
