import { access } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ModelRequestRejectedError } from './model-errors.ts';

/**
 * The part of node-llama-cpp 3.22 the local model uses. node-llama-cpp lives in the separate package
 * folder local-model/ (installed by bin/bootstrap.sh with its CPU build only), so it is imported at
 * run time and typed here: typecheck and lint do not depend on that folder being installed.
 */
type Token = number;
interface LlamaModule {
  getLlama(options: { gpu: false; build: 'never'; progressLogs: boolean; logLevel: 'error' }): Promise<Llama>;
}
interface Llama {
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}
interface LlamaModel {
  tokenize(text: string, specialTokens: boolean): Token[];
  detokenize(tokens: readonly Token[], specialTokens?: boolean): string;
  isEogToken(token: Token | undefined): boolean;
  createContext(options: { contextSize: number; sequences: number; threads: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}
interface LlamaContext {
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}
interface LlamaContextSequence {
  evaluate(tokens: Token[], options: { temperature: number }): AsyncGenerator<Token, void, void>;
  clearHistory(): Promise<void>;
}

/** Tokens the model sees at once, prompt and answer together (SmolLM2 was trained on 8192). */
export const LOCAL_CONTEXT_TOKENS = 2048;
/** The package folder bin/bootstrap.sh installs node-llama-cpp into, beside this checkout's root. */
const RUNTIME_FOLDER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../local-model');
const RUNTIME_ENTRY = path.join(RUNTIME_FOLDER, 'node_modules/node-llama-cpp/dist/index.js');

export interface GenerateOptions {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly signal: AbortSignal | undefined;
  /** Called with each piece of text as soon as it decodes to whole characters. */
  readonly onText?: ((text: string) => void) | undefined;
}

export interface Generated {
  readonly text: string;
  readonly outputTokens: number;
  /** `stop` when the model ended its answer, `length` when maxTokens cut it. */
  readonly finish: 'stop' | 'length';
}

/**
 * One loaded GGUF with one context sequence: generations take turns (a queue), which on a CPU costs
 * little, since parallel sequences would share the same cores.
 */
export class LoadedLocalModel {
  private readonly llama: Llama;
  private readonly model: LlamaModel;
  private readonly context: LlamaContext;
  private readonly sequence: LlamaContextSequence;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(llama: Llama, model: LlamaModel, context: LlamaContext) {
    this.llama = llama;
    this.model = model;
    this.context = context;
    this.sequence = context.getSequence();
  }

  /** Special tokens (`<|im_start|>`) in the text are read as such: the caller builds the ChatML. */
  tokenize(text: string): number[] {
    return this.model.tokenize(text, true);
  }

  /** Generates after `prompt` once the generations queued before it are done. */
  generate(prompt: readonly number[], options: GenerateOptions): Promise<Generated> {
    const turn = this.queue.then(() => this.generateNow(prompt, options));
    this.queue = turn.catch(() => undefined);
    return options.signal ? untilAborted(turn, options.signal) : turn;
  }

  private async generateNow(prompt: readonly number[], options: GenerateOptions): Promise<Generated> {
    options.signal?.throwIfAborted();
    await this.sequence.clearHistory();
    const generated: number[] = [];
    let sent = '';
    // The generator ends by itself at an end-of-generation token (`<|im_end|>`), which it does not
    // yield; leaving the loop early ends it too, which stops evaluating.
    let finish: Generated['finish'] = 'stop';
    for await (const token of this.sequence.evaluate([...prompt], { temperature: options.temperature })) {
      options.signal?.throwIfAborted();
      if (this.model.isEogToken(token)) break;
      generated.push(token);
      const text = this.model.detokenize(generated);
      // A character split across tokens decodes to U+FFFD until its last byte arrives.
      if (!text.endsWith('\uFFFD') && text.length > sent.length) {
        options.onText?.(text.slice(sent.length));
        sent = text;
      }
      if (generated.length >= options.maxTokens) {
        finish = 'length';
        break;
      }
    }
    const text = this.model.detokenize(generated);
    if (text.length > sent.length) options.onText?.(text.slice(sent.length));
    return { text, outputTokens: generated.length, finish };
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }
}

/** `work`, or its rejection with the signal's reason as soon as the signal aborts (still queued, say). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Loads node-llama-cpp's CPU build and the GGUF at `modelPath`; a missing file is a clear error. */
export async function loadLocalModel(modelPath: string): Promise<LoadedLocalModel> {
  try {
    await access(modelPath);
  } catch {
    throw new ModelRequestRejectedError(
      `the local model file is missing at ${modelPath}: ./dagen start installs it, or set DAGEN_LOCAL_MODEL_PATH to where it is`,
      undefined,
    );
  }
  let runtime: LlamaModule;
  try {
    runtime = (await import(pathToFileURL(RUNTIME_ENTRY).href)) as LlamaModule;
  } catch {
    throw new ModelRequestRejectedError(
      `the local model runtime (node-llama-cpp) is missing from ${RUNTIME_FOLDER}: ./dagen start installs it`,
      undefined,
    );
  }
  // The prebuilt CPU binary only: never a GPU probe nor a source build at run time.
  const llama = await runtime.getLlama({
    gpu: false,
    build: 'never',
    progressLogs: false,
    logLevel: 'error',
  });
  try {
    const model = await llama.loadModel({ modelPath });
    // One thread: llama.cpp's threads wait for each other spinning, and on a busy machine (a worker
    // runs much else) that took 30 s a token with 2 threads on 2 cores, against 50 ms with one.
    const context = await model.createContext({
      contextSize: LOCAL_CONTEXT_TOKENS,
      sequences: 1,
      threads: 1,
    });
    return new LoadedLocalModel(llama, model, context);
  } catch (error) {
    await llama.dispose();
    throw error;
  }
}
