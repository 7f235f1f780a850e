import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cleanEnv,
  processesMentioning,
  REPO_ROOT,
  watchProcess,
  type DagenProcess,
} from '../../foundation/support/dagen-process.ts';

/** A clean clone of this repository on what looks like a fresh machine, in a temp dir of its own. */
export interface FreshMachine {
  /** The temp dir holding all of it; every process the test starts mentions it. */
  readonly work: string;
  readonly clone: string;
  /** DAGEN_TOOLS_DIR, empty at first. */
  readonly toolsDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs `./dagen …` in the clone as from a terminal, but with no stdin (as in CI). */
  dagen(args: string[]): DagenProcess;
  /** Kills what is still running (with its process group: an install in progress too), removes the dir. */
  dispose(): Promise<void>;
}

/**
 * Clones what is committed at HEAD into a temp dir with an empty tools dir, a data dir and a PATH
 * holding only the system commands and `oldNode` (no Node at all when undefined).
 */
export function freshMachine(oldNode: string | undefined, extraEnv: Record<string, string>): FreshMachine {
  const work = mkdtempSync(path.join(os.tmpdir(), 'dagen-bootstrap-'));
  // As root the embedded Postgres runs as `postgres`, which must enter the clone and the data dir.
  chmodSync(work, 0o755);
  const clone = path.join(work, 'dagen');
  // Quiet also when HEAD is detached, as in CI checkouts.
  execFileSync('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', REPO_ROOT, clone]);
  const toolsDir = path.join(work, 'tools');
  const dataDir = path.join(work, 'data');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  const env = freshMachineEnv({
    PATH: freshMachinePath(work, oldNode),
    DAGEN_TOOLS_DIR: toolsDir,
    DAGEN_DATA_DIR: dataDir,
    ...extraEnv,
  });
  const started: DagenProcess[] = [];
  return {
    work,
    clone,
    toolsDir,
    env,
    dagen(args) {
      const child = spawn(path.join(clone, 'dagen'), args, {
        cwd: clone,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      started.push(watchProcess(child));
      return started.at(-1)!;
    },
    async dispose() {
      for (const proc of started.filter((p) => p.child.exitCode === null && p.child.signalCode === null)) {
        process.kill(-proc.child.pid!, 'SIGKILL');
        await proc.exited;
      }
      for (const pid of processesMentioning(work)) process.kill(pid, 'SIGKILL');
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Commands a fresh machine lacks: ./dagen must install (or do without) each of them. */
const LEFT_OUT = new Set(['node', 'npm', 'npx', 'corepack', 'temporal']);
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * A PATH like a fresh machine's, built under `dir`: links to every system command (sh, git, python3,
 * coreutils, ...) except Node, npm and the Temporal CLI, behind the old Node when there is one.
 * Links rather than the system folders themselves, which may hold a Node 22 or a `temporal`.
 */
function freshMachinePath(dir: string, oldNode: string | undefined): string {
  const system = path.join(dir, 'system-bin');
  mkdirSync(system, { recursive: true });
  const linked = new Set<string>();
  for (const folder of SYSTEM_DIRS.filter((f) => existsSync(f))) {
    for (const name of readdirSync(folder)) {
      if (LEFT_OUT.has(name) || linked.has(name)) continue;
      linked.add(name);
      symlinkSync(path.join(folder, name), path.join(system, name));
    }
  }
  if (!oldNode) return system;
  // The old Node comes with its npm, as on a machine with a distribution's Node 20.
  const old = path.join(dir, 'old-node-bin');
  mkdirSync(old);
  symlinkSync(oldNode, path.join(old, 'node'));
  const npm = path.join(path.dirname(oldNode), 'npm');
  if (existsSync(npm)) symlinkSync(npm, path.join(old, 'npm'));
  return `${old}:${system}`;
}

/** A Node older than 22 on this machine (PATH first, then the usual places), if any. */
export function findOldNode(): string | undefined {
  const onPath = (process.env.PATH ?? '').split(':').filter(Boolean);
  const candidates = [...onPath, '/usr/bin', '/usr/local/bin'].map((d) => path.join(d, 'node'));
  return candidates.find((file) => existsSync(file) && nodeMajor(file) < 22);
}

function nodeMajor(file: string): number {
  try {
    const version = execFileSync(file, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    return Number(/^v(\d+)\./.exec(version)?.[1] ?? Infinity);
  } catch {
    return Infinity;
  }
}

/**
 * This process's environment as a user's fresh shell would have it: without the test harness
 * variables, the `npm_*` ones `npm test` sets (the registry excepted) and TEMPORAL_CLI_PATH.
 */
function freshMachineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cleanEnv({});
  for (const name of Object.keys(env)) {
    const fromNpm = /^npm_/i.test(name) && !/^npm_config_registry$/i.test(name);
    if (fromNpm || ['TEMPORAL_CLI_PATH', 'NODE', 'INIT_CWD'].includes(name)) delete env[name];
  }
  return { ...env, ...extra };
}
