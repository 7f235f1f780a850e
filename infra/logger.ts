import { pino, type Logger } from 'pino';

export type { Logger };

/** One pino logger per process; children carry request ids and component names. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['req.headers["x-api-key"]', 'apiKey', 'key'], remove: true },
    },
    destination,
  );
}
