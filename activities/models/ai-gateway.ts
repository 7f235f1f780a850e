/**
 * The model gateway: one AI SDK provider object per configured provider (created once), plus the
 * built-in `local` one. A call streams the answer with `maxRetries: 0` (Temporal owns retries)
 * and the activity's abort signal; tools are declared without `execute`, so tool calls come back
 * to the workflow instead of running inside the SDK.
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { jsonSchema, type JSONSchema7, streamText, tool, type ToolSet } from 'ai';
import type { ModelConfig, ProviderConfig } from '../../infra/config.ts';
import type { Logger } from '../../infra/logger.ts';
import { abortError, toModelError } from './ai-gateway-errors.ts';
import type { ModelAnswer, ModelCall, ModelGateway, ModelToolCall, ModelToolSpec } from './model-gateway.ts';
import { ModelRequestRejectedError, UnknownModelProviderError } from './model-errors.ts';

export const LOCAL_PROVIDER = 'local';

/** Makes the language model of one provider by model id. */
export interface LanguageModelSource {
  languageModel(modelId: string): LanguageModelV4;
}

export interface ModelGatewayDeps {
  readonly models: ModelConfig;
  /** The offline provider (activities/models/local-model*.ts builds the real one). */
  readonly local: LanguageModelSource;
  readonly log: Logger;
}

interface Provider {
  readonly source: LanguageModelSource;
  /** Values an error message must never repeat (the key, configured header values). */
  readonly secrets: readonly string[];
}

function buildProvider(name: string, config: ProviderConfig): Provider {
  const headers = { ...config.headers };
  const secrets = [config.apiKey, ...Object.values(headers)].filter(
    (s): s is string => s !== undefined && s.length >= 4,
  );
  if (config.protocol === 'anthropic') {
    // An empty key rather than none: the SDK would otherwise read ANTHROPIC_API_KEY from the
    // environment, and only infra/config.ts reads the environment.
    const anthropic = createAnthropic({ baseURL: config.baseUrl, apiKey: config.apiKey ?? '', headers });
    return { source: { languageModel: (id) => anthropic.languageModel(id) }, secrets };
  }
  const openAi = createOpenAICompatible({
    name,
    baseURL: config.baseUrl,
    ...(config.apiKey !== undefined && { apiKey: config.apiKey }),
    headers,
    includeUsage: true,
  });
  return { source: { languageModel: (id) => openAi.languageModel(id) }, secrets };
}

/** Declares the tools to the model, without `execute`: the SDK hands the calls back to us. */
function toolSet(specs: readonly ModelToolSpec[]): ToolSet {
  return Object.fromEntries(
    specs.map((spec) => [
      spec.name,
      tool({ description: spec.description, inputSchema: jsonSchema(spec.inputSchema as JSONSchema7) }),
    ]),
  );
}

/** Splits `<provider>/<model>` at the first '/'; the model part may hold more slashes. */
function splitModel(model: string): { provider: string; modelId: string } {
  const slash = model.indexOf('/');
  return slash < 0
    ? { provider: model, modelId: '' }
    : { provider: model.slice(0, slash), modelId: model.slice(slash + 1) };
}

export function createModelGateway(deps: ModelGatewayDeps): ModelGateway {
  const providers = new Map<string, Provider>([[LOCAL_PROVIDER, { source: deps.local, secrets: [] }]]);
  for (const [name, config] of Object.entries(deps.models.providers)) {
    providers.set(name, buildProvider(name, config));
  }
  const names = Object.freeze([...providers.keys()]);
  const log = deps.log.child({ component: 'model-gateway' });
  // The SDK's setting warnings (e.g. "unknown model, max tokens capped") would otherwise go to
  // process.emitWarning on every call; the switch is process-wide, and so is the gateway.
  (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = (warnings: unknown) =>
    log.debug({ warnings }, 'model call warnings');

  async function call(request: ModelCall): Promise<ModelAnswer> {
    const { provider: name, modelId } = splitModel(request.model);
    const provider = providers.get(name);
    if (provider === undefined) throw new UnknownModelProviderError(name, names);
    if (modelId === '') {
      throw new ModelRequestRejectedError(`"${request.model}" names no model after "${name}/"`, undefined);
    }
    const signal = request.signal;
    if (signal.aborted) throw abortError(signal);
    const started = Date.now();
    try {
      const answer = await stream(provider.source.languageModel(modelId), request);
      log.debug({ model: request.model, ms: Date.now() - started, usage: answer.usage }, 'model call');
      return answer;
    } catch (error) {
      // Whatever the SDK made of it, a fired signal means the activity was cancelled.
      if (signal.aborted) throw abortError(signal);
      const typed = toModelError(error, name, provider.secrets);
      log.warn({ model: request.model, ms: Date.now() - started, err: typed.message }, 'model call failed');
      throw typed;
    }
  }

  return {
    call,
    providerNames: () => names,
    // Provider objects hold no sockets of their own (fetch's pool is global).
    close: () => Promise.resolve(),
  };
}

/** Runs one streamed call; errors the SDK reports through the stream are thrown. */
async function stream(model: LanguageModelV4, request: ModelCall): Promise<ModelAnswer> {
  let failure: { error: unknown } | undefined;
  const result = streamText({
    model,
    instructions: request.system,
    messages: [...request.messages],
    tools: toolSet(request.tools),
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    maxRetries: 0,
    abortSignal: request.signal,
    // Without it the SDK prints errors to the console; we throw them instead.
    onError: ({ error }) => {
      failure ??= { error };
    },
  });
  let text = '';
  const toolCalls: ModelToolCall[] = [];
  let usage: ModelAnswer['usage'] = { inputTokens: null, outputTokens: null };
  let finishReason = 'unknown';
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        text += part.text;
        request.onTextDelta?.(part.text);
        break;
      case 'tool-call':
        toolCalls.push({ callId: part.toolCallId, name: part.toolName, args: part.input });
        break;
      case 'finish':
        usage = {
          inputTokens: part.totalUsage.inputTokens ?? null,
          outputTokens: part.totalUsage.outputTokens ?? null,
        };
        finishReason = part.finishReason;
        break;
      case 'error':
        failure ??= { error: part.error };
        break;
      case 'abort':
        throw abortError(request.signal);
      default:
        break;
    }
  }
  if (failure !== undefined) throw failure.error;
  return { text, toolCalls, usage, finishReason };
}
