import type { z } from 'zod';
import type { Endpoint } from '../routes/endpoint.ts';
import { errorResponseRef, limitHeaderRefs, startRefusedResponseRef } from './components.ts';
import { jsonSchemaOf, refOf } from './schemas.ts';

type Json = Record<string, unknown>;

const LOCATION_HEADER = {
  Location: { description: 'Where to GET what was answered.', schema: { type: 'string' } },
};

/**
 * The OpenAPI operation of a declared endpoint. Parameters, body and answers are generated from the
 * schemas the router validates with and the handlers are typed against; the error answers follow
 * from what the endpoint declares (a path id can 404, anything parsed can 400, a body can be too
 * large or not JSON) plus the key gate's 401/403/429, the 503 of an unreachable dependency (any route
 * reads Postgres) and the domain errors it names.
 */
export function operationOf(e: Endpoint): Json {
  const parameters = [
    ...parametersOf(e.params, 'path'),
    ...parametersOf(e.query, 'query'),
    ...parametersOf(e.headers, 'header'),
  ];
  const responses: Json = {};
  for (const [status, r] of Object.entries(e.responses)) {
    responses[status] = {
      description: r.description,
      headers: { ...limitHeaderRefs(), ...(r.location ? LOCATION_HEADER : {}) },
      content: { 'application/json': { schema: refOf(r.schema) } },
    };
  }
  for (const status of errorStatuses(e)) {
    responses[status] = errorResponseRef(status);
  }
  // A 429 of the route's own (a run start over the workspace's cap) shares the status with the gate's.
  if (e.errors?.includes(429)) responses[429] = startRefusedResponseRef();
  return {
    operationId: e.operationId,
    summary: e.summary,
    description: `${e.description ? `${e.description}\n\n` : ''}Scope: \`${e.scope}\`.`,
    tags: [e.scope],
    security: [{ ApiKeyAuth: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(e.body ? { requestBody: requestBodyOf(e.body) } : {}),
    responses,
  };
}

function errorStatuses(e: Endpoint): Set<number> {
  const statuses = new Set<number>(e.errors);
  if (e.params) statuses.add(404);
  if (e.query || e.headers || e.body) statuses.add(400);
  // The JSON body parser answers these for any POST, whether the endpoint reads a body or not.
  if (e.method === 'post') [413, 415].forEach((s) => statuses.add(s));
  [401, 403, 429, 503].forEach((s) => statuses.add(s));
  return statuses;
}

/**
 * One parameter per field. Parameters arrive as strings, so each is documented by the value it must
 * denote (`io: 'output'`: `limit` is an integer, not the digits it is parsed from).
 */
function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header'): Json[] {
  if (!schema) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const { description, ...json } = jsonSchemaOf(field, 'output');
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      ...(description === undefined ? {} : { description }),
      schema: json,
    };
  });
}

/** The body as a client sends it; optional when an empty body (parsed as `{}`) is accepted. */
function requestBodyOf(body: z.ZodType): Json {
  return {
    required: !body.safeParse({}).success,
    content: { 'application/json': { schema: jsonSchemaOf(body, 'input') } },
  };
}
