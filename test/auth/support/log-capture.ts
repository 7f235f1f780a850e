import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../infra/logger.ts';

export interface CapturedLog {
  readonly log: Logger;
  /** Every line written so far, raw JSON text. */
  text(): string;
  /** Lines whose `msg` contains `fragment`. */
  messages(fragment: string): Record<string, unknown>[];
}

/** A real pino logger at debug level writing into memory, so a test can read exactly what was logged. */
export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger('debug', sink);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    log,
    text: () => chunks.join(''),
    messages: (fragment) => lines().filter((l) => String(l.msg ?? '').includes(fragment)),
  };
}
