/**
 * The model gateway against stand-in servers speaking the real OpenAI-compatible and Anthropic
 * protocols over real HTTP: answers, streamed deltas, tool calls, usage, the typed errors, aborts,
 * and that keys reach the provider but never an error message or a log line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { generateText, jsonSchema, simulateReadableStream, tool } from 'ai';
import { retryAfterMs } from '../../activities/models/ai-gateway-errors.ts';
import { createModelGateway } from '../../activities/models/ai-gateway.ts';
import {
  ModelRateLimitedError,
  ModelRequestRejectedError,
  ModelUnavailableError,
  UnknownModelProviderError,
} from '../../activities/models/model-errors.ts';
import type { ModelCall, ModelGateway } from '../../activities/models/model-gateway.ts';
import type { ModelConfig, ProviderConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { anthropicServer } from '../helpers/stand-ins/anthropic-server.ts';
import { openAiCompatibleServer } from '../helpers/stand-ins/openai-compatible-server.ts';
import { lastUserText, type StandInServer } from '../helpers/stand-ins/stand-in-server.ts';

const OPENAI_KEY = 'sk-stand-in-openai-secret-0123456789';
const ANTHROPIC_KEY = 'sk-ant-stand-in-secret-9876543210';

/** A tiny offline model standing in for the real local one: fixed text, no usage. */
function fixedLocalModel(text: string): LanguageModelV4 {
  const chunks: LanguageModelV4StreamPart[] = [
    { type: 'stream-start', warnings: [] },
    { type: 'text-start', id: 't' },
    { type: 'text-delta', id: 't', delta: text },
    { type: 'text-end', id: 't' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: undefined },
      usage: {
        inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: undefined, text: undefined, reasoning: undefined },
      },
    },
  ];
  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId: 'fixed',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('the gateway streams')),
    doStream: () => Promise.resolve({ stream: simulateReadableStream({ chunks }) }),
  };
}

/** A port nothing listens on: bound once, then released. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function modelConfig(providers: Record<string, ProviderConfig>): ModelConfig {
  return {
    providers,
    prices: {},
    defaultModel: 'local/fixed',
    localModelPath: '/nonexistent.gguf',
    historyTokens: 4000,
    callTimeoutMs: 60_000,
  };
}

/** One server-sent event, named or not. */
function sse(data: unknown, name?: string): string {
  return `${name === undefined ? '' : `event: ${name}\n`}data: ${JSON.stringify(data)}\n\n`;
}

const protocols = [
  {
    protocol: 'openai-compatible' as const,
    provider: 'oa',
    key: OPENAI_KEY,
    make: openAiCompatibleServer,
    malformed: 'data: {"id": "chatcmpl-1", "choices": [ {oops\n\n',
    midStreamError:
      sse({ id: 'c', choices: [{ index: 0, delta: { content: 'Hal' }, finish_reason: null }] }) +
      sse({ error: { message: 'upstream exploded', type: 'server_error' } }),
    sentKey: (s: StandInServer) => s.requests.at(-1)?.headers.authorization,
    expectedKeyHeader: `Bearer ${OPENAI_KEY}`,
    systemSeen: (body: Record<string, unknown>) =>
      (body.messages as { role: string; content: string }[]).find((m) => m.role === 'system')?.content,
  },
  {
    protocol: 'anthropic' as const,
    provider: 'anth',
    key: ANTHROPIC_KEY,
    make: anthropicServer,
    malformed: 'event: message_start\ndata: {"type": "message_start", "message": {oops\n\n',
    midStreamError:
      sse({ type: 'message_start', message: { id: 'm', usage: { input_tokens: 3 } } }, 'message_start') +
      sse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error'),
    sentKey: (s: StandInServer) => s.requests.at(-1)?.headers['x-api-key'],
    expectedKeyHeader: ANTHROPIC_KEY,
    systemSeen: (body: Record<string, unknown>) =>
      typeof body.system === 'string'
        ? body.system
        : (body.system as { text: string }[]).map((p) => p.text).join(''),
  },
];

