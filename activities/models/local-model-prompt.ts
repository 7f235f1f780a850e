import type {
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
} from '@ai-sdk/provider';

/**
 * The AI SDK prompt as SmolLM2's ChatML. The 135M model was not trained to call tools, so tool
 * definitions are left out (the caller says so in a warning); tool calls and tool results already in
 * the conversation are told as plain text, so an answer can still use what a tool returned.
 */

const END = '<|im_end|>\n';
/** Where the answer starts: the model writes on from here. */
const ANSWER_HEADER = '<|im_start|>assistant\n';

function block(role: 'system' | 'user' | 'assistant', text: string): string {
  return `<|im_start|>${role}\n${text}${END}`;
}

function toolOutputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return `(not run${output.reason ? `: ${output.reason}` : ''})`;
    case 'content':
      return output.value
        .map((part) => (part.type === 'text' ? part.text : `[${part.type} omitted]`))
        .join('\n');
  }
}

/** One message as a ChatML block; tool results become a user turn, ChatML having no tool role here. */
function messageBlock(message: LanguageModelV4Message): string {
  if (message.role === 'system') return block('system', message.content);
  const lines: string[] = [];
  for (const part of message.content) {
    if (part.type === 'text') lines.push(part.text);
    else if (part.type === 'file') lines.push(`[file ${part.filename ?? ''} (${part.mediaType}) omitted]`);
    else if (part.type === 'tool-call')
      lines.push(`[called ${part.toolName} with ${JSON.stringify(part.input)}]`);
    else if (part.type === 'tool-result')
      lines.push(`Result of ${part.toolName}: ${toolOutputText(part.output)}`);
    // Reasoning, custom parts and tool approvals carry nothing this model can use.
  }
  return block(message.role === 'assistant' ? 'assistant' : 'user', lines.join('\n'));
}

export interface FittedPrompt {
  readonly tokens: readonly number[];
  /** Non-system messages dropped from the start to fit. */
  readonly dropped: number;
}

/**
 * The prompt's tokens within `budget`: system messages always stay, the oldest other messages go
 * first, the latest always stays. A latest message too long on its own keeps its end (the question
 * is usually last) and loses the beginning of the prompt.
 */
export function fitPrompt(
  prompt: LanguageModelV4Prompt,
  budget: number,
  tokenize: (text: string) => number[],
): FittedPrompt {
  const blocks = prompt.map((message) => ({
    system: message.role === 'system',
    text: messageBlock(message),
  }));
  // ChatML blocks start with a special token, so a block's token count does not depend on its neighbours.
  const counts = blocks.map((b) => tokenize(b.text).length);
  let total = counts.reduce((sum, n) => sum + n, 0) + tokenize(ANSWER_HEADER).length;
  const kept = blocks.map(() => true);
  const lastOther = blocks.findLastIndex((b) => !b.system);
  let dropped = 0;
  for (let i = 0; i < blocks.length && total > budget; i++) {
    if (blocks[i]!.system || i === lastOther) continue;
    kept[i] = false;
    total -= counts[i]!;
    dropped++;
  }
  const text =
    blocks
      .filter((_, i) => kept[i])
      .map((b) => b.text)
      .join('') + ANSWER_HEADER;
  const tokens = tokenize(text);
  return { tokens: tokens.length > budget ? tokens.slice(tokens.length - budget) : tokens, dropped };
}
