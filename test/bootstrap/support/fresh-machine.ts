import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { cleanEnv } from '../../foundation/support/dagen-process.ts';

/** Commands a fresh machine lacks: ./dagen must install (or do without) each of them. */
const LEFT_OUT = new Set(['node', 'npm', 'npx', 'corepack', 'temporal']);
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * A PATH like a fresh machine's, built under `dir`: links to every system command (sh, git, python3,
 * coreutils, ...) except Node, npm and the Temporal CLI, behind the old Node when there is one.
 * Links rather than the system folders themselves, which may hold a Node 22 or a `temporal`.
 */
export function freshMachinePath(dir: string, oldNode: string | undefined): string {
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
export function freshMachineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = cleanEnv({});
  for (const name of Object.keys(env)) {
    const fromNpm = /^npm_/i.test(name) && !/^npm_config_registry$/i.test(name);
    if (fromNpm || ['TEMPORAL_CLI_PATH', 'NODE', 'INIT_CWD'].includes(name)) delete env[name];
  }
  return { ...env, ...extra };
}
