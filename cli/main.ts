import { parseArgs } from 'node:util';
import { AppError } from '../core/errors.ts';
import { ConfigError, loadConfig } from '../infra/config.ts';
import { createLogger } from '../infra/logger.ts';
import { type Command, UsageError } from './command.ts';
import { COMMANDS } from './commands/index.ts';

function findCommand(words: string[]): { command: Command; rest: string[] } | undefined {
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const name = words.slice(0, n).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: words.slice(n) };
  }
  return undefined;
}

function help(): string {
  const lines = COMMANDS.map((c) => `  dagen ${c.name.padEnd(22)} ${c.summary}`);
  return `dagen: AI agents and durable workflows behind an External API\n\nCommands:\n${lines.join('\n')}\n\nAdmin commands take --json to print one JSON object.`;
}

/** Flags that never take a value; any other `--flag value` pair is read as `--flag=value`. */
const BOOLEAN_FLAGS = new Set(['json', 'help']);

/** parseArgs without declared options reads `--name x` as a bare flag plus a word: join such pairs. */
function joinFlagValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const next = argv[i + 1];
    const flag = /^--([^=]+)$/.exec(token)?.[1];
    if (flag && !BOOLEAN_FLAGS.has(flag) && next !== undefined && !next.startsWith('--')) {
      out.push(`${token}=${next}`);
      i++;
    } else {
      out.push(token);
    }
  }
  return out;
}

/** Entry of the `dagen` CLI; exits 1 on a failure and 2 on bad usage, with one line on stderr. */
export async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: joinFlagValues(argv),
    strict: false,
    allowPositionals: true,
  });
  const flags = values as Record<string, string | boolean>;
  const found = findCommand(positionals);
  if (!found || flags.help) {
    console.log(help());
    process.exitCode = found || flags.help ? 0 : 2;
    return;
  }
  const json = flags.json === true;
  try {
    const config = loadConfig();
    const log = createLogger(config.logLevel);
    const result = await found.command.run({ flags, args: found.rest, config, log });
    if (result === undefined) return;
    if (json) console.log(JSON.stringify(result));
    else console.log(found.command.render ? found.command.render(result) : JSON.stringify(result, null, 2));
  } catch (err) {
    const message =
      err instanceof UsageError || err instanceof ConfigError || err instanceof AppError
        ? err.message
        : `${(err as Error).message ?? String(err)}`;
    if (json) console.log(JSON.stringify({ error: message }));
    else console.error(`dagen ${found.command.name}: ${message}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}
