/**
 * Engine benchmark (`npm run bench:engine`): dagen's run API against hand-written Temporal workflows on
 * the same dev server, worker and task queue, measured side by side (interleaved) in one run. Each
 * target prints as a ratio with PASS/MISS:
 *  (1) `wait: true` of a 1-node transform vs `client.workflow.execute` of its hand-written equivalent
 *  (2) async start (202) vs `client.workflow.start`
 *  (3) per-step overhead of a 40-node sequential transform DAG vs the hand-written 40-step chain
 *  (4) sustained starts/s at concurrency 32: the API vs the raw client
 *  (5) cancel request → `cancelled` recorded (no target)
 *  (6) 1,000 concurrent `wait: true` requests held by one `dagen api` process: its RSS growth
 * The hand-written equivalents (bench/engine/baseline.workflows.ts) run each step as a local activity,
 * as dagen does. The targets are judged against the one that also keeps dagen's records (run row and
 * one row per step in Postgres); the bare one (Temporal history only) is printed for reference. The
 * raw starts of (2) and (4) start that recorded 1-step workflow, so the worker behind both sides of a
 * start benchmark carries a like load.
 */
import { randomUUID } from 'node:crypto';
import { applyDefinition } from '../domain/definitions/definitions.service.ts';
import { MB, sampleRss } from './support/rss.ts';
import { interleave, printTable as print, WARMUP } from './support/side-by-side.ts';
import { reportRatio, summarize, type Summary } from './support/stats.ts';
import { startBenchStack, type BenchStack } from './engine/bench-stack.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200);
const CHAIN_ITERATIONS = Number(process.env.BENCH_CHAIN_ITERATIONS ?? 20);
const CANCEL_ITERATIONS = Number(process.env.BENCH_CANCEL_ITERATIONS ?? 30);
const THROUGHPUT_ROUND_MS = Number(process.env.BENCH_THROUGHPUT_ROUND_MS ?? 5_000);
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_THROUGHPUT_ROUNDS ?? 3);
const HELD_WAITS = Number(process.env.BENCH_HELD_WAITS ?? 1_000);
/** Comma-separated sections to run (wait, start, chain, throughput, cancel, held); unset: all. */
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const runs = (section: string) => !ONLY || ONLY.includes(section);
const CHAIN_LENGTH = 40;
const CONCURRENCY = 32;

