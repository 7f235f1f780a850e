import { startApiServer } from '../../http/server.ts';
import { createHttpMetrics } from '../../infra/metrics.ts';
import { openServices } from '../../infra/services.ts';
import { untilSignal } from '../../infra/shutdown.ts';
import { UsageError, type Command } from '../command.ts';

export const apiCommand: Command = {
  name: 'api',
  summary: 'Run the HTTP API against TEMPORAL_ADDRESS, DATABASE_URL and REDIS_URL (any number may run)',
  async run({ config, log }) {
    if (!config.databaseUrl) throw new UsageError('DATABASE_URL is required for dagen api');
    if (!config.keyPepper) throw new UsageError('DAGEN_KEY_PEPPER is required for dagen api');
    const services = await openServices(config, log);
    const server = await startApiServer(services, createHttpMetrics('api'));
    log.info({ url: server.url }, 'api listening');
    await untilSignal(
      log,
      async () => {
        await server.close();
        await services.close();
      },
      { graceMs: config.shutdownGraceMs },
    );
    return undefined;
  },
};
