/** Small helpers every benchmark shares: percentiles, a side-by-side table and ratios. */

export interface Summary {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const idx = Math.min(sortedAsc.length - 1, Math.max(0, Math.ceil((p / 100) * sortedAsc.length) - 1));
  return sortedAsc[idx]!;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}

/** Times `fn` `n` times sequentially; returns milliseconds per call. */
export async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

/** Prints a line `label: ours X vs baseline Y = ratio R (target ≤ T)` and returns whether the target held. */
export function reportRatio(
  label: string,
  ours: number,
  baseline: number,
  target?: { max?: number; min?: number },
): boolean {
  const ratio = ours / baseline;
  const ok =
    (target?.max === undefined || ratio <= target.max) && (target?.min === undefined || ratio >= target.min);
  const goal =
    target?.max !== undefined
      ? ` (target ≤ ${target.max})`
      : target?.min !== undefined
        ? ` (target ≥ ${target.min})`
        : '';
  console.log(
    `${label}: ours ${ours.toFixed(2)} vs baseline ${baseline.toFixed(2)} → ratio ${ratio.toFixed(3)}${goal}${goal ? (ok ? ' PASS' : ' MISS') : ''}`,
  );
  return ok;
}
