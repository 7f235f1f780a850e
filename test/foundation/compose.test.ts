import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../infra/config.ts';
import { REPO_ROOT } from './support/dagen-process.ts';

interface ComposeService {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: unknown;
  restart?: string;
}

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
/** The variables infra/config.ts parses: the keys of its zod schema. */
const CONFIG_VARIABLES = new Set(
  [...read('infra/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]),
);
const APP_SERVICES = Object.keys(services).filter((name) => services[name]!.build !== undefined);
const PEPPER_PLACEHOLDER = 'x'.repeat(44);

/** What compose would pass: `${VAR:-default}` → default, `${VAR:?message}` → a stand-in, `$$` → `$`. */
function interpolate(value: string | number): string {
  return String(value)
    .replace(/\$\{(\w+):-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback)
    .replace(/\$\{(\w+):\?[^}]*\}/g, () => PEPPER_PLACEHOLDER)
    .replace(/\$\$/g, '$');
}

function envOf(name: string): Record<string, string> {
  const env = services[name]!.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
}

describe('docker-compose.yml (production shape)', () => {
  it('has the official images for Temporal (with schema setup), its UI, Postgres and Redis', () => {
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(services.redis?.image).toMatch(/^redis:\d+/);
    expect(services.temporal?.image).toMatch(/^temporalio\/(server|auto-setup):\d/);
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d/);
    expect(services['temporal-schema']?.image).toMatch(/^temporalio\/admin-tools:\d/);
    expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
  });

  it('builds api, worker and the one-shot migrate and temporal-setup from the Dockerfile', () => {
    expect(APP_SERVICES.sort()).toEqual(['api', 'migrate', 'temporal-setup', 'worker']);
    const commands: Record<string, string[]> = {
      api: ['api'],
      worker: ['worker'],
      migrate: ['migrate'],
      'temporal-setup': ['temporal', 'setup'],
    };
    for (const name of APP_SERVICES) {
      expect(services[name]!.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(services[name]!.command).toEqual(commands[name]);
    }
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^FROM node:22/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "bin/dagen.js"]');
  });

  it('sets only variables that infra/config.ts knows, and each value parses', () => {
    expect(CONFIG_VARIABLES.has('DATABASE_URL')).toBe(true);
    for (const name of APP_SERVICES) {
      for (const variable of Object.keys(services[name]!.environment ?? {})) {
        expect(`${name}: ${variable} known=${CONFIG_VARIABLES.has(variable)}`).toBe(
          `${name}: ${variable} known=true`,
        );
      }
      expect(() => loadConfig(envOf(name))).not.toThrow();
    }
  });

  it('points every app service at the compose Postgres, Redis and Temporal, with a key pepper', () => {
    for (const name of APP_SERVICES) {
      const config = loadConfig(envOf(name));
      expect(new URL(config.databaseUrl!).host).toBe('postgres:5432');
      expect(new URL(config.redisUrl!).host).toBe('redis:6379');
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.keyPepper).toBe(PEPPER_PLACEHOLDER);
      expect(config.temporal.namespace).toBe('default');
    }
    const api = loadConfig(envOf('api'));
    expect(api.host).toBe('0.0.0.0');
    expect(services.api!.ports).toContain(`${api.port}:${api.port}`);
    expect(loadConfig(envOf('worker')).host).toBe('0.0.0.0');
    // The app's database user and password are the ones Postgres is initialised with.
    const db = new URL(loadConfig(envOf('api')).databaseUrl!);
    expect(envOf('postgres')).toMatchObject({ POSTGRES_USER: db.username, POSTGRES_PASSWORD: db.password });
    expect(`/${envOf('postgres').POSTGRES_DB}`).toBe(db.pathname);
  });

  it('orders startup sanely: known targets, healthchecks behind service_healthy, one-shots finished first', () => {
    const oneShots = new Set(['temporal-schema', 'temporal-namespace', 'migrate', 'temporal-setup']);
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(Object.keys(services)).toContain(target);
        if (condition === 'service_healthy') expect(services[target]!.healthcheck).toBeDefined();
        if (condition === 'service_completed_successfully') expect(oneShots.has(target)).toBe(true);
        expect(`${name} -> ${target}: ${condition}`).toMatch(/service_(healthy|completed_successfully)$/);
      }
      if (oneShots.has(name)) expect(service.restart).toMatch(/^(no|on-failure)/);
    }
    for (const app of ['api', 'worker']) {
      expect(services[app]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
    expect(services.temporal!.depends_on).toHaveProperty('temporal-schema');
    expect(services['temporal-setup']!.depends_on).toHaveProperty('temporal-namespace');
    expect(hasCycle(services)).toBe(false);
  });

  it('publishes distinct host ports: the API and the Temporal UI', () => {
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    const hostPorts = published.map((p) => p.split(':').slice(0, -1).join(':'));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(services['temporal-ui']!.ports).toEqual(['8233:8080']);
    expect(services.postgres!.ports).toBeUndefined();
    expect(services.redis!.ports).toBeUndefined();
  });
});

function hasCycle(all: Record<string, ComposeService>): boolean {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): boolean => {
    if (state.get(name) === 'visiting') return true;
    if (state.get(name) === 'done') return false;
    state.set(name, 'visiting');
    const cyclic = Object.keys(all[name]?.depends_on ?? {}).some(visit);
    state.set(name, 'done');
    return cyclic;
  };
  return Object.keys(all).some(visit);
}
