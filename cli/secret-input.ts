import type { ReadStream } from 'node:tty';
import { MAX_SECRET_BYTES } from '../domain/secrets/secrets.service.ts';
import { UsageError } from './command.ts';

/**
 * A secret's value from standard input, never from the command line (which shell history and `ps`
 * keep). Piped: everything up to end of input, less one trailing newline. A terminal: one line typed
 * without echo.
 */
export async function readSecretValue(
  stdin: NodeJS.ReadStream = process.stdin,
  prompt: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (stdin.isTTY) return readHiddenLine(stdin as ReadStream, prompt);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Refused by the service too; stopping here keeps a runaway pipe from filling memory.
    if (size > MAX_SECRET_BYTES + 2)
      throw new UsageError(`a secret value must be at most ${MAX_SECRET_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readHiddenLine(stdin: ReadStream, prompt: NodeJS.WriteStream): Promise<string> {
  prompt.write('Secret value (not shown): ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      prompt.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (typed: string) => {
      for (const ch of typed) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