async function main(): Promise<void> {
  const stack = await startBenchStack();
  const client = stack.services.temporal.client;
  const execute = (type: string, steps: number) => () =>
    client.workflow.execute(type, plain(stack, [3, steps]));
  const results: boolean[] = [];
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
    const slow = await define(stack, { nodes: [{ id: 'pause', type: 'delay', with: { seconds: 900 } }] });
    console.log(`engine bench: api ${stack.apiUrl}, ${ITERATIONS} iterations (warmup ${WARMUP})\n`);

    // (3) spreads its figure over the steps beyond the 1-step runs of (1).
    if (runs('wait') || runs('chain')) {
      const [wait, recordedOne, bareOne] = await interleave(ITERATIONS, [
        () => runApi(stack.apiUrl, stack.nextKey(), one, { input_data: { n: 3 }, wait: true }, 200),
        execute('baselineRecordedChain', 1),
        execute('baselineLocalChain', 1),
      ]);
      print('(1) wait: true, 1-node transform vs execute of the hand-written 1-step chain', {
        dagen: wait,
        recorded: recordedOne,
        bare: bareOne,
      });
      results.push(reportRatio('(1) wait p50 vs recorded', wait.p50, recordedOne.p50, { max: 1.15 }));
      reportRatio('(1) wait p99 vs recorded', wait.p99, recordedOne.p99);
      reportRatio('(1) wait p50 vs bare (reference)', wait.p50, bareOne.p50);
      if (runs('chain')) {
        const [long, recordedLong, bareLong] = await interleave(CHAIN_ITERATIONS, [
          () => runApi(stack.apiUrl, stack.nextKey(), chain, { input_data: { n: 3 }, wait: true }, 200),
          execute('baselineRecordedChain', CHAIN_LENGTH),
          execute('baselineLocalChain', CHAIN_LENGTH),
        ]);
        print(`(3) ${CHAIN_LENGTH}-node sequential DAG vs the hand-written ${CHAIN_LENGTH}-step chain`, {
          dagen: long,
          recorded: recordedLong,
          bare: bareLong,
        });
        // Per step: what the long run adds over the 1-step run, spread over the extra steps.
        const perStep = (longRun: Summary, oneRun: Summary) =>
          (longRun.p50 - oneRun.p50) / (CHAIN_LENGTH - 1);
        const oursPerStep = perStep(long, wait);
        results.push(
          reportRatio(
            '(3) per-step overhead vs recorded (ms/step, p50)',
            oursPerStep,
            perStep(recordedLong, recordedOne),
            {
              max: 1.2,
            },
          ),
        );
        reportRatio('(3) per-step overhead vs bare (reference)', oursPerStep, perStep(bareLong, bareOne));
      }
    }

    if (runs('start')) {
      const started: string[] = [];
      const [startOurs, startBase] = await interleave(ITERATIONS, [
        async () =>
          started.push(await runApi(stack.apiUrl, stack.nextKey(), one, { input_data: { n: 3 } }, 202)),
        async () =>
          started.push(
            (await client.workflow.start('baselineRecordedChain', plain(stack, [3, 1]))).workflowId,
          ),
      ]);
      print('(2) async start (202) vs client.workflow.start', { dagen: startOurs, temporal: startBase });
      results.push(reportRatio('(2) start p50', startOurs.p50, startBase.p50, { max: 1.3 }));
      reportRatio('(2) start p99', startOurs.p99, startBase.p99);
      await drain(stack, started.splice(0));
    }

    if (runs('throughput')) {
      const rates = await throughput(
        () => runApi(stack.apiUrl, stack.nextKey(), one, { input_data: { n: 3 } }, 202),
        async () => (await client.workflow.start('baselineRecordedChain', plain(stack, [3, 1]))).workflowId,
        (ids) => drain(stack, ids),
      );
      results.push(
        reportRatio(`(4) starts/s at concurrency ${CONCURRENCY}`, rates.ours, rates.base, { min: 0.8 }),
      );
    }

    if (runs('cancel')) {
      const cancels = await measureCancels(stack, slow);
      console.log(
        `\n(5) cancel request → cancelled recorded: p50 ${cancels.p50.toFixed(1)} ms, p99 ${cancels.p99.toFixed(1)} ms (n=${cancels.n})`,
      );
    }

    if (runs('held')) {
      const held = await measureHeldWaits(stack, one, slow);
      results.push(
        reportRatio(`(6) RSS growth with ${HELD_WAITS} held waits (MB)`, held.growthMb, 100, { max: 1 }),
      );
    }
  } finally {
    await stack.close();
  }
  console.log(`\n${results.filter(Boolean).length}/${results.length} targets met`);
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
  apiUrl: string,
  key: string,
  workflowId: string,
  body: unknown,
  expected: number,
): Promise<string> {
  const res = await fetch(`${apiUrl}/api/v1/workflow/${workflowId}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
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

/** Waits for every started execution so later scenarios run on an idle worker. */
async function drain(stack: BenchStack, ids: string[]): Promise<void> {
  const client = stack.services.temporal.client;
  await Promise.all(
    ids.map((id) => client.workflow.getHandle(id.startsWith('baseline:') ? id : `run:${id}`).result()),
  );
}

/**
 * Starts per second with CONCURRENCY callers each starting one run after another, in alternating
 * rounds (ours, theirs, theirs, ours, …); every round's runs are drained before the next, so neither
 * side pays for the other's backlog. Returns the mean rate of each.
 */
async function throughput(
  ours: () => Promise<string>,
  base: () => Promise<string>,
  drainIds: (ids: string[]) => Promise<void>,
): Promise<{ ours: number; base: number }> {
  const rates = { ours: [] as number[], base: [] as number[] };
  console.log(
    `\n(4) sustained starts/s, ${CONCURRENCY} concurrent callers, ${THROUGHPUT_ROUND_MS} ms rounds`,
  );
  for (let round = 0; round < 2 * THROUGHPUT_ROUNDS + 2; round++) {
    const side = round % 4 === 0 || round % 4 === 3 ? 'ours' : 'base';
    const ids: string[] = [];
    const t0 = performance.now();
    const end = t0 + THROUGHPUT_ROUND_MS;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) ids.push(await (side === 'ours' ? ours : base)());
      }),
    );
    const rate = (ids.length / (performance.now() - t0)) * 1000;
    await drainIds(ids);
    // The first round of each side warms it up.
    if (round >= 2) rates[side].push(rate);
    console.log(
      `  round ${round} ${side === 'ours' ? 'dagen   ' : 'temporal'} ${rate.toFixed(1)} starts/s${round < 2 ? ' (warmup)' : ''}`,
    );
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { ours: mean(rates.ours), base: mean(rates.base) };
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

/**
 * Holds HELD_WAITS `wait: true` requests on long delay runs against a `dagen api` process of its own
 * (the worker is another process) and measures that process's RSS: before (after a warm-up of short
 * waits), and at its peak while every request is held. Stopping the process answers them all (202).
 */
async function measureHeldWaits(
  stack: BenchStack,
  quickWorkflow: string,
  slowWorkflow: string,
): Promise<{ growthMb: number }> {
  const api = await stack.spawnApi();
  for (let i = 0; i < 3 * WARMUP; i++) {
    await runApi(api.url, stack.nextKey(), quickWorkflow, { input_data: { n: 3 }, wait: true }, 200);
  }
  const before = Math.min(...(await sampleRss(api.pid, 5)));
  let answered = 0;
  const requests = Array.from({ length: HELD_WAITS }, (_, i) =>
    fetch(`${api.url}/api/v1/workflow/${slowWorkflow}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': stack.nextKey() },
      body: JSON.stringify({ wait: true, timeout: 600, input_data: { i } }),
    }).then(async (res) => {
      answered++;
      return { status: res.status, body: await res.text() };
    }),
  );
  let rampPeak = before;
  const db = stack.services.orm.em.getConnection();
  for (const deadline = Date.now() + 600_000; ;) {
    rampPeak = Math.max(rampPeak, ...(await sampleRss(api.pid, 1)));
    const [row] = await db.execute<{ n: string }[]>(
      `select count(*) as n from workflow_runs where workflow_id = ? and status = 'running'`,
      [slowWorkflow],
    );
    if (answered > 0)
      throw new Error(`a held wait answered early: ${JSON.stringify(await Promise.race(requests))}`);
    if (Number(row!.n) >= HELD_WAITS) break;
    if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${HELD_WAITS} runs started in 600 s`);
  }
  // Every request is held now: the steady state, once the burst of starts is over.
  const held = Math.max(...(await sampleRss(api.pid, 10)));
  await api.stop();
  const answers = await Promise.all(requests);
  const refused = answers.filter((a) => a.status !== 202);
  if (refused.length) throw new Error(`${refused.length} held waits did not answer 202: ${refused[0]!.body}`);
  const peak = Math.max(rampPeak, held);
  const growthMb = (peak - before) / MB;
  const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
  console.log(
    `\n(6) ${HELD_WAITS} held waits on one dagen api process: RSS ${mb(before)} before, ${mb(rampPeak)} at the ` +
      `peak of the burst of starts, ${mb(held)} while all are held; growth +${growthMb.toFixed(1)} MB at the peak ` +
      `(${((peak - before) / 1024 / HELD_WAITS).toFixed(0)} kB per wait), +${((held - before) / MB).toFixed(1)} MB held`,
  );
  return { growthMb };
}

await main();
