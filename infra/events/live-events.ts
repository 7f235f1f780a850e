/**
 * Live events from the worker to whichever API process serves the caller (model token deltas, step
 * and status changes). Best effort: the recorded rows stay the source of truth.
 */
export interface LiveEvents {
  /** Never throws and never blocks its caller on the transport; failures are logged. */
  publish(channel: string, event: object): void;
  /** Resolves once the subscription is live, so no event published afterwards is missed. */
  subscribe(channel: string, onEvent: (event: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
