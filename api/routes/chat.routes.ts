import { z } from 'zod';
import { awaitChat, startChat } from '../../domain/jobs/chat.service.ts';
import type { JsonValue } from '../../core/run-status.ts';
import { authOf } from '../../http/context.ts';
import { named, uuid } from '../openapi/schemas.ts';
import { startHeaders, storableJsonField, storableString } from '../runs/run-schemas.ts';
import { endpoint } from './endpoint.ts';

const chatBody = z.strictObject({
  agent_id: z.string().trim().min(1, 'is required').meta({ description: 'From GET /api/v1/agents.' }),
  message: storableString.min(1, 'is required').max(100_000).meta({ description: 'The user text.' }),
  session_id: z
    .string()
    .optional()
    .meta({
      description:
        'Continue this session (from an earlier answer); unknown or another agent’s: 404. When its latest ' +
        'job waits for input (`status: input_required`), the message is that job’s reply and continues it.',
    }),
  model_id: z
    .string()
    .min(3)
    .optional()
    .meta({ description: '`<provider>/<model>` for this call only; an unconfigured provider is a 400.' }),
  context: storableJsonField(
    'Structured data for the tools, recorded on the job; given to the model as data.',
  ),
});

const chatAnswer = named(
  'ChatAnswer',
  z.object({
    status: z.enum(['success', 'input_required']).meta({
      description:
        '`success`: the turn ended and `message` is its answer. `input_required`: the agent asks ' +
        '`message` and waits; send the reply with this `session_id` to continue the same job.',
    }),
    message: z.string().meta({ description: 'The full assistant text, or the agent’s question.' }),
    session_id: uuid.meta({ description: 'Pass it on the next call to continue the conversation.' }),
    agent_id: z.string(),
    duration_ms: z.int().min(0).meta({ description: 'Server-side latency of this request.' }),
    job_id: uuid.meta({ description: 'The recorded job (GET /api/v1/jobs/{job_id}).' }),
    usage: z.object({
      input_tokens: z
        .int()
        .nullable()
        .meta({ description: 'Summed over the model calls; null if any call reported none.' }),
      output_tokens: z.int().nullable(),
      cost_micros: z.int().nullable().meta({
        description: 'Exact integer micro-units; null if any call was unpriced or reported no usage.',
      }),
    }),
  }),
);

const chatEndpoint = endpoint({
  method: 'post',
  path: '/agent/chat',
  scope: 'agents',
  operationId: 'chatWithAgent',
  summary: 'Send a message to an agent and get its full answer',
  description:
    'Runs one agent turn to completion (model calls and tool calls, each recorded as a job step) and ' +
    'answers with the final text, or with the agent’s question when it pauses for input ' +
    '(`status: input_required`). The turn is a durable job: if the caller hangs up it still completes ' +
    'and is recorded. Usage is billed to the key’s owner; a key over its monthly budget gets 402. ' +
    'Send `Idempotency-Key` to make retries safe: the same key and request return the first job’s answer.',
  headers: startHeaders,
  body: chatBody,
  responses: { 200: { description: 'The agent’s answer, or its question.', schema: chatAnswer } },
  errors: [402, 404, 409, 422, 500],
}).handledBy(async (ctx, { headers, body }, deps) => {
  const started = Date.now();
  const job = await deps.starts.run(() =>
    startChat(deps, authOf(ctx), {
      agentId: body.agent_id,
      message: body.message,
      sessionId: body.session_id,
      modelId: body.model_id,
      context: body.context as JsonValue | undefined,
      source: 'external_api',
      idempotencyKey: headers['Idempotency-Key'],
    }),
  );
  // A stopping server answers 503 at once; the turn itself goes on in the worker.
  const answer = await awaitChat(deps.services, job, deps.draining);
  return { status: 200, body: { ...answer, duration_ms: Date.now() - started } };
});

/** The chat endpoint (scope `agents`). */
export const chatEndpoints = [chatEndpoint];
