import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import type { ModelConfig } from '../../infra/config.ts';

/** What the hand-written chat sends: the same system prompt and user text as the dagen agent. */
export interface BaselineChatInput {
  readonly system: string;
  readonly message: string;
}

export interface BaselineChatActivities {
  baselineChatCall(input: BaselineChatInput): Promise<string>;
}

/**
 * The hand-written chat app's one activity: a single streamed call to the default model's
 * OpenAI-compatible provider through the AI SDK (the path dagen's gateway takes), no retries of its
 * own (Temporal owns them), answering the text. The provider object is made once, as an app would.
 * No provider configured (the engine bench): no activity.
 */
export function createBaselineChatActivities(models: ModelConfig): Partial<BaselineChatActivities> {
  const slash = models.defaultModel.indexOf('/');
  const provider = models.providers[models.defaultModel.slice(0, slash)];
  if (!provider || provider.protocol !== 'openai-compatible') return {};
  const openAi = createOpenAICompatible({
    name: 'baseline',
    baseURL: provider.baseUrl,
    ...(provider.apiKey !== undefined && { apiKey: provider.apiKey }),
    includeUsage: true,
  });
  const model = openAi.languageModel(models.defaultModel.slice(slash + 1));
  return {
    async baselineChatCall({ system, message }: BaselineChatInput): Promise<string> {
      const result = streamText({ model, instructions: system, prompt: message, maxRetries: 0 });
      return await result.text;
    },
  };
}
