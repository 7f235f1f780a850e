/**
 * Shared OpenAPI 3.1 pieces: the key scheme, the `{ error }` bodies and the rate-limit headers. Path
 * modules build their operations with `guardedOperation`, so every protected route documents the same
 * 401/403/429 answers and limit headers the key gate really sends.
 */

type Json = Record<string, unknown>;

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

export const RATE_LIMIT_HEADERS: Json = {
  'RateLimit-Limit': {
    description: "The key's limit: requests per 60-second sliding window.",
    schema: { type: 'integer', minimum: 1, maximum: 600 },
  },
  'RateLimit-Remaining': {
    description: 'Requests still allowed in the current window.',
    schema: { type: 'integer', minimum: 0 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the oldest request in the window leaves it (one more slot frees).',
    schema: { type: 'integer', minimum: 1 },
  },
};

export const COMPONENTS: Json = {
  securitySchemes: {
    ApiKeyAuth: {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: 'A dagen API key: dg_ + 43 base64url characters of randomness + a 6-character checksum.',
    },
  },
  schemas: {
    Error: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'string', description: 'What went wrong, safe to show.' } },
    },
    RateLimitError: {
      type: 'object',
      required: ['error', 'retry_after_seconds'],
      properties: {
        error: { const: 'Rate limit exceeded' },
        retry_after_seconds: { type: 'integer', minimum: 1, description: 'Seconds until a slot frees.' },
      },
    },
  },
  headers: RATE_LIMIT_HEADERS,
  responses: {
    BadRequest: errorResponse('Bad query, body or state.'),
    Unauthorized: errorResponse('No X-API-Key header, or a malformed or unknown key.'),
    Forbidden: errorResponse("The key is inactive, revoked, expired, or lacks the endpoint's scope."),
    NotFound: errorResponse(
      "No such resource in the key's workspace (the same answer whether it exists elsewhere or not).",
    ),
    TooManyRequests: {
      description: "Over the key's rate limit. Does not consume quota.",
      headers: {
        'Retry-After': {
          description: 'Seconds until a slot frees.',
          schema: { type: 'integer', minimum: 1 },
        },
        ...limitHeaderRefs(),
      },
      content: { 'application/json': { schema: ref('schemas', 'RateLimitError') } },
    },
  },
};

function errorResponse(description: string): Json {
  return { description, content: { 'application/json': { schema: ref('schemas', 'Error') } } };
}

function limitHeaderRefs(): Json {
  return Object.fromEntries(Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, ref('headers', name)]));
}

/** The envelope every list endpoint answers with: the key's workspace and the items under `field`. */
export function workspaceList(field: string, item: Json): Json {
  return {
    type: 'object',
    required: ['workspace_id', field],
    properties: { workspace_id: { type: 'string', format: 'uuid' }, [field]: { type: 'array', items: item } },
  };
}

export interface GuardedOperation {
  readonly summary: string;
  readonly description?: string;
  readonly scope: 'agents' | 'workflows';
  readonly operationId: string;
  readonly parameters?: unknown[];
  readonly requestBody?: Json;
  /** Success responses by status: description and JSON schema. */
  readonly responses: Record<string, { description: string; schema?: Json }>;
  /** Error statuses beyond 401/403/429 that this route can answer: 400, 404, 413, 415, 422, 500. */
  readonly errors?: readonly number[];
}

const ERROR_REFS: Record<number, string> = { 400: 'BadRequest', 404: 'NotFound' };

/**
 * An operation behind the key gate: X-API-Key security, the scope in its description, limit headers on
 * every listed response, and the gate's 401/403/429 answers.
 */
export function guardedOperation(op: GuardedOperation): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = {
      description: r.description,
      headers: limitHeaderRefs(),
      ...(r.schema ? { content: { 'application/json': { schema: r.schema } } } : {}),
    };
  }
  for (const status of op.errors ?? []) {
    const name = ERROR_REFS[status];
    responses[String(status)] = name
      ? { ...ref('responses', name) }
      : { ...errorResponse(`Error ${status}.`), headers: limitHeaderRefs() };
  }
  responses['401'] = ref('responses', 'Unauthorized');
  responses['403'] = ref('responses', 'Forbidden');
  responses['429'] = ref('responses', 'TooManyRequests');
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: `${op.description ? `${op.description}\n\n` : ''}Scope: \`${op.scope}\`.`,
    tags: [op.scope],
    security: [{ ApiKeyAuth: [] }],
    ...(op.parameters ? { parameters: op.parameters } : {}),
    ...(op.requestBody ? { requestBody: op.requestBody } : {}),
    responses,
  };
}
