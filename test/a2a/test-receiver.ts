import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/**
 * A local HTTP server that records every request and answers from a script (then a default), for
 * push receivers and file servers. `next(n)` resolves once n requests arrived in all: no sleeps.
 */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly #script: ScriptedResponse[] = [];
  #default: ScriptedResponse | ((req: ReceivedRequest) => ScriptedResponse) = { status: 200 };
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(received);
      const answer = this.#script.shift() ?? this.#default;
      const { status, headers, body } = typeof answer === 'function' ? answer(received) : answer;
      res.writeHead(status, headers).end(body);
      this.#waiters = this.#waiters.filter((w) => {
        if (this.requests.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Answers the next requests with these, in order; afterwards with the default. */
  enqueue(...responses: ScriptedResponse[]): this {
    this.#script.push(...responses);
    return this;
  }

  setDefault(answer: ScriptedResponse | ((req: ReceivedRequest) => ScriptedResponse)): this {
    this.#default = answer;
    return this;
  }

  /** Resolves when `count` requests have arrived in all. */
  received(count: number): Promise<ReceivedRequest[]> {
    if (this.requests.length >= count) return Promise.resolve(this.requests.slice(0, count));
    return new Promise((resolve) =>
      this.#waiters.push({ count, resolve: () => resolve(this.requests.slice(0, count)) }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
