/**
 * Engine benchmark (`npm run bench:engine`): dagen's run API against plain Temporal on the same dev
 * server, worker and task queue, measured side by side (interleaved) in one run:
 *  (1) `wait: true` of a 1-node transform workflow vs `client.workflow.execute` of a 1-activity workflow
 *  (2) async start (202) vs `client.workflow.start`
 *  (3) a 40-node sequential transform DAG vs 40 sequential activities: per-step overhead
 *  (4) cancel request → `cancelled` recorded
 */
import { randomUUID } from 'node:crypto';
import { applyDefinition } from '../domain/definitions/definitions.service.ts';
import { reportRatio, summarize, type Summary } from './support/stats.ts';
import { startBenchStack, type BenchStack } from './engine/bench-stack.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const CHAIN_ITERATIONS = Number(process.env.BENCH_CHAIN_ITERATIONS ?? 20);
const SHAPE_ITERATIONS = Number(process.env.BENCH_SHAPE_ITERATIONS ?? 50);
const CANCEL_ITERATIONS = Number(process.env.BENCH_CANCEL_ITERATIONS ?? 30);
const WARMUP = 10;
const CHAIN_LENGTH = 40;

async function main(): Promise<void> {
  const stack = await startBenchStack();
  try {
    const one = await define(stack, {
      nodes: [{ id: 'double', type: 'transform', with: { expression: 'input.n * 2' } }],
    });
    const chain = await define(stack, {
      nodes: Array.from({ length: CHAIN_LENGTH }, (_, i) => ({
        id: `s${i}`,
        type: 'transform',
        ...(i ? { needs: [`s${i - 1}`] } : {}),
        with: { expression: i ? `nodes.s${i - 1}.output % 1000 * 2` : 'input.n * 2' },
      })),
    });
    const slow = await define(stack, { nodes: [{ id: 'pause', type: 'delay', with: { seconds: 120 } }] });
    console.log(`engine bench: api ${stack.apiUrl}, ${ITERATIONS} iterations (warmup ${WARMUP})\n`);

    const waitSide = await sideBySide(
      ITERATIONS,
      () => runApi(stack, one, { input_data: { n: 3 }, wait: true }, 200),
      () => stack.services.temporal.client.workflow.execute('baselineOneStep', plain(stack, [3])),
    );
    print('(1) wait: true, 1-node transform vs execute 1-activity', waitSide);
    reportRatio('(1) p50', waitSide.ours.p50, waitSide.base.p50, { max: 1.15 });
    reportRatio('(1) p99', waitSide.ours.p99, waitSide.base.p99, { max: 1.25 });

    // Reference for (1): the engine's three steps (start, node, complete) as the local activities it
    // uses vs as regular ones; the gap to (1) is the real work: the API's (HTTP, key gate, run row,
    // reads) and the activities' Postgres reads and writes.
    const client = stack.services.temporal.client;
    const shape = await sideBySide(
      SHAPE_ITERATIONS,
      () => client.workflow.execute('engineShape', plain(stack, [3, 3, true])),
      () => client.workflow.execute('engineShape', plain(stack, [3, 3, false])),
    );
    print('(1b) what-if: 3 local vs 3 regular activities in one workflow', shape, ['3 local', '3 regular']);
    reportRatio('(1b) 3 local vs 1-activity baseline, p50', shape.ours.p50, waitSide.base.p50);

    const started: string[] = [];
    const startSide = await sideBySide(
      ITERATIONS,
      async () => started.push(await runApi(stack, one, { input_data: { n: 3 } }, 202)),
      async () =>
        started.push(
          (await stack.services.temporal.client.workflow.start('baselineOneStep', plain(stack, [3])))
            .workflowId,
        ),
    );
    print('(2) async start vs client.workflow.start', startSide);
    reportRatio('(2) p50', startSide.ours.p50, startSide.base.p50);
    reportRatio('(2) p99', startSide.ours.p99, startSide.base.p99);
    await drain(stack, started);

    const chainSide = await sideBySide(
      CHAIN_ITERATIONS,
      () => runApi(stack, chain, { input_data: { n: 3 }, wait: true }, 200),
      () => stack.services.temporal.client.workflow.execute('baselineChain', plain(stack, [3, CHAIN_LENGTH])),
    );
    print(`(3) ${CHAIN_LENGTH}-node sequential DAG vs ${CHAIN_LENGTH} sequential activities`, chainSide);
    // Per step: what the chain adds over the 1-step run, spread over the extra steps.
    const perStep = (chainP50: number, oneP50: number) => (chainP50 - oneP50) / (CHAIN_LENGTH - 1);
    reportRatio(
      '(3) per-step overhead (ms/step, p50)',
      perStep(chainSide.ours.p50, waitSide.ours.p50),
      perStep(chainSide.base.p50, waitSide.base.p50),
      { max: 1.1 },
    );
    reportRatio('(3) whole run p50', chainSide.ours.p50, chainSide.base.p50);

    const cancels = await measureCancels(stack, slow);
    console.log(
      `\n(4) cancel request → cancelled recorded: p50 ${cancels.p50.toFixed(1)} ms, p99 ${cancels.p99.toFixed(1)} ms (n=${cancels.n})`,
    );
  } finally {
    await stack.close();
  }
}

