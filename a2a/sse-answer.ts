import { PassThrough } from 'node:stream';
import { formatSSEErrorEvent, formatSSEEvent, SSE_HEADERS } from '@a2a-js/sdk';
import type { AppContext } from '../http/context.ts';

export interface SseAnswerOptions {
  /** The JSON-RPC request id every envelope repeats. */
  readonly id: string | number | null;
  /** The protocol version's mapping of an error to its JSON-RPC error. */
  readonly mapError: (err: unknown) => unknown;
  /** Answer in SSE even when the stream fails before its first event (a 0.3 resubscribe). */
  readonly alwaysSse: boolean;
  /** A refusal the door answers over HTTP itself (see call-context's `refusal`), if the stream met one. */
  readonly refused: () => Error | undefined;
}

/**
 * Writes a streaming method's envelopes as server-sent events with the SDK's own helpers, as its
 * Express adapter does: a failure before the first event is a plain JSON-RPC error (unless
 * `alwaysSse`), or thrown when it is a refusal the door answers; a later one an SSE error event;
 * the stream then ends. The envelopes end by
 * themselves when the caller hangs up or the server stops (their call's stop signal).
 */
export async function answerAsSse(
  ctx: AppContext,
  envelopes: AsyncGenerator<unknown>,
  options: SseAnswerOptions,
): Promise<void> {
  const { id, mapError } = options;
  let first: IteratorResult<unknown> | { error: unknown };
  try {
    first = await envelopes.next();
  } catch (err) {
    const refused = options.refused();
    if (refused) throw refused;
    if (!options.alwaysSse) {
      ctx.body = { jsonrpc: '2.0', id, error: mapError(err) };
      return;
    }
    first = { error: err };
  }
  const out = new PassThrough();
  ctx.set(SSE_HEADERS);
  ctx.status = 200;
  ctx.body = out;
  void (async () => {
    try {
      if ('error' in first) throw first.error;
      if (!first.done) out.write(formatSSEEvent(first.value));
      for (let next = await envelopes.next(); !next.done; next = await envelopes.next()) {
        out.write(formatSSEEvent(next.value));
      }
    } catch (err) {
      out.write(formatSSEErrorEvent({ jsonrpc: '2.0', id, error: mapError(err) }));
    } finally {
      out.end();
    }
  })();
}
