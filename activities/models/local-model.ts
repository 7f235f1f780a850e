import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
  SharedV4Warning,
} from '@ai-sdk/provider';
import { fitPrompt } from './local-model-prompt.ts';
import {
  LOCAL_CONTEXT_TOKENS,
  loadLocalModel,
  type Generated,
  type LoadedLocalModel,
} from './local-model-runtime.ts';
import { ModelRequestRejectedError } from './model-errors.ts';

/** The one model of the built-in `local` provider (`local/smollm2-135m-instruct`). */
export const LOCAL_MODEL_ID = 'smollm2-135m-instruct';
const DEFAULT_MAX_OUTPUT_TOKENS = 256;
/** Low but not 0: SmolLM2-135M repeats itself at greedy decoding. */
const DEFAULT_TEMPERATURE = 0.3;
const TEXT_ID = 'text-0';

/**
 * The offline provider: SmolLM2-135M-Instruct on the CPU through node-llama-cpp, so chat answers on
 * a fresh install with no provider configured. Its answers are weak; it is a fallback, not a choice.
 * node-llama-cpp and the GGUF load on the first call, once per process (concurrent first calls share
 * the load); a failed load is retried by the next call.
 */
export class LocalModels {
  private readonly modelPath: string;
  private loading: Promise<LoadedLocalModel> | undefined;

  /** `modelPath`: the GGUF (config.models.localModelPath). */
  constructor(modelPath: string) {
    this.modelPath = modelPath;
  }

  languageModel(modelId: string): LanguageModelV4 {
    if (modelId !== LOCAL_MODEL_ID) {
      throw new ModelRequestRejectedError(
        `unknown local model "${modelId}"; the local provider has only ${LOCAL_MODEL_ID}`,
        undefined,
      );
    }
    return {
      specificationVersion: 'v4',
      provider: 'local',
      modelId,
      supportedUrls: {},
      doGenerate: (options) => this.doGenerate(options),
      doStream: (options) => this.doStream(options),
    };
  }

  /** Disposes the model if it was loaded (after the generation in progress, if any). */
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    const loaded = await loading?.catch(() => undefined);
    await loaded?.dispose();
  }

  private load(): Promise<LoadedLocalModel> {
    this.loading ??= loadLocalModel(this.modelPath).catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  /** Loads the model (first call) and fits the prompt: what must succeed before any answer streams. */
  private async prepare(options: LanguageModelV4CallOptions): Promise<Prepared> {
    options.abortSignal?.throwIfAborted();
    const model = await this.load();
    const maxTokens = Math.max(
      1,
      Math.min(options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS, LOCAL_CONTEXT_TOKENS / 2),
    );
    const prompt = fitPrompt(options.prompt, LOCAL_CONTEXT_TOKENS - maxTokens, (text) =>
      model.tokenize(text),
    );
    return { model, maxTokens, prompt: prompt.tokens, warnings: warningsOf(options, prompt.dropped) };
  }

  private generate(
    prepared: Prepared,
    options: LanguageModelV4CallOptions,
    signal: AbortSignal | undefined,
    onText?: (text: string) => void,
  ): Promise<Generated> {
    return prepared.model.generate(prepared.prompt, {
      maxTokens: prepared.maxTokens,
      temperature: options.temperature ?? DEFAULT_TEMPERATURE,
      signal,
      onText,
    });
  }

  private async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const prepared = await this.prepare(options);
    const generated = await this.generate(prepared, options, options.abortSignal);
    return {
      content: generated.text ? [{ type: 'text', text: generated.text }] : [],
      finishReason: finishReasonOf(generated),
      usage: usageOf(prepared.prompt.length, generated.outputTokens),
      warnings: prepared.warnings,
    };
  }

  private async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const prepared = await this.prepare(options);
    // The reader cancelling the stream stops the generation as the caller's abort does.
    const cancel = new AbortController();
    const signal = options.abortSignal
      ? AbortSignal.any([options.abortSignal, cancel.signal])
      : cancel.signal;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      start: (controller) => {
        controller.enqueue({ type: 'stream-start', warnings: prepared.warnings });
        let started = false;
        const onText = (delta: string) => {
          if (!started) controller.enqueue({ type: 'text-start', id: TEXT_ID });
          started = true;
          controller.enqueue({ type: 'text-delta', id: TEXT_ID, delta });
        };
        this.generate(prepared, options, signal, onText).then(
          (generated) => {
            if (started) controller.enqueue({ type: 'text-end', id: TEXT_ID });
            controller.enqueue({
              type: 'finish',
              finishReason: finishReasonOf(generated),
              usage: usageOf(prepared.prompt.length, generated.outputTokens),
            });
            controller.close();
          },
          (error: unknown) => {
            if (!cancel.signal.aborted) controller.error(error);
          },
        );
      },
      cancel: () => cancel.abort(),
    });
    return { stream };
  }
}

interface Prepared {
  readonly model: LoadedLocalModel;
  readonly maxTokens: number;
  readonly prompt: readonly number[];
  readonly warnings: SharedV4Warning[];
}

function finishReasonOf(generated: Generated): LanguageModelV4GenerateResult['finishReason'] {
  return { unified: generated.finish, raw: generated.finish };
}

function usageOf(inputTokens: number, outputTokens: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

function warningsOf(options: LanguageModelV4CallOptions, dropped: number): SharedV4Warning[] {
  const warnings: SharedV4Warning[] = [];
  if (options.tools?.length) {
    warnings.push({ type: 'unsupported', feature: 'tools', details: 'the local model cannot call tools' });
  }
  if (dropped > 0) {
    warnings.push({
      type: 'compatibility',
      feature: 'context',
      details: `${dropped} oldest messages left out to fit ${LOCAL_CONTEXT_TOKENS} tokens`,
    });
  }
  return warnings;
}
