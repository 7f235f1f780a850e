import { readdirSync, readFileSync } from 'node:fs';

/**
 * Stopping a process by pid without hitting another one that reused it: a pid is paired with its
 * start time (field 22 of /proc/<pid>/stat), which differs for any later process with that pid.
 */
export interface ProcessIdentity {
  readonly pid: number;
  readonly startTime: string;
}

const POLL_MS = 50;

/** Fields 3 onwards of /proc/<pid>/stat (state, ppid, …), or undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The identity of a live process, or undefined when there is none with that pid. */
export function identify(pid: number): ProcessIdentity | undefined {
  const startTime = statFields(pid)?.[19];
  return startTime ? { pid, startTime } : undefined;
}

/** Whether the process is still running; a zombie counts as gone (only its parent's wait is left). */
export function isRunning(target: ProcessIdentity): boolean {
  const fields = statFields(target.pid);
  return fields?.[19] === target.startTime && fields[0] !== 'Z';
}

/** The NUL-separated arguments of a process, or [] once it is gone. */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The parent pid of a process, or undefined once it is gone. */
export function parentPid(pid: number): number | undefined {
  const ppid = statFields(pid)?.[1];
  return ppid === undefined ? undefined : Number(ppid);
}

/** Live processes whose arguments (and pid) satisfy `match`. */
export function processesWhere(match: (args: string[], pid: number) => boolean): ProcessIdentity[] {
  const found: ProcessIdentity[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (!match(commandLine(pid), pid)) continue;
    const identity = identify(pid);
    if (identity) found.push(identity);
  }
  return found;
}

/**
 * Sends each signal in turn, giving the process `stepMs` to exit after each before the next (so
 * the first can ask for a clean stop and the last be SIGKILL). Resolves true once it is gone.
 */
export async function stopProcess(
  target: ProcessIdentity,
  signals: readonly NodeJS.Signals[],
  stepMs: number,
): Promise<boolean> {
  for (const signal of signals) {
    if (!isRunning(target)) return true;
    try {
      process.kill(target.pid, signal);
    } catch {
      return true; // gone between the check and the signal
    }
    const deadline = Date.now() + stepMs;
    while (isRunning(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return !isRunning(target);
}
