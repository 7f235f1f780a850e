import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_STATUSES, STEP_STATUSES, TERMINAL_RUN_STATUSES, type RunStatus } from '../../core/run-status.ts';
import { RunStep, WorkflowRun } from '../../db/entities/index.ts';
import {
  cancelLiveSteps,
  moveRun,
  moveSteps,
  RUN_TRANSITIONS,
  statusesLeadingTo,
  STEP_TRANSITIONS,
} from '../../domain/runs/run-state.ts';
import { useRunHarness } from './run-fixtures.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Statuses reachable from `start` by following the table. */
function reachable<S extends string>(table: Readonly<Record<S, readonly S[]>>, start: S): Set<S> {
  const seen = new Set<S>([start]);
  const queue = [start];
  while (queue.length) {
    for (const next of table[queue.shift()!]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('run and step state machines: the table', () => {
  it('has exactly the terminal run statuses the API reports as final', () => {
    const final = RUN_STATUSES.filter((s) => RUN_TRANSITIONS[s].length === 0);
    expect(final.sort()).toEqual([...TERMINAL_RUN_STATUSES].sort());
  });

  it('reaches every status from pending and never leads back to pending', () => {
    expect([...reachable(RUN_TRANSITIONS, 'pending')].sort()).toEqual([...RUN_STATUSES].sort());
    expect([...reachable(STEP_TRANSITIONS, 'pending')].sort()).toEqual([...STEP_STATUSES].sort());
    for (const s of RUN_STATUSES) expect(RUN_TRANSITIONS[s]).not.toContain('pending');
    for (const s of STEP_STATUSES) expect(STEP_TRANSITIONS[s]).not.toContain('pending');
  });

  it('lets a live status be written over itself, never a final one', () => {
    expect(statusesLeadingTo(RUN_TRANSITIONS, 'running').sort()).toEqual(['pending', 'running']);
    expect(statusesLeadingTo(RUN_TRANSITIONS, 'cancelled').sort()).toEqual(['pending', 'running']);
    expect(statusesLeadingTo(STEP_TRANSITIONS, 'success').sort()).toEqual(['pending', 'running']);
  });
});

describe('run and step state machines: the writes', () => {
  const env = useRunHarness({ worker: false });

  async function runIn(status: RunStatus): Promise<string> {
    const em = env.h.services.orm.em.fork();
    const run = em.create(WorkflowRun, {
      workspaceId: env.t.workspaceId,
      workflowId: randomUUID(),
      workflowVersion: 1,
      status,
      trigger: { source: 'cli' },
    });
    for (const [nodeId, stepStatus] of [
      ['a', 'success'],
      ['b', 'running'],
      ['c', 'pending'],
    ] as const) {
      em.create(RunStep, { runId: run.id, nodeId, name: nodeId, type: 'transform', status: stepStatus });
    }
    await em.flush();
    return run.id;
  }

  const read = (runId: string) => env.h.services.orm.em.fork().findOneOrFail(WorkflowRun, runId);
  const stepsOf = async (runId: string) =>
    Object.fromEntries(
      (await env.h.services.orm.em.fork().find(RunStep, { runId })).map((s) => [s.nodeId, s.status]),
    );

  it.each(
    RUN_STATUSES.flatMap((from) => RUN_STATUSES.map((to) => [from, to] as const)).filter(([f, t]) => f !== t),
  )('moves a %s run to %s only when the table allows it', async (from, to) => {
    const runId = await runIn(from);
    const moved = await moveRun(env.h.services.orm.em.fork(), runId, to, { errorMessage: 'x' });
    expect(moved).toBe(RUN_TRANSITIONS[from].includes(to));
    const row = await read(runId);
    expect(row.status).toBe(moved ? to : from);
    if (moved && RUN_TRANSITIONS[to].length === 0) expect(row.finishedAt).toBeInstanceOf(Date);
  });

  it('narrows the sources when asked (a refused start fails only a pending run)', async () => {
    const runId = await runIn('running');
    expect(await moveRun(env.h.services.orm.em.fork(), runId, 'failed', {}, ['pending'])).toBe(false);
    expect((await read(runId)).status).toBe('running');
  });

  it('never moves a finished step, and closes only live ones on cancel', async () => {
    const runId = await runIn('running');
    const em = env.h.services.orm.em.fork();
    expect(await moveSteps(em, runId, ['a', 'b'], 'failed')).toBe(1);
    expect(await stepsOf(runId)).toEqual({ a: 'success', b: 'failed', c: 'pending' });
    await cancelLiveSteps(em, runId, new Date());
    expect(await stepsOf(runId)).toEqual({ a: 'success', b: 'failed', c: 'cancelled' });
  });
});

/** Every source file outside test/ and bench/, with its path relative to the root. */
function sourceFiles(dir = ROOT, rel = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (rel === '' && ['node_modules', 'test', 'bench', '.git', '.dagen'].includes(name)) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full, path.join(rel, name));
    return name.endsWith('.ts') ? [path.join(rel, name)] : [];
  });
}

describe('run and step state machines: the only writer', () => {
  it('is the one module that writes run or step statuses', () => {
    const writesStatus = /nativeUpdate\(\s*(WorkflowRun|RunStep)\b|update\s+(run_steps|workflow_runs)\b/;
    const writers = sourceFiles().filter((file) =>
      writesStatus.test(readFileSync(path.join(ROOT, file), 'utf8')),
    );
    expect(writers).toEqual([path.join('domain', 'runs', 'run-state.ts')]);
  });
});
