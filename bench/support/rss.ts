/** Resident set size of a process, from /proc (Linux): what the benchmarks report as memory. */
import { readFileSync } from 'node:fs';

export const MB = 1024 * 1024;

/** The process's resident set size in bytes now. */
export function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** `count` readings of a process's resident set size in bytes, 200 ms apart. */
export async function sampleRss(pid: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(rssOf(pid));
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return out;
}
