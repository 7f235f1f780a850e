import { ConfigError, loadConfig } from '../../infra/config.ts';
import { cleanEnv, runDagen } from './support/dagen-process.ts';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('config', () => {
  it('parses an empty environment into the embedded defaults, frozen', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.temporal).toMatchObject({
      address: undefined,
      namespace: 'default',
      devPort: 7233,
      uiPort: 8233,
    });
    expect(config.embeddedPostgresPort).toBe(5433);
    expect(config.metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: ' ' }).metricsToken).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.temporal)).toBe(true);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'not a url'],
    ['TEMPORAL_ADDRESS', 'localhost'],
    ['DAGEN_KEY_PEPPER', 'short'],
    ['LOG_LEVEL', 'loud'],
    ['EMBEDDED_POSTGRES_PORT', '-1'],
    ['METRICS_TOKEN', 'short'],
    ['DAGEN_SECRETS_KEY', 'short'],
  ])('a bad %s (%s) is one line naming the variable', (variable, value) => {
    const err = configError({ [variable]: value });
    expect(err.message).toContain(variable);
    // A near-miss secret is still a secret: its value is never repeated.
    if (['DAGEN_KEY_PEPPER', 'METRICS_TOKEN', 'DAGEN_SECRETS_KEY'].includes(variable))
      expect(err.message).not.toContain(value);
    else expect(err.message).toContain(JSON.stringify(value));
    expect(err.message).not.toContain('\n');
  });

  it('the CLI stops on a bad value with exit code 1 and one line on stderr', async () => {
    const result = await runDagen(['migrate'], cleanEnv({ METRICS_PORT: 'nine' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dagen migrate: Invalid METRICS_PORT: .*"nine"/);
  });
});
