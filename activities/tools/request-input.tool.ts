import { REQUEST_INPUT_TOOL, type TurnTool } from '../../core/agents/turn-contract.ts';

/**
 * Asks the caller a question and waits for the reply: the turn pauses durably (`input_required`), and
 * the caller's next message is the call's output. The tool box only validates it; the turn asks.
 */
export const requestInputTool: TurnTool = {
  name: REQUEST_INPUT_TOOL,
  description:
    'Ask the user a question when you cannot go on without their answer (a missing detail, a choice ' +
    'or a confirmation). The conversation pauses until they reply; the reply is this call’s result.',
  inputSchema: {
    type: 'object',
    properties: { question: { type: 'string', minLength: 1, description: 'What to ask the user.' } },
    required: ['question'],
    additionalProperties: false,
  },
};