async function define(stack: BenchStack, graph: { nodes: unknown[] }): Promise<string> {
  const saved = await applyDefinition(stack.services.orm.em.fork(), stack.workspaceId, {
    name: `bench-${randomUUID()}`,
    status: 'active',
    ...graph,
  });
  return saved.id;
}

/** One API start; returns the run id after checking the status the scenario expects. */
async function runApi(
  stack: BenchStack,
  workflowId: string,
  body: unknown,
  expected: number,
): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/api/v1/workflow/${workflowId}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.nextKey() },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { id?: string; status?: string; error?: string };
  if (res.status !== expected || !json.id) {
    throw new Error(`run answered ${res.status} ${JSON.stringify(json)}, expected ${expected}`);
  }
  if (expected === 200 && json.status !== 'success') throw new Error(`run ended ${json.status}`);
  return json.id;
}

function plain(stack: BenchStack, args: unknown[]) {
  return { taskQueue: stack.taskQueue, workflowId: `baseline:${randomUUID()}`, args };
}

interface Side {
  ours: Summary;
  base: Summary;
}

/** Alternates ours and the baseline call by call, so drift on the machine hits both alike. */
async function sideBySide(
  n: number,
  ours: () => Promise<unknown>,
  base: () => Promise<unknown>,
): Promise<Side> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < WARMUP + n; i++) {
    const first = i % 2 ? ours : base;
    const second = i % 2 ? base : ours;
    const t0 = performance.now();
    await first();
    const t1 = performance.now();
    await second();
    const t2 = performance.now();
    if (i < WARMUP) continue;
    (i % 2 ? a : b).push(t1 - t0);
    (i % 2 ? b : a).push(t2 - t1);
  }
  return { ours: summarize(a), base: summarize(b) };
}

function print(title: string, side: Side, labels: [string, string] = ['dagen', 'temporal']): void {
  const row = (label: string, s: Summary) =>
    `  ${label.padEnd(9)} p50 ${s.p50.toFixed(1).padStart(7)} ms   p99 ${s.p99.toFixed(1).padStart(7)} ms   mean ${s.mean.toFixed(1).padStart(7)} ms`;
  console.log(`\n${title} (n=${side.ours.n})\n${row(labels[0], side.ours)}\n${row(labels[1], side.base)}`);
}

/** Waits for every started execution so later scenarios run on an idle worker. */
async function drain(stack: BenchStack, ids: string[]): Promise<void> {
  const client = stack.services.temporal.client;
  await Promise.all(
    ids.map((id) => client.workflow.getHandle(id.startsWith('baseline:') ? id : `run:${id}`).result()),
  );
}

/** Starts a long delay run, lets it reach `running`, then times the cancel request until it answers. */
async function measureCancels(stack: BenchStack, workflowId: string): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + CANCEL_ITERATIONS; i++) {
    const res = await fetch(`${stack.apiUrl}/api/v1/workflow/${workflowId}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.nextKey() },
      // A short wait that times out returns once the delay is under way (status running).
      body: JSON.stringify({ wait: true, timeout: 0.2 }),
    });
    const run = (await res.json()) as { id: string; status: string };
    if (run.status !== 'running') throw new Error(`expected a running run, got ${run.status}`);
    const t0 = performance.now();
    const cancel = await fetch(`${stack.apiUrl}/api/v1/workflow/runs/${run.id}/cancel`, {
      method: 'POST',
      headers: { 'x-api-key': stack.nextKey() },
    });
    const after = (await cancel.json()) as { status: string };
    const elapsed = performance.now() - t0;
    if (cancel.status !== 200 || after.status !== 'cancelled') {
      throw new Error(`cancel answered ${cancel.status} ${JSON.stringify(after)}`);
    }
    if (i >= WARMUP) samples.push(elapsed);
  }
  return summarize(samples);
}

await main();
