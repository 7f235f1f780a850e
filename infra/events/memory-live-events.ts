import type { Logger } from '../logger.ts';
import type { LiveEvents } from './live-events.ts';
import { LocalSubscribers, serialize } from './local-subscribers.ts';

/**
 * Live events inside one process, for `dagen start` without Redis where the API and the only worker
 * share the process. Events go through JSON like on the wire (subscribers get a copy, never the
 * publisher's object) and are delivered on a later microtask, in publish order, so a publisher never
 * runs subscriber code on its own stack.
 */
export class MemoryLiveEvents implements LiveEvents {
  readonly #local: LocalSubscribers;
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
    this.#local = new LocalSubscribers(log);
  }

  publish(channel: string, event: object): void {
    if (!this.#local.has(channel)) return;
    const json = serialize(event, this.#log, channel);
    if (json === undefined) return;
    queueMicrotask(() => this.#local.deliver(channel, JSON.parse(json)));
  }

  subscribe(channel: string, onEvent: (event: unknown) => void): Promise<() => Promise<void>> {
    return this.#local.join(
      channel,
      onEvent,
      () => Promise.resolve(),
      () => Promise.resolve(),
    );
  }

  async close(): Promise<void> {}
}
