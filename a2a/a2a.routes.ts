import { createHash } from 'node:crypto';
import Router from '@koa/router';
import { A2A_VERSION_HEADER, AgentCard } from '@a2a-js/sdk';
import { A2A_LEGACY_PROTOCOL_VERSION, LEGACY_METHOD_TASKS_RESUBSCRIBE } from '@a2a-js/sdk/compat/v0_3';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { JsonRpcTransportHandler, ServerCallContext, validateVersion } from '@a2a-js/sdk/server';
import { ContentTypeNotSupportedError } from '@a2a-js/sdk/errors';
import { AppError, BadRequestError, ForbiddenError } from '../core/errors.ts';
import { authOf, type AppContext, type AppState } from '../http/context.ts';
import { clientGone } from '../http/client-gone.ts';
import type { DoorDeps } from '../http/door-deps.ts';
import type { KeyGate } from '../http/key-gate.ts';
import { jsonBody } from '../http/middleware/json-body.ts';
import { A2A_PATH, legacyAgentCard, publicAgentCard } from './agent-card.ts';
import { messageTarget, scopeOf, type TargetFields } from './message-target.ts';
import { KeyUser, refusalOf, STOP_STATE_KEY } from './call-context.ts';
import { answerAsSse } from './sse-answer.ts';
import { TaskRequestHandler } from './task-handler.ts';

/** Where clients look for the card: A2A 1.0's path, and the one the seed's clients used. */
const CARD_PATHS = ['/.well-known/agent-card.json', '/.well-known/agent.json'];
const CARD_MAX_AGE_SECONDS = 300;
/** Methods that start work, by either protocol version: the key needs the target's scope. */
const SEND_METHODS = new Set(['SendMessage', 'SendStreamingMessage', 'message/send', 'message/stream']);
const PARSE_ERROR = -32700;
const UNSUPPORTED_MEDIA_TYPE = 415;

type JsonRpcResponse = Awaited<ReturnType<JsonRpcTransportHandler['handle']>>;

/**
 * The A2A door: the public Agent Card, and JSON-RPC at /a2a (and /a2a/) for A2A 1.0 clients (header
 * `A2A-Version: 1.0`) and 0.3 clients (no header, or 0.3), both through the SDK's transport handlers
 * over our own request handler. Every call passes the key gate first (401/403 before any method runs,
 * the key's rate limit on every call), then its body is read; a method that starts work needs the
 * scope of its target (`agents` or `workflows`), one that names a task the scope of its kind (the
 * handler's refusal), and answers 403 `{error}` without it, as the External API does. A card request
 * without `A2A-Version` gets the card of A2A_CARD_VERSION.
 */
