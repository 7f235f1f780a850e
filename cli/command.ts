import type { Config } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';

export interface CommandContext {
  /** Flags after the command words: `--name x` → { name: 'x' }, `--json` → { json: true }. */
  readonly flags: Readonly<Record<string, string | boolean>>;
  /** Words after the command words that are not flags. */
  readonly args: readonly string[];
  readonly config: Config;
  readonly log: Logger;
}

/**
 * One `dagen` command. `run` returns the result object: printed as one JSON object with `--json`,
 * else through `render` as human text. Long-running commands (start, api, worker) return undefined.
 */
export interface Command {
  /** The words that select it, e.g. `keys create`. */
  readonly name: string;
  readonly summary: string;
  readonly usage?: string;
  run(ctx: CommandContext): Promise<unknown>;
  render?(result: unknown): string;
}

/** Thrown for bad command-line input; printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.flags[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

export function requiredFlag(ctx: CommandContext, name: string): string {
  const v = stringFlag(ctx, name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}
