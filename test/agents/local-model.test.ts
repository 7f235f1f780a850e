import type { LanguageModelV4Message, LanguageModelV4ToolResultOutput } from '@ai-sdk/provider';
import { generateText, jsonSchema, streamText, tool, type ModelMessage } from 'ai';
import path from 'node:path';
import os from 'node:os';
import { fitPrompt } from '../../activities/models/local-model-prompt.ts';
import { LocalModels, LOCAL_MODEL_ID } from '../../activities/models/local-model.ts';
import { ModelRequestRejectedError } from '../../activities/models/model-errors.ts';
import { loadConfig } from '../../infra/config.ts';

/** The model asked for the weather tool and got `output` back. */
function weatherLookup(output: LanguageModelV4ToolResultOutput): LanguageModelV4Message[] {
  return [
    {
      role: 'assistant',
      content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } }],
    },
    { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output }] },
  ];
}

/**
 * The offline model for real: node-llama-cpp's CPU build and the SmolLM2-135M GGUF that the bootstrap
 * installs (.ci/run and ./dagen start do), driven through the AI SDK as the model gateway drives it.
 */
describe('the local model (SmolLM2-135M-Instruct on the CPU)', () => {
  const models = new LocalModels(loadConfig(process.env).models.localModelPath);
  const model = models.languageModel(LOCAL_MODEL_ID);

  afterAll(() => models.close());

  it('answers a question with text and reports the tokens it read and wrote', async () => {
    const result = await generateText({
      model,
      system: 'You are a helpful assistant. Answer in one sentence.',
      prompt: 'What is the capital of France?',
      maxRetries: 0,
    });
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(10);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.finishReason).toBe('stop');
  });

  it('streams the answer in several deltas that join to the whole text, and stops at maxOutputTokens', async () => {
    const result = streamText({
      model,
      prompt: 'Write a long story about a lighthouse keeper.',
      maxOutputTokens: 24,
      maxRetries: 0,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(await result.text);
    expect((await result.usage).outputTokens).toBe(24);
    expect(await result.finishReason).toBe('length');
  });

  it('tells tool results as text, and ignores tool definitions with a warning', async () => {
    const result = await generateText({
      model,
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        // The AI SDK's messages of a tool exchange have the provider prompt's shape.
        ...(weatherLookup({ type: 'text', value: 'Sunny, 24 degrees' }) as ModelMessage[]),
      ],
      tools: {
        weather: tool({
          description: 'The weather in a city',
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
          }),
        }),
      },
      maxOutputTokens: 32,
      maxRetries: 0,
    });
    expect(result.text.trim().length).toBeGreaterThan(0);
    expect(result.toolCalls).toEqual([]);
    expect(result.warnings).toContainEqual(
      expect.objectContaining({ type: 'unsupported', feature: 'tools' }),
    );
  });

  it('stops generating promptly when the call is aborted, and frees the model for the next call', async () => {
    const controller = new AbortController();
    const result = streamText({
      model,
      prompt: 'Count from one to one thousand in words.',
      maxOutputTokens: 1000,
      abortSignal: controller.signal,
      maxRetries: 0,
    });
    const deltas: string[] = [];
    let abortedAt = 0;
    for await (const delta of result.textStream) {
      deltas.push(delta);
      if (deltas.length === 3) {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    // The AI SDK ends an aborted stream rather than failing it.
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    expect(deltas.length).toBeLessThan(10);
    // Calls take turns on the model: had the aborted one gone on (1000 tokens), this one would wait for it.
    const began = Date.now();
    const next = await generateText({ model, prompt: 'Say hello.', maxOutputTokens: 8, maxRetries: 0 });
    expect(next.usage.outputTokens).toBeGreaterThan(0);
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('a call aborted before it runs rejects with the abort', async () => {
    const controller = new AbortController();
    controller.abort();
    const call = generateText({ model, prompt: 'Hi', abortSignal: controller.signal, maxRetries: 0 });
    await expect(call).rejects.toThrow(/abort/i);
  });

  it('a missing model file fails with one line saying where it was expected and how to get it', async () => {
    const missing = path.join(os.tmpdir(), 'no-such-dir', 'model.gguf');
    const absent = new LocalModels(missing);
    const call = generateText({ model: absent.languageModel(LOCAL_MODEL_ID), prompt: 'Hi', maxRetries: 0 });
    await expect(call).rejects.toThrow(ModelRequestRejectedError);
    await expect(call).rejects.toThrow(
      `the local model file is missing at ${missing}: ./dagen start installs it, or set DAGEN_LOCAL_MODEL_PATH to where it is`,
    );
    await absent.close();
  });

  it('knows only its one model', () => {
    expect(() => models.languageModel('llama-3')).toThrow(ModelRequestRejectedError);
  });
});

describe('the local model prompt (ChatML)', () => {
  // One token per word or special marker: enough to see what is kept and in what order.
  const tokenize = (text: string) =>
    text
      .split(/\s+|(?=<\|)/)
      .filter(Boolean)
      .map((_, i) => i);
  const render = (tokensOf: (text: string) => number[]) => {
    const texts: string[] = [];
    return { texts, tokenize: (text: string) => (texts.push(text), tokensOf(text)) };
  };

  it('renders system, user, assistant tool calls and tool results as ChatML, ending at the answer header', () => {
    const seen = render(tokenize);
    fitPrompt(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
        ...weatherLookup({ type: 'json', value: { sky: 'sunny' } }),
      ],
      1000,
      seen.tokenize,
    );
    expect(seen.texts.at(-1)).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n' +
        '<|im_start|>user\nWeather in Paris?<|im_end|>\n' +
        '<|im_start|>assistant\n[called weather with {"city":"Paris"}]<|im_end|>\n' +
        '<|im_start|>user\nResult of weather: {"sky":"sunny"}<|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('drops the oldest non-system messages to fit, keeping the system prompt and the latest message', () => {
    const seen = render(tokenize);
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    const fitted = fitPrompt(
      [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: `first ${words(50)}` }] },
        { role: 'assistant', content: [{ type: 'text', text: `second ${words(50)}` }] },
        { role: 'user', content: [{ type: 'text', text: 'latest question' }] },
      ],
      80,
      seen.tokenize,
    );
    expect(fitted.dropped).toBe(1);
    expect(fitted.tokens.length).toBeLessThanOrEqual(80);
    const text = seen.texts.at(-1)!;
    expect(text).toContain('Be brief.');
    expect(text).not.toContain('first');
    expect(text).toContain('second');
    expect(text).toContain('latest question');
  });
});
