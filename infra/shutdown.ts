import type { Logger } from './logger.ts';

/**
 * Runs `stop` once on the first SIGINT or SIGTERM; a second signal exits at once. Returns a promise
 * that resolves after `stop` finished, so a long-running command can await it.
 */
export function untilSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutting down');
      stop()
        .catch((err: unknown) => log.error({ err }, 'error during shutdown'))
        .finally(() => resolve());
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}
