/** Running contenders side by side in one process, and printing their latencies as a small table. */
import { summarize, type Summary } from './stats.ts';

/** Rounds of every contender before the measured ones: JIT, pools and caches warm on both sides. */
export const WARMUP = 10;

/**
 * Runs the contenders in turn, one call each per round, rotating who goes first, so drift on the
 * machine hits all alike. Returns each one's latencies, in the order given.
 */
export async function interleave<const T extends readonly (() => Promise<unknown>)[]>(
  n: number,
  contenders: T,
  warmup: number = WARMUP,
): Promise<{ [K in keyof T]: Summary }> {
  const samples = contenders.map((): number[] => []);
  for (let round = 0; round < warmup + n; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const which = (round + k) % contenders.length;
      const t0 = performance.now();
      await contenders[which]!();
      if (round >= warmup) samples[which]!.push(performance.now() - t0);
    }
  }
  return samples.map(summarize) as { [K in keyof T]: Summary };
}

/** Prints `title (n=…)` and one line per contender: p50, p99 and mean in milliseconds. */
export function printTable(title: string, rows: Record<string, Summary>): void {
  const row = ([label, s]: [string, Summary]) =>
    `  ${label.padEnd(9)} p50 ${s.p50.toFixed(1).padStart(7)} ms   p99 ${s.p99.toFixed(1).padStart(7)} ms   mean ${s.mean.toFixed(1).padStart(7)} ms`;
  const n = Object.values(rows)[0]!.n;
  console.log(`\n${title} (n=${n})\n${Object.entries(rows).map(row).join('\n')}`);
}
