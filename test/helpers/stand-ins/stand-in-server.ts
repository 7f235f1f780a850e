/**
 * What the OpenAI-compatible and Anthropic stand-ins share: a real node http server on
 * 127.0.0.1:0, a script of replies, a record of every request, and events a test can await
 * ("a call is in flight", "the client hung up") instead of sleeping. Each protocol module only
 * turns a scripted reply into its own wire format.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  /** The provider's call id; one is made up when missing. */
  readonly id?: string;
  readonly name: string;
  readonly args: unknown;
}

export interface ScriptedUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A successful answer: text and/or tool calls (several = parallel calls). */
export interface ScriptedAnswer {
  readonly text?: string;
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Omitted: a made-up default; null: the provider reports no usage at all (OpenAI only). */
  readonly usage?: ScriptedUsage | null;
  /** Stream the text in this many pieces (default 1); tool arguments always come in pieces. */
  readonly chunks?: number;
  /** Pause between streamed pieces: a slow stream. */
  readonly chunkDelayMs?: number;
}

/** An error answer: the status and the provider's own error message. */
export interface ScriptedFailure {
  readonly status: number;
  readonly message?: string;
  /** The `retry-after` header, as sent (seconds or an HTTP date). */
  readonly retryAfter?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Bytes sent as they are (status 200, event-stream unless told): a malformed answer. */
export interface ScriptedRaw {
  readonly raw: string;
  readonly status?: number;
  readonly contentType?: string;
}

export type ScriptedReply = ScriptedAnswer | ScriptedFailure | ScriptedRaw;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when it was not JSON). */
  readonly body: Record<string, unknown>;
}

export type ReplyFunction = (request: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>;

export const DEFAULT_USAGE: ScriptedUsage = { inputTokens: 11, outputTokens: 7 };

function isFailure(reply: ScriptedReply): reply is ScriptedFailure {
  return 'status' in reply && !('raw' in reply);
}

/** Splits `text` into `n` pieces of near-equal length (no empty pieces unless text is empty). */
export function splitText(text: string, n = 1): string[] {
  const count = Math.max(1, Math.min(n, text.length));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length > 0 ? pieces : [''];
}

/** The text of the last user message, for echo replies (string or text-part content). */
export function lastUserText(request: RecordedRequest): string {
  const messages = (request.body.messages ?? []) as { role: string; content: unknown }[];
  const last = messages.findLast((m) => m.role === 'user');
  if (last === undefined) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as { type: string; text?: string }[])
    .filter((p) => p.type === 'text')
    .map((p) => p.text ?? '')
    .join('');
}

/** Writes one scripted success for a protocol: `write` sends bytes, `pause` waits between pieces. */
export interface StreamWriter {
  write(data: string): void;
  pause(): Promise<void>;
  /** True once the client went away or the server closed: stop writing. */
  readonly ended: boolean;
}

export interface ProtocolCodec {
  /** The one path the protocol answers (POST). */
  readonly path: string;
  /** The JSON body of an error answer. */
  errorBody(failure: ScriptedFailure): unknown;
  /** The JSON body of a non-streamed answer. */
  jsonBody(answer: ScriptedAnswer, request: RecordedRequest): unknown;
  /** Streams the answer as server-sent events. */
  stream(answer: ScriptedAnswer, request: RecordedRequest, out: StreamWriter): Promise<void>;
}

interface Waiter {
  readonly count: number;
  readonly resolve: () => void;
}

export class StandInServer {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose client hung up before the answer was complete. */
  disconnects = 0;
  private readonly script: (ScriptedReply | ReplyFunction)[] = [];
  private fallback: ScriptedReply | ReplyFunction = { text: 'ok' };
  private readonly server: http.Server;
  private readonly open = new Set<http.ServerResponse>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private requestWaiters: Waiter[] = [];
  private disconnectWaiters: Waiter[] = [];
  private closing = false;
  private readonly codec: ProtocolCodec;

  constructor(codec: ProtocolCodec) {
    this.codec = codec;
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // Idle kept-alive sockets close from the client's side (undici, after 4 s), never from ours: a
    // server closing one just as a loaded client reuses it turns a call into "fetch failed".
    this.server.keepAliveTimeout = 60_000;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** `http://127.0.0.1:<port>/v1`: what a provider's base_url would be. */
  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** Queues replies (or reply functions) consumed one per request, in order, before the default. */
  enqueue(...replies: (ScriptedReply | ReplyFunction)[]): this {
    this.script.push(...replies);
    return this;
  }

  /** The reply once the queue is empty: fixed, or computed from each request. */
  setDefault(reply: ScriptedReply | ReplyFunction): this {
    this.fallback = reply;
    return this;
  }

  /** Resolves once `count` requests in all have arrived (a call is in flight). */
  waitForRequests(count = this.requests.length + 1): Promise<void> {
    return this.wait(this.requestWaiters, count, () => this.requests.length);
  }

  /** Resolves once `count` clients in all have hung up mid-answer. */
  waitForDisconnects(count = this.disconnects + 1): Promise<void> {
    return this.wait(this.disconnectWaiters, count, () => this.disconnects);
  }

  /** Stops listening and ends every open stream (and its pending pauses). */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wait(waiters: Waiter[], count: number, current: () => number): Promise<void> {
    if (current() >= count) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ count, resolve }));
  }

  private settle(waiters: Waiter[], current: number): Waiter[] {
    for (const w of waiters) if (current >= w.count) w.resolve();
    return waiters.filter((w) => current < w.count);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      // Recorded as an empty body; the test sees it.
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const request: RecordedRequest = { method: req.method ?? '', path, headers: req.headers, body };
    this.requests.push(request);
    this.open.add(res);
    res.on('close', () => {
      this.open.delete(res);
      if (!res.writableFinished && !this.closing) {
        this.disconnects += 1;
        this.disconnectWaiters = this.settle(this.disconnectWaiters, this.disconnects);
      }
    });
    this.requestWaiters = this.settle(this.requestWaiters, this.requests.length);

    if (req.method !== 'POST' || path !== this.codec.path) {
      this.sendJson(res, 404, this.codec.errorBody({ status: 404, message: `no route ${path}` }));
      return;
    }
    const next = this.script.shift() ?? this.fallback;
    const reply = typeof next === 'function' ? await next(request) : next;
    if ('raw' in reply) {
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/event-stream' });
      res.end(reply.raw);
    } else if (isFailure(reply)) {
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      this.sendJson(res, reply.status, this.codec.errorBody(reply), headers);
    } else if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      await this.codec.stream(reply, request, this.writer(res, reply.chunkDelayMs ?? 0));
      if (!res.destroyed && !res.writableEnded) res.end();
    } else {
      this.sendJson(res, 200, this.codec.jsonBody(reply, request));
    }
  }

  private writer(res: http.ServerResponse, delayMs: number): StreamWriter {
    let ended = false;
    let wake: (() => void) | undefined;
    // A client that hangs up mid-pause ends the stream at once, not after the pause.
    res.on('close', () => {
      ended = true;
      wake?.();
    });
    return {
      write: (data) => {
        if (!ended) res.write(data);
      },
      pause: () =>
        delayMs <= 0 || ended
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const entry = {
                timer: setTimeout(() => {
                  this.timers.delete(entry);
                  resolve();
                }, delayMs),
                resolve,
              };
              this.timers.add(entry);
              wake = () => {
                clearTimeout(entry.timer);
                this.timers.delete(entry);
                resolve();
              };
            }),
      get ended() {
        return ended;
      },
    };
  }

  private sendJson(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

/** `data: <json>\n\n`: one server-sent event without a name (OpenAI). */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}
