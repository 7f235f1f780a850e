/**
 * A stand-in OpenAI-compatible chat server (OpenAI, Ollama, vLLM, LM Studio, OpenRouter all speak
 * it): POST /v1/chat/completions, streamed as `data: {chunk}` events ending in `data: [DONE]`, or
 * one JSON answer. Scripted through StandInServer.
 */
import {
  DEFAULT_USAGE,
  type ProtocolCodec,
  type RecordedRequest,
  type ScriptedAnswer,
  type ScriptedToolCall,
  type ScriptedUsage,
  StandInServer,
  sseData,
  splitText,
} from './stand-in-server.ts';

function callId(call: ScriptedToolCall, index: number): string {
  return call.id ?? `call_${index + 1}`;
}

function finishReason(answer: ScriptedAnswer): string {
  return (answer.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop';
}

function wireUsage(usage: ScriptedUsage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

const openAiCodec: ProtocolCodec = {
  path: '/v1/chat/completions',

  errorBody: (failure) => ({
    error: {
      message: failure.message ?? `stand-in error ${failure.status}`,
      type: failure.status === 429 ? 'rate_limit_exceeded' : 'invalid_request_error',
      code: null,
    },
  }),

  jsonBody: (answer, request) => {
    const calls = answer.toolCalls ?? [];
    return {
      id: 'chatcmpl-stand-in',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: answer.text ?? null,
            ...(calls.length > 0 && {
              tool_calls: calls.map((c, i) => ({
                id: callId(c, i),
                type: 'function',
                function: { name: c.name, arguments: JSON.stringify(c.args) },
              })),
            }),
          },
          finish_reason: finishReason(answer),
        },
      ],
      ...(answer.usage !== null && { usage: wireUsage(answer.usage ?? DEFAULT_USAGE) }),
    };
  },

  async stream(answer, request: RecordedRequest, out) {
    const base = {
      id: 'chatcmpl-stand-in',
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: request.body.model,
    };
    const delta = (d: Record<string, unknown>, finish: string | null = null) =>
      out.write(sseData({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] }));

    delta({ role: 'assistant', content: '' });
    if (answer.text !== undefined) {
      for (const piece of splitText(answer.text, answer.chunks)) {
        await out.pause();
        if (out.ended) return;
        delta({ content: piece });
      }
    }
    for (const [index, call] of (answer.toolCalls ?? []).entries()) {
      await out.pause();
      delta({
        tool_calls: [
          { index, id: callId(call, index), type: 'function', function: { name: call.name, arguments: '' } },
        ],
      });
      // Arguments arrive in pieces, as real providers send them.
      for (const piece of splitText(JSON.stringify(call.args), 3)) {
        delta({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    }
    if (out.ended) return;
    delta({}, finishReason(answer));
    const options = request.body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage === true && answer.usage !== null) {
      out.write(sseData({ ...base, choices: [], usage: wireUsage(answer.usage ?? DEFAULT_USAGE) }));
    }
    out.write('data: [DONE]\n\n');
  },
};

/** A new, not yet started OpenAI-compatible stand-in. */
export function openAiCompatibleServer(): StandInServer {
  return new StandInServer(openAiCodec);
}
