/**
 * The payloads of live events on the Postgres channel. Postgres refuses a NOTIFY payload of 8000
 * bytes or more, and a model's answer can be longer, so an event whose payload would not fit is sent
 * as fragments of its UTF-8 JSON (base64) and put back together by the listener: the subscriber gets
 * the event exactly as published, whatever its shape (splitting a `text` field instead would hand a
 * consumer several events where one was published). Events above MAX_EVENT_BYTES are dropped with a
 * warning by the publisher.
 */

/** Payloads stay below this many bytes (Postgres's limit is 8000, the envelope takes the rest). */
export const MAX_PAYLOAD_BYTES = 7_900;
/** The largest event sent at all (fragments of it travel as one NOTIFY batch). */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** A fragmented event not completed within this time lost a fragment (a dropped connection). */
const INCOMPLETE_AFTER_MS = 60_000;

/**
 * `n` numbers a publisher's payloads: Postgres delivers identical payloads sent in one transaction
 * only once, and a batch is one transaction. `from` names the publisher, for reassembly.
 */
export type NotifyPayload =
  | { readonly channel: string; readonly n: number; readonly event: unknown }
  | {
      readonly channel: string;
      readonly n: number;
      readonly from: string;
      readonly part: number;
      readonly parts: number;
      readonly data: string;
    };

/**
 * The payloads carrying one event (JSON text `json`): one, or its fragments in order; none when the
 * channel's name alone leaves no room for a fragment.
 */
export function toPayloads(channel: string, json: string, n: number, from: string): string[] {
  const whole = `{"channel":${JSON.stringify(channel)},"n":${n},"event":${json}}`;
  if (Buffer.byteLength(whole) < MAX_PAYLOAD_BYTES) return [whole];
  const bytes = Buffer.from(json, 'utf8');
  // The envelope at its longest (numbers of the most digits they can have), then whole base64 quads.
  const envelope = { channel, n: Number.MAX_SAFE_INTEGER, from, part: 1e6, parts: 1e6, data: '' };
  const room = MAX_PAYLOAD_BYTES - Buffer.byteLength(JSON.stringify(envelope));
  const fragmentBytes = Math.floor(room / 4) * 3;
  if (fragmentBytes <= 0) return [];
  const parts = Math.ceil(bytes.length / fragmentBytes);
  const payloads: string[] = [];
  for (let part = 0; part < parts; part++) {
    const data = bytes.subarray(part * fragmentBytes, (part + 1) * fragmentBytes).toString('base64');
    payloads.push(JSON.stringify({ channel, n, from, part, parts, data } satisfies NotifyPayload));
  }
  return payloads;
}

interface Pending {
  readonly started: number;
  readonly data: (string | undefined)[];
  received: number;
}

/** Puts fragmented events back together; fragments of different publishers may interleave. */
export class FragmentAssembler {
  readonly #pending = new Map<string, Pending>();

  /** The event once `payload` completes it, else undefined. */
  add(payload: Extract<NotifyPayload, { part: number }>, now = Date.now()): unknown {
    const key = `${payload.from}:${payload.n}`;
    let pending = this.#pending.get(key);
    if (!pending) {
      this.#forgetIncomplete(now);
      pending = { started: now, data: new Array<string | undefined>(payload.parts), received: 0 };
      this.#pending.set(key, pending);
    }
    if (pending.data[payload.part] === undefined) pending.received++;
    pending.data[payload.part] = payload.data;
    if (pending.received < payload.parts) return undefined;
    this.#pending.delete(key);
    const bytes = Buffer.concat(pending.data.map((d) => Buffer.from(d ?? '', 'base64')));
    return JSON.parse(bytes.toString('utf8'));
  }

  /** After a reconnect: the missing fragments were sent while nobody listened. */
  clear(): void {
    this.#pending.clear();
  }

  #forgetIncomplete(now: number): void {
    for (const [key, pending] of this.#pending) {
      if (now - pending.started > INCOMPLETE_AFTER_MS) this.#pending.delete(key);
    }
  }
}
