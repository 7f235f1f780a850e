import type { Logger } from '../infra/logger.ts';

/** Thrown by `StopStack.add` when a stop was requested while the process was still starting. */
export class StartInterruptedError extends Error {
  override readonly name = 'StartInterruptedError';
}

/**
 * What a long-running command has started, stopped in reverse order. A stop requested while the
 * command is still starting stops what exists; anything registered afterwards is stopped at once.
 */
export class StopStack {
  readonly #log: Logger;
  readonly #entries: { name: string; stop: () => Promise<void> | void }[] = [];
  readonly #created = performance.now();
  #stopping: Promise<void> | undefined;
  #current: string | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  get stopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** Registers a started component; throws StartInterruptedError (after stopping it) when too late. */
  async add(name: string, stop: () => Promise<void> | void): Promise<void> {
    if (this.#stopping) {
      await this.#stopOne({ name, stop });
      throw new StartInterruptedError(`stopped while starting (${name} was up)`);
    }
    this.#entries.push({ name, stop });
    this.#log.info({ component: name, ms: Math.round(performance.now() - this.#created) }, 'started');
  }

  /** What has not stopped yet: the one stopping now, then those after it. */
  pending(): string[] {
    const waiting = this.#entries.map((e) => e.name).reverse();
    return this.#current ? [this.#current, ...waiting] : waiting;
  }

  /** Stops everything once, newest first; a failing stop is logged and the others still run. */
  stopAll(): Promise<void> {
    this.#stopping ??= (async () => {
      for (let entry = this.#entries.pop(); entry; entry = this.#entries.pop()) await this.#stopOne(entry);
    })();
    return this.#stopping;
  }

  async #stopOne(entry: { name: string; stop: () => Promise<void> | void }): Promise<void> {
    this.#current = entry.name;
    try {
      await entry.stop();
      this.#log.info({ component: entry.name }, 'stopped');
    } catch (err) {
      this.#log.error({ err, component: entry.name }, 'failed to stop');
    } finally {
      this.#current = undefined;
    }
  }
}
