import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SHUTDOWN_MODULE = fileURLToPath(new URL('../../infra/shutdown.ts', import.meta.url));
const LOGGER_MODULE = fileURLToPath(new URL('../../infra/logger.ts', import.meta.url));
const GRACE_MS = 500;

/**
 * The bound on stopping, in a process of its own: a stop that never finishes is cut short when
 * SHUTDOWN_GRACE_MS runs out, with exit code 1 and a log line naming what had not stopped.
 */
describe('shutdown grace', () => {
  it('exits 1 after the grace when the stop hangs, naming what did not stop', async () => {
    const script = `
      import { untilSignal } from ${JSON.stringify(SHUTDOWN_MODULE)};
      import { createLogger } from ${JSON.stringify(LOGGER_MODULE)};
      setInterval(() => undefined, 60_000);
      void untilSignal(createLogger('info'), () => new Promise(() => undefined), {
        graceMs: ${GRACE_MS},
        pending: () => ['api server', 'worker'],
      });
      console.log(JSON.stringify({ msg: 'ready' }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' });
    let output = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('"ready"')) resolve();
      }),
    );
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await ready;
    const interruptedAt = performance.now();
    child.kill('SIGINT');
    const [code] = await exited;
    const tookMs = performance.now() - interruptedAt;
    expect(code).toBe(1);
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS - 50);
    expect(tookMs).toBeLessThan(GRACE_MS + 5000);
    const expired = output.split('\n').find((line) => line.includes('shutdown grace expired'));
    expect(JSON.parse(expired ?? '{}')).toMatchObject({
      graceMs: GRACE_MS,
      notStopped: ['api server', 'worker'],
    });
  });
});
