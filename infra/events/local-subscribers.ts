import type { Logger } from '../logger.ts';

/** One local subscription: an object of its own, so one function subscribed twice counts twice. */
interface Subscription {
  readonly onEvent: (event: unknown) => void;
}

/**
 * The subscribers of one process, by channel: every transport keeps one upstream subscription per
 * channel (or one for all) and fans its events out here. A throwing subscriber is logged and never
 * stops the others.
 */
export class LocalSubscribers {
  readonly #byChannel = new Map<string, Set<Subscription>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds a subscriber; `first` tells the transport to subscribe upstream. */
  #add(channel: string, onEvent: (event: unknown) => void): { subscription: Subscription; first: boolean } {
    let set = this.#byChannel.get(channel);
    const first = !set;
    if (!set) this.#byChannel.set(channel, (set = new Set()));
    const subscription = { onEvent };
    set.add(subscription);
    return { subscription, first };
  }

  /** Removes a subscriber; true when it was the channel's last (the transport unsubscribes upstream). */
  #remove(channel: string, subscription: Subscription): boolean {
    const set = this.#byChannel.get(channel);
    if (!set?.delete(subscription)) return false;
    if (set.size > 0) return false;
    this.#byChannel.delete(channel);
    return true;
  }

  /**
   * Adds a subscriber and resolves with its unsubscribe once `live(first)` (the transport's upstream
   * subscription) resolves; if that fails, the subscriber leaves again and the error is thrown.
   * `left(last)` runs after each subscriber leaves, `last` when it was its channel's last.
   */
  async join(
    channel: string,
    onEvent: (event: unknown) => void,
    live: (first: boolean) => Promise<void>,
    left: (last: boolean) => Promise<void>,
  ): Promise<() => Promise<void>> {
    const { subscription, first } = this.#add(channel, onEvent);
    const leave = () => left(this.#remove(channel, subscription));
    try {
      await live(first);
    } catch (err) {
      await leave();
      throw err;
    }
    return once(leave);
  }

  has(channel: string): boolean {
    return this.#byChannel.has(channel);
  }

  /** Channels with at least one subscriber. */
  get channels(): number {
    return this.#byChannel.size;
  }

  deliver(channel: string, event: unknown): void {
    const set = this.#byChannel.get(channel);
    if (!set) return;
    for (const subscription of [...set]) {
      // One that unsubscribed while an earlier one ran gets nothing more.
      if (!set.has(subscription)) continue;
      try {
        subscription.onEvent(event);
      } catch (err) {
        this.#log.warn({ err, channel }, 'live event subscriber failed');
      }
    }
  }
}

/** Wraps an unsubscribe so calling it twice does the work once. */
function once(unsubscribe: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= unsubscribe());
}

/**
 * Logs a failing transport once per outage instead of once per event (a model streams tens of
 * deltas a second), and once more when delivery works again.
 */
export class DeliveryWarning {
  readonly #log: Logger;
  readonly #what: string;
  #failing = false;

  constructor(log: Logger, what: string) {
    this.#log = log;
    this.#what = what;
  }

  failed(err: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#log.warn({ err }, `live events are not delivered: ${this.#what} unavailable`);
  }

  delivered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#log.info(`live events are delivered again through ${this.#what}`);
  }
}

/** The event as JSON text, or undefined (logged) when it cannot be serialized. */
export function serialize(event: object, log: Logger, channel: string): string | undefined {
  try {
    return JSON.stringify(event);
  } catch (err) {
    log.warn({ err, channel }, 'live event dropped: not serializable to JSON');
    return undefined;
  }
}
