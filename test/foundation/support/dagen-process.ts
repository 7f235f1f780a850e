import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesWhere } from '../../../infra/process-stop.ts';
import { freePort } from '../../../infra/temporal-runtime.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(REPO_ROOT, 'bin', 'dagen.js');

/** Variables global setup exports for in-process tests; a child must not inherit them. */
const HARNESS_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'DAGEN_KEY_PEPPER', 'LOG_LEVEL'];

/** The environment of a fresh machine: this process's, minus what the test harness set. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of HARNESS_VARIABLES) delete env[name];
  return { ...env, ...extra };
}

export interface DagenProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** What was written to stdout alone. */
  stdout(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Spawns `node bin/dagen.js …` from the repository root, as a user would. */
export function spawnDagen(args: string[], env: NodeJS.ProcessEnv): DagenProcess {
  return watchProcess(spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, stdio: 'pipe' }));
}

/** Collects a child's output and exit code, for commands other than bin/dagen.js (e.g. ./dagen). */
export function watchProcess(child: ChildProcess): DagenProcess {
  let text = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => text, stdout: () => stdout, exited };
}

/** Runs a dagen command to completion. */
export async function runDagen(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | string; output: string; stdout: string }> {
  const p = spawnDagen(args, env);
  const code = await p.exited;
  return { code, output: p.output(), stdout: p.stdout() };
}

/** Polls `url` until it answers `status`, failing early with the process output if it exits. */
export async function waitForStatus(
  url: string,
  status: number,
  proc: DagenProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void proc.exited.then((code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`dagen exited (${exited}) before ${url}:\n${proc.output()}`);
    const got = await fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.status)
      .catch(() => 0);
    if (got === status) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms:\n${proc.output()}`);
}

/** Pids of live processes whose command line mentions `needle` (e.g. a data dir). */
export function processesMentioning(needle: string): number[] {
  return processesWhere((args) => args.join('\0').includes(needle)).map((p) => p.pid);
}

/** Polls `check` every 100 ms until it holds or `timeoutMs` passes (the caller asserts afterwards). */
export async function waitUntil(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/** Free ports for every server `dagen start` opens, as the variables that choose them. */
export async function freeStartPorts() {
  const [api, temporal, ui, postgres] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  return {
    PORT: String(api),
    TEMPORAL_PORT: String(temporal),
    TEMPORAL_UI_PORT: String(ui),
    EMBEDDED_POSTGRES_PORT: String(postgres),
  };
}

/** Waits until a `dagen start` answers /readyz and has printed its banner (right after listening). */
export async function waitForStartBanner(
  proc: DagenProcess,
  apiUrl: string,
  timeoutMs: number,
): Promise<void> {
  await waitForStatus(`${apiUrl}/readyz`, 200, proc, timeoutMs);
  await waitUntil(() => proc.stdout().includes('Press Ctrl-C to stop.'));
}

/** Ctrl-C: SIGINT, then the exit code and the processes still mentioning `needle` once they had time to go. */
export async function interrupt(
  proc: DagenProcess,
  needle: string,
): Promise<{ code: number | string; left: number[] }> {
  proc.child.kill('SIGINT');
  const code = await proc.exited;
  await waitUntil(() => processesMentioning(needle).length === 0);
  return { code, left: processesMentioning(needle) };
}

/** Test cleanup: kills a `dagen start` still running and anything left on its data dir, then removes the dir. */
export async function killAndRemove(proc: DagenProcess | undefined, dataDir: string): Promise<void> {
  if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}
