import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';

// ajv-formats is CommonJS: Node hands its module.exports (the plugin) to a default import, while
// TypeScript types that import as the module namespace with the plugin under `default`.
const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as unknown as (
  ajv: Ajv,
) => Ajv;

/** One place where `input_data` breaks the workflow's `input_schema`; `path` is a JSON pointer. */
export interface InputProblem {
  path: string;
  message: string;
}

export type InputValidator = (input: unknown) => InputProblem[];

/**
 * Compiles a workflow's `input_schema` (JSON Schema draft-07) into a validator that reports every
 * failing path. Each schema gets its own Ajv instance: user schemas may reuse the same `$id`, which a
 * shared instance would reject, and a shared instance would keep every schema it ever compiled.
 * Throws when the schema itself is invalid.
 */
export function compileInputSchema(schema: Record<string, unknown>): InputValidator {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate: ValidateFunction = ajv.compile(schema);
  return (input) => (validate(input) ? [] : (validate.errors ?? []).map(toProblem));
}

/** The problems of a schema document itself, empty when Ajv can compile it. */
export function inputSchemaProblems(schema: unknown): string[] {
  if (schema === undefined || schema === null) return [];
  if (typeof schema !== 'object' || Array.isArray(schema))
    return ['input_schema must be a JSON Schema object'];
  try {
    compileInputSchema(schema as Record<string, unknown>);
    return [];
  } catch (err) {
    return [`input_schema is not a valid JSON Schema: ${(err as Error).message}`];
  }
}

function toProblem(error: ErrorObject): InputProblem {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const child = params.missingProperty ?? params.additionalProperty;
  const path = child === undefined ? error.instancePath : `${error.instancePath}/${child}`;
  return { path: path === '' ? '/' : path, message: error.message ?? 'is invalid' };
}

/** `a: must be x; b: must be y`, for the one-line `error` of a 400. */
export function describeInputProblems(problems: readonly InputProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}
