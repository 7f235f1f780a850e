import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A process this one started that must not outlive it, and how to stop it (cleanest signal first). */
export interface ReapableChild {
  readonly name: string;
  readonly pid: number;
  readonly signals: readonly NodeJS.Signals[];
}

export interface ChildReaper {
  /** From now on, `child` is stopped if this process dies before stopping it itself. */
  watch(child: ReapableChild): void;
}

const ENTRY = fileURLToPath(new URL('./child-reaper-process.ts', import.meta.url));

/**
 * Node has no PR_SET_PDEATHSIG, so nothing stops this process's children when it is killed (even
 * `kill -9`): a small watchdog process does. It runs detached (its own session, so a terminal's
 * Ctrl-C does not reach it) and reads from a pipe this process holds open; the kernel closes the
 * pipe however this process ends, and on that EOF the watchdog stops every child it was told about.
 */
export function startChildReaper(): ChildReaper {
  const reaper = spawn(process.execPath, [ENTRY], { detached: true, stdio: ['pipe', 'ignore', 'inherit'] });
  // Neither the watchdog nor its pipe may keep this process alive.
  reaper.unref();
  const pipe = reaper.stdin!;
  (pipe as unknown as { unref(): void }).unref();
  // A watchdog that is gone cannot be told more; this process still stops its children itself.
  pipe.on('error', () => undefined);
  return {
    watch(child) {
      pipe.write(`${JSON.stringify(child)}\n`);
    },
  };
}
