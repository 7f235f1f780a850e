/**
 * The watchdog of `startChildReaper` (infra/child-reaper.ts), run as its own process. Its stdin is a
 * pipe from the parent carrying one JSON `ReapableChild` per line; EOF means the parent is gone,
 * cleanly or not. Then every watched child still running (same pid and start time) is stopped,
 * escalating through its signals, and the watchdog exits.
 */
import type { ReapableChild } from './child-reaper.ts';
import { identify, isRunning, stopProcess, type ProcessIdentity } from './process-stop.ts';

/** How long a child gets after each signal before the next, harsher one. */
const STEP_MS = 3000;

const watched: { child: ReapableChild; identity: ProcessIdentity }[] = [];
let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const child = JSON.parse(line) as ReapableChild;
    // Identified on arrival, while the child surely runs, so a later process reusing its pid is spared.
    const identity = identify(child.pid);
    if (identity) watched.push({ child, identity });
  }
});
process.stdin.once('close', () => void reap());

async function reap(): Promise<void> {
  await Promise.all(
    watched.map(async ({ child, identity }) => {
      if (!isRunning(identity)) return;
      const stopped = await stopProcess(identity, child.signals, STEP_MS);
      process.stderr.write(
        `dagen: ${child.name} (pid ${child.pid}) outlived dagen: ${stopped ? 'stopped' : 'could not be stopped'}\n`,
      );
    }),
  );
  process.exit(0);
}
