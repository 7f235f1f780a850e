import type { Logger } from './logger.ts';

export interface ShutdownOptions {
  /** How long `stop` may take (and the process then to exit) before it exits anyway with code 1. */
  graceMs: number;
  /** What has not stopped yet, logged when the grace runs out. */
  pending?: () => readonly string[];
}

/**
 * Runs `stop` once on the first SIGINT or SIGTERM; a second signal exits at once (130). Returns a
 * promise that resolves after `stop` finished, so a long-running command can await it. A stop that
 * hangs, or a process that still does not exit after it, is cut short when the grace runs out.
 * Children that must not outlive the process are left to its child reaper (infra/child-reaper.ts).
 */
export function untilSignal(log: Logger, stop: () => Promise<void>, options: ShutdownOptions): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal, notStopped: options.pending?.() }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal, graceMs: options.graceMs }, 'shutting down');
      // Unreferenced: it only fires if something still keeps the process alive by then.
      setTimeout(() => {
        log.error(
          { graceMs: options.graceMs, notStopped: options.pending?.() },
          'shutdown grace expired: exiting without waiting for the rest',
        );
        process.exit(1);
      }, options.graceMs).unref();
      stop()
        .catch((err: unknown) => log.error({ err }, 'error during shutdown'))
        .finally(() => resolve());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
