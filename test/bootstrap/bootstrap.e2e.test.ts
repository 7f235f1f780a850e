import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  freeStartPorts,
  interrupt,
  processesMentioning,
  REPO_ROOT,
  waitForStartBanner,
  watchProcess,
  type DagenProcess,
} from '../foundation/support/dagen-process.ts';
import { findOldNode, freshMachineEnv, freshMachinePath } from './support/fresh-machine.ts';

// A cold start downloads Node 22 and the Temporal CLI and runs npm ci: minutes, not seconds.
const COLD_START_TIMEOUT_MS = 6 * 60_000;
const WARM_START_TIMEOUT_MS = 60_000;
// `./dagen --help` with everything installed: a second or two, far below any install.
const WARM_HELP_LIMIT_MS = 15_000;
const INSTALL_LINE = /^dagen: installing/m;
const OLD_NODE = findOldNode();

/**
 * `./dagen start` in a clean clone on a machine with an old Node (or none), no Node 22 and no
 * Temporal CLI: the README's first command must install what is missing, start the stack, and
 * install nothing the second time.
 */
describe('./dagen on a fresh machine (old or no Node, no Temporal CLI)', () => {
  let work: string;
  let clone: string;
  let toolsDir: string;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let running: DagenProcess | undefined;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'dagen-bootstrap-'));
    // As root the embedded Postgres runs as `postgres`, which must enter the clone and the data dir.
    chmodSync(work, 0o755);
    clone = path.join(work, 'dagen');
    // What is committed at HEAD (detached in CI, too), as a user's clone would have it.
    execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', REPO_ROOT, clone]);
    toolsDir = path.join(work, 'tools');
    const dataDir = path.join(work, 'data');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const ports = await freeStartPorts();
    apiUrl = `http://127.0.0.1:${ports.PORT}`;
    env = freshMachineEnv({
      PATH: freshMachinePath(work, OLD_NODE),
      DAGEN_TOOLS_DIR: toolsDir,
      DAGEN_DATA_DIR: dataDir,
      ...ports,
      LOG_LEVEL: 'warn',
    });
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      // Its own process group: an install still running (npm, pip) goes too.
      process.kill(-running.child.pid!, 'SIGKILL');
      await running.exited;
    }
    for (const pid of processesMentioning(work)) process.kill(pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs `./dagen …` in the clone, as a user would from a terminal (no stdin in CI). */
  function dagen(args: string[]): DagenProcess {
    const child = spawn(path.join(clone, 'dagen'), args, {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return watchProcess(child);
  }

  async function startAndWait(timeoutMs: number): Promise<DagenProcess> {
    running = dagen(['start']);
    await waitForStartBanner(running, apiUrl, timeoutMs);
    return running;
  }

  (OLD_NODE ? it : it.skip)('bin/dagen.js under the old Node says what it needs in one line', () => {
    const run = spawnSync(OLD_NODE!, [path.join(clone, 'bin', 'dagen.js'), 'start'], {
      encoding: 'utf8',
      env,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^dagen needs Node\.js 22\.18 or newer \(this is v\d+\.\d+\.\d+\): run \.\/dagen/,
      ),
    ]);
  });

  it(
    'first ./dagen start installs Node 22, the npm packages and the Temporal CLI, then runs the stack',
    async () => {
      const proc = await startAndWait(COLD_START_TIMEOUT_MS);
      const out = proc.output();
      expect(out).toContain('dagen: installing Node.js 22.');
      expect(out).toContain('dagen: installing npm packages (npm ci)');
      expect(out).toContain('dagen: installing the Temporal CLI');
      expect(proc.stdout()).toContain(`API:          ${apiUrl}`);
      expect(proc.stdout()).toMatch(/API key:\s+dg_/);
      // ./dagen execs the installed Node itself, so Ctrl-C reaches dagen and nothing is left between.
      expect(readlinkSync(`/proc/${proc.child.pid}/exe`).startsWith(toolsDir)).toBe(true);
      expect(await interrupt(proc, work)).toEqual({ code: 0, left: [] });
    },
    COLD_START_TIMEOUT_MS + 60_000,
  );

  it('a second run installs nothing: --help answers at once and start comes up', async () => {
    const lockStamp = statSync(path.join(clone, 'node_modules', '.package-lock.json')).mtimeMs;
    const began = Date.now();
    const help = dagen(['--help']);
    expect(await help.exited).toBe(0);
    expect(Date.now() - began).toBeLessThan(WARM_HELP_LIMIT_MS);
    expect(help.stdout()).toContain('dagen start');
    expect(help.output()).not.toMatch(INSTALL_LINE);

    const proc = await startAndWait(WARM_START_TIMEOUT_MS);
    expect(proc.output()).not.toMatch(INSTALL_LINE);
    expect(proc.stdout()).toContain('Reusing the existing data');
    expect(await interrupt(proc, work)).toEqual({ code: 0, left: [] });
    // npm ci did not run again.
    expect(statSync(path.join(clone, 'node_modules', '.package-lock.json')).mtimeMs).toBe(lockStamp);
  }, 120_000);
});
