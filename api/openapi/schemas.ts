import { z } from 'zod';

/**
 * Response schemas the OpenAPI document lists by name under `components.schemas`; operations refer to
 * them, and one schema nested in another (a run's steps) becomes a reference too. A recursive request
 * part is named too, and its request schema refers to it with `.meta(refOf(...))`. Descriptions stay in
 * zod's global registry (`.meta`), where `z.toJSONSchema` reads them.
 */
const namedSchemas = z.registry<{ id: string }>();

/** Registers a response schema under `id` in the document. */
export function named<S extends z.ZodType>(id: string, schema: S): S {
  namedSchemas.add(schema, { id });
  return schema;
}

/** A record id: any 8-4-4-4-12 hex string, as `core/ids.ts` accepts (zod's `uuid` wants an RFC version). */
export const uuid = z.guid('must be a UUID');
export const timestamp = z.iso.datetime();

export const errorBody = named(
  'Error',
  // Some 400s add a `problems` list next to `error`.
  z.looseObject({ error: z.string().meta({ description: 'What went wrong, safe to show.' }) }),
);

export const rateLimitBody = named(
  'RateLimitError',
  z.object({
    error: z.literal('Rate limit exceeded'),
    retry_after_seconds: z.int().min(1).meta({ description: 'Seconds until a slot frees.' }),
  }),
);

export const activeRunLimitBody = named(
  'ActiveRunLimitError',
  z
    .object({
      error: z.string().meta({ description: 'Names the limit: runs already pending or running.' }),
      max_active_runs: z
        .int()
        .min(1)
        .meta({ description: "The workspace's cap (WORKSPACE_MAX_ACTIVE_RUNS)." }),
      retry_after_seconds: z.int().min(1).meta({ description: 'Seconds to wait before retrying.' }),
    })
    .meta({ description: 'A run start refused: the workspace already has its most live runs.' }),
);

export const budgetExceededBody = named(
  'BudgetExceededError',
  z
    .object({
      error: z.literal('Budget exceeded'),
      budget_micros: z.int().min(1).meta({ description: "The billed key's monthly cap, in micro-units." }),
      spent_micros: z.int().min(0).meta({ description: 'What it spent this UTC month, in micro-units.' }),
    })
    .meta({ description: 'A model call refused: the key it is billed to has spent its monthly budget.' }),
);

type Json = Record<string, unknown>;

const SCHEMA_REF = '#/components/schemas/';

const GENERATE = {
  target: 'draft-2020-12',
  uri: (id: string) => `${SCHEMA_REF}${id}`,
  override: ({ jsonSchema }: { jsonSchema: Json }) => {
    // A format already says what zod's copy of its regex says; the safe-integer bounds zod adds to
    // every integer say nothing a reader or a client generator needs.
    if (jsonSchema.format !== undefined) delete jsonSchema.pattern;
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  },
} as const;

/**
 * JSON Schema (draft 2020-12, OpenAPI 3.1's dialect) of a request part, `io: 'input'` for what a client
 * sends and `'output'` for what a parameter denotes. Answers are named instead (`refOf`).
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { ...GENERATE, io }) as Json;
  // Local `$defs` (a recursive schema, or one with a global `id`) would be looked up from the document
  // root once embedded, and not found there.
  if ('$defs' in json) throw new Error('request schemas must not need $defs');
  return json;
}

/** Every named schema, for `components.schemas`. */
export function namedJsonSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(namedSchemas, { ...GENERATE, io: 'output' });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => {
      const { $schema: _dialect, $id: _id, ...json } = s as Json;
      return [id, json];
    }),
  );
}

/** The `$ref` of a named schema; every response schema must be named, so the document can list it. */
export function refOf(schema: z.ZodType): Json {
  const meta = namedSchemas.get(schema);
  if (!meta) throw new Error('response schema without a name: wrap it in named()');
  return { $ref: `${SCHEMA_REF}${meta.id}` };
}
