/**
 * Local model benchmark (`npm run bench:local-model`): the offline model (SmolLM2-135M-Instruct on the
 * CPU through node-llama-cpp) as the gateway drives it, through the AI SDK. Prints the load time, the
 * process RSS before and after the load, and per prompt the time to the first token and the
 * generation speed (output tokens after the first one, per second), with the p50 over the prompts.
 * The GGUF is the one the bootstrap installs (config.models.localModelPath).
 */
import { streamText } from 'ai';
import { LOCAL_MODEL_ID, LocalModels } from '../activities/models/local-model.ts';
import { loadConfig } from '../infra/config.ts';
import { summarize } from './support/stats.ts';

const OUTPUT_TOKENS = Number(process.env.BENCH_OUTPUT_TOKENS ?? 96);
const PROMPTS = [
  'Explain what a database index is.',
  'Write a short story about a lighthouse keeper.',
  'List some tips for learning a new language.',
  'Describe how a bicycle works.',
  'What are the benefits of regular exercise?',
];
const MB = 1024 * 1024;

interface Sample {
  readonly prompt: string;
  readonly firstTokenMs: number;
  readonly outputTokens: number;
  readonly tokensPerSecond: number;
}

async function generate(models: LocalModels, prompt: string): Promise<Sample> {
  const began = performance.now();
  let firstAt = 0;
  const result = streamText({
    model: models.languageModel(LOCAL_MODEL_ID),
    system: 'You are a helpful assistant.',
    prompt,
    maxOutputTokens: OUTPUT_TOKENS,
    temperature: 0.3,
    maxRetries: 0,
  });
  for await (const _delta of result.textStream) firstAt ||= performance.now();
  const ended = performance.now();
  const outputTokens = (await result.usage).outputTokens ?? 0;
  return {
    prompt,
    firstTokenMs: firstAt - began,
    outputTokens,
    tokensPerSecond: ((outputTokens - 1) * 1000) / (ended - firstAt),
  };
}

async function main(): Promise<void> {
  const models = new LocalModels(loadConfig(process.env).models.localModelPath);
  const rssBefore = process.memoryUsage().rss;
  const loadBegan = performance.now();
  // The first call loads node-llama-cpp and the GGUF; a 1-token answer keeps it about the load.
  await streamText({
    model: models.languageModel(LOCAL_MODEL_ID),
    prompt: 'Hi',
    maxOutputTokens: 1,
    maxRetries: 0,
  }).text;
  const loadMs = performance.now() - loadBegan;
  const rssAfter = process.memoryUsage().rss;

  const samples: Sample[] = [];
  for (const prompt of PROMPTS) samples.push(await generate(models, prompt));
  const rssEnd = process.memoryUsage().rss;
  await models.close();

  console.log(`load (first call, 1 token): ${loadMs.toFixed(0)} ms`);
  console.log(
    `RSS: before load ${(rssBefore / MB).toFixed(0)} MB, after load ${(rssAfter / MB).toFixed(0)} MB, after ${PROMPTS.length} answers ${(rssEnd / MB).toFixed(0)} MB`,
  );
  console.table(
    samples.map((s) => ({
      prompt: s.prompt.slice(0, 40),
      'first token ms': Math.round(s.firstTokenMs),
      'output tokens': s.outputTokens,
      'tokens/s': Number(s.tokensPerSecond.toFixed(1)),
    })),
  );
  const speed = summarize(samples.map((s) => s.tokensPerSecond));
  const first = summarize(samples.map((s) => s.firstTokenMs));
  console.log(`p50: ${speed.p50.toFixed(1)} tokens/s, first token ${first.p50.toFixed(0)} ms`);
}

await main();