describe.each(protocols)('model gateway over $protocol', (p) => {
  let server: StandInServer;
  let gateway: ModelGateway;
  const logLines: string[] = [];
  const model = `${p.provider}/stand-in-model`;

  beforeAll(async () => {
    server = await p.make().start();
    const port = await refusedPort();
    gateway = createModelGateway({
      models: modelConfig({
        [p.provider]: {
          protocol: p.protocol,
          baseUrl: server.baseUrl,
          apiKey: p.key,
          headers: { 'x-stand-in-tenant': 'acme' },
        },
        dead: { protocol: p.protocol, baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: p.key, headers: {} },
      }),
      local: { languageModel: () => fixedLocalModel('local says hi') },
      log: createLogger('debug', { write: (line: string) => void logLines.push(line) }),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await server.close();
  });

  function ask(extra: Partial<ModelCall> = {}): ModelCall {
    return {
      model,
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Say hello.' }],
      tools: [],
      signal: new AbortController().signal,
      ...extra,
    };
  }

  test('a plain text answer, with the model name, key, headers, system prompt and temperature sent', async () => {
    server.enqueue({ text: 'Hello there.' });
    const answer = await gateway.call(ask({ temperature: 0.3 }));
    expect(answer).toMatchObject({ text: 'Hello there.', toolCalls: [], finishReason: 'stop' });
    const seen = server.requests.at(-1)!;
    expect(seen.body.model).toBe('stand-in-model');
    expect(seen.body.stream).toBe(true);
    expect(seen.body.temperature).toBe(0.3);
    expect(p.systemSeen(seen.body)).toBe('You are terse.');
    expect(lastUserText(seen)).toBe('Say hello.');
    expect(p.sentKey(server)).toBe(p.expectedKeyHeader);
    expect(seen.headers['x-stand-in-tenant']).toBe('acme');
  });

  test('text deltas arrive in order and join to the answer text', async () => {
    const text = 'one two three four five six seven eight';
    server.enqueue({ text, chunks: 8, chunkDelayMs: 5 });
    const deltas: string[] = [];
    const answer = await gateway.call(ask({ onTextDelta: (d) => deltas.push(d) }));
    expect(deltas.length).toBe(8);
    expect(deltas.join('')).toBe(text);
    expect(answer.text).toBe(text);
  });

  test('two parallel tool calls come back parsed, and are never executed', async () => {
    const before = server.requests.length;
    server.enqueue({
      toolCalls: [
        { id: 'call_a', name: 'get_weather', args: { city: 'Oslo', days: 3 } },
        { id: 'call_b', name: 'get_time', args: { zone: 'Europe/Oslo' } },
      ],
    });
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather of a city',
        inputSchema: {
          type: 'object',
          properties: { city: { type: 'string' }, days: { type: 'integer' } },
          required: ['city'],
        },
      },
      {
        name: 'get_time',
        description: 'Time in a zone',
        inputSchema: { type: 'object', properties: { zone: { type: 'string' } } },
      },
    ];
    const answer = await gateway.call(ask({ tools }));
    expect(answer.finishReason).toBe('tool-calls');
    expect(answer.toolCalls).toEqual([
      { callId: 'call_a', name: 'get_weather', args: { city: 'Oslo', days: 3 } },
      { callId: 'call_b', name: 'get_time', args: { zone: 'Europe/Oslo' } },
    ]);
    const sentTools = JSON.stringify(server.requests.at(-1)!.body.tools);
    expect(sentTools).toContain('get_weather');
    expect(sentTools).toContain('Weather of a city');
    expect(sentTools).toContain('"days"');
    // The SDK made one request: it did not run the tools and call the model again.
    expect(server.requests.length).toBe(before + 1);
  });

  test('an earlier tool call and its result reach the provider in its own format', async () => {
    server.enqueue({ text: 'It is sunny.' });
    const answer = await gateway.call(
      ask({
        messages: [
          { role: 'user', content: 'Weather in Oslo?' },
          {
            role: 'assistant',
            content: [
              { type: 'tool-call', toolCallId: 'call_w', toolName: 'get_weather', input: { city: 'Oslo' } },
            ],
          },
          {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: 'call_w',
                toolName: 'get_weather',
                output: { type: 'json', value: { sky: 'sunny' } },
              },
            ],
          },
        ],
      }),
    );
    expect(answer.text).toBe('It is sunny.');
    const sent = JSON.stringify(server.requests.at(-1)!.body.messages);
    expect(sent).toContain('call_w');
    expect(sent).toContain('get_weather');
    expect(sent).toContain('sunny');
  });

  test('usage numbers as the provider reported them', async () => {
    server.enqueue({ text: 'counted', usage: { inputTokens: 123, outputTokens: 45 } });
    const answer = await gateway.call(ask());
    expect(answer.usage).toEqual({ inputTokens: 123, outputTokens: 45 });
  });

  test('429 with retry-after: 1 is ModelRateLimitedError(retryAfterMs 1000), one request only', async () => {
    const before = server.requests.length;
    server.enqueue({ status: 429, message: 'slow down', retryAfter: '1' });
    const error = await gateway.call(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect((error as ModelRateLimitedError).retryAfterMs).toBe(1000);
    expect((error as Error).message).toContain(p.provider);
    expect((error as Error).message).toContain('slow down');
    expect(server.requests.length).toBe(before + 1);
  });

  test('400 is ModelRequestRejectedError, fast and without a retry', async () => {
    const before = server.requests.length;
    server.enqueue({ status: 400, message: 'messages: field required' });
    const started = Date.now();
    const error = await gateway.call(ask()).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(ModelRequestRejectedError);
    expect((error as ModelRequestRejectedError).status).toBe(400);
    expect((error as Error).message).toMatch(/400.*messages: field required/);
    expect(server.requests.length).toBe(before + 1);
  });

  test('500 is ModelUnavailableError, one request only', async () => {
    const before = server.requests.length;
    server.enqueue({ status: 500, message: 'overloaded' });
    const error = await gateway.call(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toContain('500');
    expect(server.requests.length).toBe(before + 1);
  });

  test('a malformed stream is ModelUnavailableError', async () => {
    server.enqueue({ raw: p.malformed });
    await expect(gateway.call(ask())).rejects.toBeInstanceOf(ModelUnavailableError);
  });

  test('an error event in the middle of a stream is ModelUnavailableError with its message', async () => {
    server.enqueue({ raw: p.midStreamError });
    const error = await gateway.call(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(/upstream exploded|Overloaded/);
  });

  test('a 429 without retry-after leaves the delay to the retry policy', async () => {
    server.enqueue({ status: 429 });
    const error = await gateway.call(ask()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRateLimitedError);
    expect((error as ModelRateLimitedError).retryAfterMs).toBeUndefined();
  });

  test('a refused connection is ModelUnavailableError', async () => {
    const error = await gateway.call(ask({ model: 'dead/any' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toContain('"dead"');
  });

  test('an abort during a slow stream rejects at once and the provider sees the hang-up', async () => {
    server.enqueue({ text: 'x'.repeat(40), chunks: 40, chunkDelayMs: 250 });
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    const deltas: string[] = [];
    const call = gateway.call(
      ask({
        signal: controller.signal,
        onTextDelta: (d) => {
          deltas.push(d);
          if (deltas.length === 1) controller.abort(reason);
        },
      }),
    );
    const hungUp = server.waitForDisconnects();
    const started = Date.now();
    await expect(call).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(1000);
    await hungUp;
    expect(deltas.length).toBeLessThan(40);
  });

  test('an abort while waiting for the first byte rejects at once and hangs up', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    server.enqueue(async () => {
      await gate;
      return { text: 'too late' };
    });
    const controller = new AbortController();
    const call = gateway.call(ask({ signal: controller.signal }));
    const rejected = expect(call).rejects.toMatchObject({ name: 'AbortError' });
    const hungUp = server.waitForDisconnects();
    await server.waitForRequests();
    controller.abort();
    await rejected;
    await hungUp;
    release();
  });

  test('an unknown provider is UnknownModelProviderError listing local and the configured ones', async () => {
    const before = server.requests.length;
    const error = await gateway.call(ask({ model: 'nope/gpt' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownModelProviderError);
    expect((error as UnknownModelProviderError).choices).toEqual(['local', p.provider, 'dead']);
    expect((error as Error).message).toContain(`local, ${p.provider}, dead`);
    expect(gateway.providerNames()).toEqual(['local', p.provider, 'dead']);
    await expect(gateway.call(ask({ model: 'gpt-4o' }))).rejects.toBeInstanceOf(UnknownModelProviderError);
    await expect(gateway.call(ask({ model: `${p.provider}/` }))).rejects.toBeInstanceOf(
      ModelRequestRejectedError,
    );
    expect(server.requests.length).toBe(before);
  });

  test('the key is sent but appears in no error message or log line, even when echoed', async () => {
    server.enqueue({ status: 401, message: `invalid api key ${p.key} for this account` });
    const error = await gateway.call(ask()).catch((e: unknown) => e);
    expect(p.sentKey(server)).toBe(p.expectedKeyHeader);
    expect(error).toBeInstanceOf(ModelRequestRejectedError);
    expect((error as Error).message).toContain('invalid api key [redacted]');
    expect((error as Error).message).not.toContain(p.key);
    expect(JSON.stringify(error)).not.toContain(p.key);
    expect(logLines.join('\n')).not.toContain(p.key);
    expect(logLines.join('\n')).toContain('model call failed');
  });

  test('a long provider message is cut short', async () => {
    server.enqueue({ status: 400, message: 'y'.repeat(5000) });
    const error = (await gateway.call(ask()).catch((e: unknown) => e)) as Error;
    expect(error.message.length).toBeLessThan(400);
  });

  test('100 concurrent calls each get their own answer', async () => {
    server.setDefault((request) => ({ text: `echo: ${lastUserText(request)}` }));
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        gateway.call(ask({ messages: [{ role: 'user', content: `chat ${i}` }] })),
      ),
    );
    expect(answers.map((a) => a.text)).toEqual(Array.from({ length: 100 }, (_, i) => `echo: chat ${i}`));
    server.setDefault({ text: 'ok' });
  });

  test('the local provider delegates to the injected model; its missing usage is null', async () => {
    const answer = await gateway.call(ask({ model: 'local/fixed' }));
    expect(answer).toEqual({
      text: 'local says hi',
      toolCalls: [],
      usage: { inputTokens: null, outputTokens: null },
      finishReason: 'stop',
    });
  });

  test('the stand-in also answers non-streamed requests (text and a tool call)', async () => {
    const provider =
      p.protocol === 'anthropic'
        ? createAnthropic({ baseURL: server.baseUrl, apiKey: p.key })
        : createOpenAICompatible({ name: 'oa', baseURL: server.baseUrl, apiKey: p.key });
    server.enqueue({
      text: 'Checking.',
      toolCalls: [{ name: 'lookup', args: { q: 'dagen' } }],
      usage: { inputTokens: 9, outputTokens: 4 },
    });
    const result = await generateText({
      model: provider.languageModel('stand-in-model'),
      prompt: 'look it up',
      tools: { lookup: tool({ inputSchema: jsonSchema({ type: 'object' }) }) },
      maxRetries: 0,
    });
    expect(server.requests.at(-1)!.body.stream).not.toBe(true);
    expect(result.text).toBe('Checking.');
    expect(result.toolCalls.map((c) => [c.toolName, c.input])).toEqual([['lookup', { q: 'dagen' }]]);
    expect(result.usage.inputTokens).toBe(9);
  });
});

describe('model gateway: a stand-in that closes mid-stream', () => {
  test('close() ends the open stream and the call fails as ModelUnavailableError', async () => {
    const server = await openAiCompatibleServer().start();
    const gateway = createModelGateway({
      models: modelConfig({
        oa: { protocol: 'openai-compatible', baseUrl: server.baseUrl, apiKey: 'k', headers: {} },
      }),
      local: { languageModel: () => fixedLocalModel('unused') },
      log: createLogger('silent'),
    });
    server.enqueue({ text: 'z'.repeat(20), chunks: 20, chunkDelayMs: 10_000 });
    let firstDelta: () => void = () => {};
    const streaming = new Promise<void>((resolve) => (firstDelta = resolve));
    const call = gateway.call({
      model: 'oa/m',
      system: '',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      signal: new AbortController().signal,
      onTextDelta: () => firstDelta(),
    });
    const failed = expect(call).rejects.toBeInstanceOf(ModelUnavailableError);
    await server.waitForRequests(1);
    await streaming;
    const started = Date.now();
    await server.close();
    await failed;
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('retry-after', () => {
  test('retry-after-ms wins, then seconds, then an HTTP date; garbage is no delay', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(retryAfterMs({ 'retry-after-ms': '150', 'retry-after': '9' }, now)).toBe(150);
    expect(retryAfterMs({ 'Retry-After': '2' }, now)).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '0.5' }, now)).toBe(500);
    expect(retryAfterMs({ 'retry-after': 'Sun, 29 Nov 2026 12:00:03 GMT' }, now)).toBe(3000);
    expect(retryAfterMs({ 'retry-after': 'Sun, 29 Nov 2026 11:00:00 GMT' }, now)).toBe(0);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('model gateway: a provider that reports no usage', () => {
  let server: StandInServer;
  let gateway: ModelGateway;
  beforeAll(async () => {
    server = await openAiCompatibleServer().start();
    gateway = createModelGateway({
      models: modelConfig({
        oa: { protocol: 'openai-compatible', baseUrl: server.baseUrl, apiKey: undefined, headers: {} },
      }),
      local: { languageModel: () => fixedLocalModel('unused') },
      log: createLogger('silent'),
    });
  });
  afterAll(async () => {
    await gateway.close();
    await server.close();
  });

  test('no usage chunk gives nulls, never 0; no key configured sends no Authorization', async () => {
    server.enqueue({ text: 'uncounted', usage: null });
    const answer = await gateway.call({
      model: 'oa/m',
      system: '',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      signal: new AbortController().signal,
    });
    expect(answer.text).toBe('uncounted');
    expect(answer.usage).toEqual({ inputTokens: null, outputTokens: null });
    expect(server.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });
});
