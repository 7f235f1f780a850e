import { createServer } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Installs the Temporal SDK runtime for a process that hosts a worker, with the SDK's own Prometheus
 * exporter on a private loopback port; returns that exporter's URL so /metrics can include it.
 * Must run before any worker or native connection is created.
 */
export async function installTemporalRuntime(logLevel: string): Promise<string> {
  const port = await freePort();
  Runtime.install({
    logger: new DefaultLogger(logLevel === 'debug' || logLevel === 'trace' ? 'DEBUG' : 'WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
  });
  return `http://127.0.0.1:${port}/metrics`;
}
