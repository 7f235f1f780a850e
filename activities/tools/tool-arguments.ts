import type { TurnTool } from '../../core/agents/turn-contract.ts';
import { LruMap } from '../../core/lru-map.ts';
import {
  compileInputSchema,
  describeInputProblems,
  type InputValidator,
} from '../../domain/definitions/input-schema.ts';

/** Compiled schemas a worker keeps: builtins plus the MCP tools of the turns in flight. */
const CACHED_SCHEMAS = 256;

/**
 * Checks a tool call's arguments against the tool's JSON Schema, with the workflows' input_schema
 * validator (draft-07, every problem reported). Compiled schemas are kept by their text, since a
 * turn's tools are read back from the job for every call.
 */
export class ToolArguments {
  readonly #validators = new LruMap<string, InputValidator | string>(CACHED_SCHEMAS);

  /** Why `args` do not fit the tool, or undefined when they do. */
  problems(tool: TurnTool, args: unknown): string | undefined {
    const validate = this.#validator(tool.inputSchema);
    if (typeof validate === 'string') return `the tool's input schema is invalid: ${validate}`;
    const problems = validate(args);
    return problems.length
      ? `invalid arguments for ${tool.name}: ${describeInputProblems(problems)}`
      : undefined;
  }

  #validator(schema: Record<string, unknown>): InputValidator | string {
    const key = JSON.stringify(schema);
    let validator = this.#validators.get(key);
    if (validator === undefined) {
      // MCP servers often declare draft 2020-12 in `$schema`, a meta-schema Ajv's default build lacks;
      // the keywords tools use read the same in draft-07.
      const { $schema: _ignored, ...rest } = schema;
      try {
        validator = compileInputSchema(rest);
      } catch (err) {
        validator = (err as Error).message;
      }
      this.#validators.set(key, validator);
    }
    return validator;
  }
}
