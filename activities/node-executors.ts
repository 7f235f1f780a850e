import { ApplicationFailure } from '@temporalio/common';
import { NODE_DEFAULTS, type NodeType } from '../core/dag/definition.ts';
import type { AddressPolicy } from './http/address-policy.ts';
import { safeRequest, type HttpResponseData } from './http/safe-request.ts';

/** What a node's work may use besides its resolved `with`. */
export interface ExecuteContext {
  /** Results of the node's whole expressions (`expression` of transform/condition). */
  values: Record<string, unknown>;
  /** Aborts when the activity is cancelled (run cancelled, or a sibling node failed). */
  signal: AbortSignal;
  /** Keeps the activity alive and lets Temporal deliver a cancellation. */
  heartbeat(): void;
  policy: AddressPolicy;
}

/** How often a long node heartbeats; the worker sends at most one per throttle interval. */
const HEARTBEAT_EVERY_MS = 1000;
const ERROR_BODY_EXCERPT = 200;

type Executor = (input: Record<string, unknown>, ctx: ExecuteContext) => Promise<unknown>;

/** The work of the node types that run as one activity (delay and workflow run in the workflow). */
export const EXECUTORS: Partial<Record<NodeType, Executor>> = {
  async transform(_input, ctx) {
    return ctx.values.expression ?? null;
  },
  async condition(_input, ctx) {
    const value = ctx.values.expression;
    if (typeof value !== 'boolean') {
      throw ApplicationFailure.nonRetryable(
        `condition expression must produce true or false, got ${JSON.stringify(value)}`,
        'ConditionNotBoolean',
      );
    }
    return value;
  },
  async http(input, ctx) {
    const method = String(input.method ?? NODE_DEFAULTS.httpMethod).toUpperCase();
    const url = String(input.url);
    const timer = setInterval(ctx.heartbeat, HEARTBEAT_EVERY_MS);
    let response: HttpResponseData;
    try {
      response = await safeRequest(
        {
          method,
          url,
          headers: (input.headers as Record<string, string> | undefined) ?? {},
          body: input.body,
          timeoutMs: Number(input.timeout_seconds ?? NODE_DEFAULTS.httpTimeoutSeconds) * 1000,
        },
        ctx.policy,
        ctx.signal,
      );
    } finally {
      clearInterval(timer);
    }
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
  async agent(input) {
    throw ApplicationFailure.nonRetryable(
      `agent runtime not available: agent "${String(input.agent_id)}" cannot run yet in this dagen version`,
      'AgentRuntimeUnavailable',
    );
  },
};

function excerpt(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > ERROR_BODY_EXCERPT ? `${text.slice(0, ERROR_BODY_EXCERPT)}…` : text;
}
