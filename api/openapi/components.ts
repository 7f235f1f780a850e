import {
  activeRunLimitBody,
  budgetExceededBody,
  errorBody,
  namedJsonSchemas,
  rateLimitBody,
  refOf,
} from './schemas.ts';

/**
 * Shared OpenAPI 3.1 pieces: the key scheme, the `{ error }` answers and the rate-limit headers the
 * key gate really sends. Schemas come from the zod schemas the API validates and answers with.
 */

type Json = Record<string, unknown>;

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

const RATE_LIMIT_HEADERS: Json = {
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

/** The limit headers every answer that passed the gate carries. */
export function limitHeaderRefs(): Json {
  return Object.fromEntries(Object.keys(RATE_LIMIT_HEADERS).map((name) => [name, ref('headers', name)]));
}

function errorResponse(description: string): Json {
  return { description, content: { 'application/json': { schema: refOf(errorBody) } } };
}

function withLimitHeaders(response: Json): Json {
  return { ...response, headers: limitHeaderRefs() };
}

/** The shared error answers by status; operations refer to them instead of repeating them. */
const ERROR_RESPONSES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  402: 'BudgetExceeded',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Cancelled',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Unprocessable',
  429: 'TooManyRequests',
  500: 'AgentFailed',
  503: 'Unavailable',
};

/** A run start's 429: the key's rate limit, or the workspace's cap on live runs. */
export function startRefusedResponseRef(): Json {
  return ref('responses', 'TooManyRequestsOrRuns');
}

export function errorResponseRef(status: number): Json {
  const name = ERROR_RESPONSES[status];
  if (!name) throw new Error(`no shared answer for status ${status}`);
  return ref('responses', name);
}

/** `Retry-After` and the limit headers, as the 429 answers carry them. */
function retryHeaders(retryAfter: string): Json {
  return {
    'Retry-After': { description: retryAfter, schema: { type: 'integer', minimum: 1 } },
    ...limitHeaderRefs(),
  };
}

/** `components` of the document: built on each call, after every route module registered its schemas. */
export function components(): Json {
  return {
    securitySchemes: {
      ApiKeyAuth: {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
        description: 'A dagen API key: dg_ + 43 base64url characters of randomness + a 6-character checksum.',
      },
    },
    schemas: namedJsonSchemas(),
    headers: RATE_LIMIT_HEADERS,
    // The gate answers 401 and 403 before the rate limit counts the request; every answer after it
    // (the body is parsed there too) carries the limit headers.
    responses: {
      BadRequest: withLimitHeaders(errorResponse('Bad query, header, body or state.')),
      Unauthorized: errorResponse('No X-API-Key header, or a malformed or unknown key.'),
      Forbidden: errorResponse("The key is inactive, revoked, expired, or lacks the endpoint's scope."),
      NotFound: withLimitHeaders(
        errorResponse(
          "No such resource in the key's workspace (the same answer whether it exists elsewhere or not).",
        ),
      ),
      Cancelled: withLimitHeaders(
        errorResponse('The agent turn was cancelled before it answered (`job_id`).'),
      ),
      AgentFailed: withLimitHeaders(
        errorResponse('The agent turn failed; `error` names the failing step, `job_id` the recorded job.'),
      ),
      PayloadTooLarge: withLimitHeaders(errorResponse('The body is larger than the server accepts.')),
      UnsupportedMediaType: withLimitHeaders(
        errorResponse('The body is not JSON (Content-Type: application/json).'),
      ),
      BudgetExceeded: withLimitHeaders({
        description: 'The key the model calls are billed to has spent its monthly budget (UTC month).',
        content: { 'application/json': { schema: refOf(budgetExceededBody) } },
      }),
      Unprocessable: withLimitHeaders(
        errorResponse('The Idempotency-Key was already used with a different request.'),
      ),
      Unavailable: {
        ...errorResponse('Postgres or the workflow engine could not be reached; retry later.'),
        headers: retryHeaders('Seconds to wait before retrying.'),
      },
      TooManyRequests: {
        description: "Over the key's rate limit. Does not consume quota.",
        headers: retryHeaders('Seconds until a slot frees.'),
        content: { 'application/json': { schema: refOf(rateLimitBody) } },
      },
      TooManyRequestsOrRuns: {
        description:
          "Over the key's rate limit, or the workspace already has WORKSPACE_MAX_ACTIVE_RUNS runs " +
          'pending or running (nothing was recorded; the Idempotency-Key stays free).',
        headers: retryHeaders('Seconds to wait before retrying.'),
        content: {
          'application/json': { schema: { oneOf: [refOf(rateLimitBody), refOf(activeRunLimitBody)] } },
        },
      },
    },
  };
}
