import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP server for http-node tests, listening on every interface so that a request the
 * engine should have refused (127.0.0.2, ::1) would really arrive: `hits` proves it never did.
 */
export interface TestServer {
  port: number;
  /** Paths requested so far, in order. */
  hits: string[];
  /** The headers of each request, in the same order as `hits`. */
  headers: http.IncomingHttpHeaders[];
  /** Paths whose request was aborted by the client before an answer. */
  aborted: string[];
  /** Resolves once `count` requests whose path starts with `/<route>/` have arrived. */
  whenHits(route: string, count: number): Promise<void>;
  /** Resolves once `count` requests whose path starts with `/<route>/` were aborted by their client. */
  whenAborted(route: string, count: number): Promise<void>;
  /** Answers the `/gate/…` requests held so far, and every later one at once (an echo). */
  openGate(): void;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const hits: string[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const aborted: string[] = [];
  const flakyCounts = new Map<string, number>();
  const waiters: { list: string[]; prefix: string; count: number; resolve(): void }[] = [];
  const reached = (w: (typeof waiters)[number]) =>
    w.list.filter((p) => p.startsWith(w.prefix)).length >= w.count;
  const wakeWaiters = () => {
    for (const w of waiters.filter(reached)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const waitFor = (list: string[], route: string, count: number) =>
    new Promise<void>((resolve) => {
      waiters.push({ list, prefix: `/${route}/`, count, resolve });
      wakeWaiters();
    });
  const held: (() => void)[] = [];
  let gateOpen = false;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://test');
    hits.push(url.pathname);
    headers.push(req.headers);
    wakeWaiters();
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const [, route, arg] = url.pathname.split('/');
      if (route === 'flaky') {
        // Fails the first two requests for each key, then answers.
        const count = (flakyCounts.get(arg ?? '') ?? 0) + 1;
        flakyCounts.set(arg ?? '', count);
        if (count <= 2) return send(res, 500, { error: `failure ${count}` });
        return send(res, 200, { ok: true, count });
      }
      if (route === 'slow') {
        res.on('close', () => {
          if (!res.writableEnded) aborted.push(url.pathname);
        });
        return; // never answers
      }
      if (route === 'redirect') {
        res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
        return res.end();
      }
      if (route === 'status') return send(res, Number(arg), { status: Number(arg) });
      // Echoes what it received (URL and headers), with the status `/headers/<status>` asks for.
      if (route === 'headers') return send(res, Number(arg ?? 200), { url: req.url, headers: req.headers });
      const echo = () =>
        send(res, 200, {
          method: req.method,
          path: url.pathname,
          body: body ? JSON.parse(body) : null,
          header: req.headers['x-test'] ?? null,
        });
      if (route === 'gate' && !gateOpen) {
        res.on('close', () => {
          if (res.writableEnded) return;
          aborted.push(url.pathname);
          wakeWaiters();
        });
        return held.push(echo);
      }
      return echo();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    headers,
    aborted,
    whenHits: (route, count) => waitFor(hits, route, count),
    whenAborted: (route, count) => waitFor(aborted, route, count),
    openGate() {
      gateOpen = true;
      // A request whose client is gone is answered into a closed socket: harmless.
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
