import path from 'node:path';
import type { Config } from '../infra/config.ts';
import type { RuntimeInfo } from '../infra/data-dir.ts';
import { DEMO_OWNER_EMAIL, DEMO_WORKFLOW, DEMO_WORKSPACE, type DemoBootstrap } from './demo-bootstrap.ts';

export interface StartBannerInput {
  config: Config;
  runtime: RuntimeInfo;
  demo: DemoBootstrap | undefined;
}

/** What `dagen start` prints once everything is up; the demo key appears only on the first start. */
export function renderStartBanner({ config, runtime, demo }: StartBannerInput): string {
  const lines = [
    '',
    'dagen is running',
    `  API:          ${runtime.apiUrl}   (GET /readyz, /api/v1/...${config.metricsToken ? ', /metrics with METRICS_TOKEN' : ''})`,
    `  Temporal UI:  ${runtime.temporalUiUrl ?? `(external cluster at ${runtime.temporalAddress})`}`,
    `  Postgres:     ${config.databaseUrl ? 'DATABASE_URL' : `embedded, data in ${path.join(config.dataDir, 'postgres')}`}`,
    `  Redis:        ${config.redisUrl ? 'REDIS_URL' : 'off (rate limits are per process)'}`,
    `  Data dir:     ${config.dataDir}`,
  ];
  if (demo) {
    lines.push(
      '',
      'First start: created a demo workspace.',
      `  Workspace:    ${DEMO_WORKSPACE} (${demo.workspaceId})`,
      `  Owner:        ${DEMO_OWNER_EMAIL}`,
      `  Workflow:     ${DEMO_WORKFLOW} (${demo.workflowId}, active)`,
      `  API key:      ${demo.apiKey}`,
      '                Shown this once; only its hash is stored. Admin commands can create more keys.',
      '',
      'Try it:',
      `  curl -s -H 'X-API-Key: ${demo.apiKey}' ${runtime.apiUrl}/api/v1/workflows`,
      `  curl -s -X POST -H 'X-API-Key: ${demo.apiKey}' -H 'content-type: application/json' \\`,
      `    -d '{"input_data":{"name":"Ada"},"wait":true}' ${runtime.apiUrl}/api/v1/workflow/${demo.workflowId}/run`,
    );
  } else {
    lines.push('', `Reusing the existing data (the demo key was printed on the first start only).`);
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  return lines.join('\n');
}