export function a2aRoutes(deps: DoorDeps, gate: KeyGate, version: string, bootTime: Date): Router<AppState> {
  const { services } = deps;
  const card = publicAgentCard(services.config, version);
  const handler = new TaskRequestHandler({ ...deps, card });
  const current = new JsonRpcTransportHandler(handler);
  const legacy = new LegacyJsonRpcTransportHandler(handler);

  const router = new Router<AppState>();
  // Both documents are built once: the card changes only with a new deployment.
  const cards = (async () => ({
    '1.0': cachedDocument(AgentCard.toJSON(card)),
    '0.3': cachedDocument(await legacyAgentCard(card)),
  }))();
  for (const path of CARD_PATHS) {
    router.get(path, async (ctx) => {
      // The header picks the version; without it the deployment's setting does (the kits send none).
      const asked = ctx.get(A2A_VERSION_HEADER) || services.config.a2aCardVersion;
      const served = (await cards)[asked === A2A_LEGACY_PROTOCOL_VERSION ? '0.3' : '1.0'];
      ctx.set('Vary', A2A_VERSION_HEADER);
      ctx.set('Last-Modified', bootTime.toUTCString());
      ctx.set('ETag', served.etag);
      ctx.set('Cache-Control', `public, max-age=${CARD_MAX_AGE_SECONDS}`);
      ctx.status = 200;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.type = 'application/json';
      ctx.body = served.body;
    });
  }

  const body = jsonBody(services.config.maxBodyBytes);
  const rpc = async (ctx: AppContext) => {
    const versionHeader = ctx.get(A2A_VERSION_HEADER);
    const useLegacy = (versionHeader || A2A_LEGACY_PROTOCOL_VERSION) === A2A_LEGACY_PROTOCOL_VERSION;
    const raw = ctx.request.body;
    const request = (typeof raw === 'object' && raw !== null ? raw : {}) as {
      id?: unknown;
      method?: unknown;
      params?: TargetFields;
    };
    const id = typeof request.id === 'string' || typeof request.id === 'number' ? request.id : null;
    if (typeof request.method === 'string' && SEND_METHODS.has(request.method) && request.params) {
      const scope = scopeOf(messageTarget(request.params, services.config.a2aDefaultAgent));
      if (!authOf(ctx).scopes.includes(scope)) {
        throw new ForbiddenError(`API key lacks the '${scope}' scope this message's target needs`);
      }
    }
    const stop = AbortSignal.any([clientGone(ctx), deps.draining]);
    const context = new ServerCallContext({
      user: new KeyUser(authOf(ctx)),
      requestedVersion: versionHeader || undefined,
      state: new Map([[STOP_STATE_KEY, stop]]),
    });
    const mapError = useLegacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
      : JsonRpcTransportHandler.mapToJSONRPCError;
    let answer: JsonRpcResponse;
    try {
      validateVersion(context.requestedVersion, card, 'JSONRPC');
      answer = await (useLegacy ? legacy : current).handle(request as Record<string, unknown>, context);
    } catch (err) {
      answer = { jsonrpc: '2.0', id, error: mapError(err) };
    }
    if (!isStream(answer)) {
      const refused = refusalOf(context);
      if (refused) throw refused;
      ctx.body = answer;
      return;
    }
    const alwaysSse = useLegacy && request.method === LEGACY_METHOD_TASKS_RESUBSCRIBE;
    await answerAsSse(ctx, answer, { id, mapError, alwaysSse, refused: () => refusalOf(context) });
  };
  router.post([A2A_PATH, `${A2A_PATH}/`], gate.authenticate, gate.rateLimit, jsonRpcBody(body), rpc);
  return router;
}

function cachedDocument(json: unknown): { body: string; etag: string } {
  const body = JSON.stringify(json);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function isStream(answer: JsonRpcResponse): answer is AsyncGenerator<never> {
  return typeof (answer as Partial<AsyncGenerator>)[Symbol.asyncIterator] === 'function';
}

/**
 * The JSON body reader, with the body errors JSON-RPC names answered as JSON-RPC errors (HTTP 200,
 * as the SDK's own adapter): malformed JSON is -32700, another content type -32005. A body over the
 * size limit stays a 413.
 */
function jsonRpcBody(read: ReturnType<typeof jsonBody>): ReturnType<typeof jsonBody> {
  return async function jsonRpcBodyMiddleware(ctx, next) {
    let parsed = false;
    try {
      await read(ctx, () => {
        parsed = true;
        return Promise.resolve();
      });
    } catch (err) {
      const error = rpcBodyError(err);
      if (!error) throw err;
      ctx.body = { jsonrpc: '2.0', id: null, error };
      return;
    }
    if (parsed) await next();
  };
}

function rpcBodyError(err: unknown): unknown {
  if (err instanceof BadRequestError && err.message.startsWith('Malformed JSON')) {
    return { code: PARSE_ERROR, message: 'Invalid JSON payload.' };
  }
  if (err instanceof AppError && err.status === UNSUPPORTED_MEDIA_TYPE) {
    return JsonRpcTransportHandler.mapToJSONRPCError(new ContentTypeNotSupportedError(err.message));
  }
  return undefined;
}
