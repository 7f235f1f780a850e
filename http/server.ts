import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../infra/services.ts';
import type { HttpMetrics } from '../infra/metrics.ts';
import { createApp } from './app.ts';

export interface ApiServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Listens on HOST:PORT (port 0 picks a free one); `close` ends held waits, drains connections, then
 * flushes the app.
 */
export async function startApiServer(
  services: Services,
  metrics: HttpMetrics,
  temporalMetricsUrl?: string,
): Promise<ApiServer> {
  const api = createApp({ services, metrics, temporalMetricsUrl });
  const server: Server = api.koa.listen(services.config.port, services.config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${services.config.host === '0.0.0.0' ? '127.0.0.1' : services.config.host}:${port}`,
    async close() {
      // Held waits answer at once (202, the run as it is) rather than hold the stop for up to 600 s.
      api.drain();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await api.close();
    },
  };
}
