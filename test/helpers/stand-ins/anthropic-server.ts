/**
 * A stand-in Anthropic Messages server: POST /v1/messages, streamed as named server-sent events
 * (message_start, content_block_start/delta/stop, message_delta, message_stop) or one JSON answer.
 * Anthropic always reports usage, so `usage: null` sends the default numbers here.
 */
import {
  DEFAULT_USAGE,
  type ProtocolCodec,
  type ScriptedAnswer,
  type ScriptedToolCall,
  StandInServer,
  splitText,
} from './stand-in-server.ts';

function toolId(call: ScriptedToolCall, index: number): string {
  return call.id ?? `toolu_stand_in_${index + 1}`;
}

function stopReason(answer: ScriptedAnswer): string {
  return (answer.toolCalls ?? []).length > 0 ? 'tool_use' : 'end_turn';
}

function errorType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status === 401) return 'authentication_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const anthropicCodec: ProtocolCodec = {
  path: '/v1/messages',

  errorBody: (failure) => ({
    type: 'error',
    error: {
      type: errorType(failure.status),
      message: failure.message ?? `stand-in error ${failure.status}`,
    },
  }),

  jsonBody: (answer, request) => {
    const usage = answer.usage ?? DEFAULT_USAGE;
    return {
      id: 'msg_stand_in',
      type: 'message',
      role: 'assistant',
      model: request.body.model,
      content: [
        ...(answer.text !== undefined ? [{ type: 'text', text: answer.text }] : []),
        ...(answer.toolCalls ?? []).map((c, i) => ({
          type: 'tool_use',
          id: toolId(c, i),
          name: c.name,
          input: c.args,
        })),
      ],
      stop_reason: stopReason(answer),
      stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    };
  },

  async stream(answer, request, out) {
    const usage = answer.usage ?? DEFAULT_USAGE;
    out.write(
      event('message_start', {
        message: {
          id: 'msg_stand_in',
          type: 'message',
          role: 'assistant',
          model: request.body.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.inputTokens, output_tokens: 1 },
        },
      }),
    );
    let index = 0;
    if (answer.text !== undefined) {
      out.write(event('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const piece of splitText(answer.text, answer.chunks)) {
        await out.pause();
        if (out.ended) return;
        out.write(event('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
      }
      out.write(event('content_block_stop', { index }));
      index += 1;
    }
    for (const [i, call] of (answer.toolCalls ?? []).entries()) {
      await out.pause();
      out.write(
        event('content_block_start', {
          index,
          content_block: { type: 'tool_use', id: toolId(call, i), name: call.name, input: {} },
        }),
      );
      // Arguments arrive in pieces, as the real API sends them.
      for (const piece of splitText(JSON.stringify(call.args), 3)) {
        out.write(
          event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }),
        );
      }
      out.write(event('content_block_stop', { index }));
      index += 1;
    }
    if (out.ended) return;
    out.write(
      event('message_delta', {
        delta: { stop_reason: stopReason(answer), stop_sequence: null },
        usage: { output_tokens: usage.outputTokens },
      }),
    );
    out.write(event('message_stop', {}));
  },
};

/** A new, not yet started Anthropic stand-in. */
export function anthropicServer(): StandInServer {
  return new StandInServer(anthropicCodec);
}
