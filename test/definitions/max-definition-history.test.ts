import { temporal } from '@temporalio/proto';
import { LIMITS } from '../../core/dag/definition.ts';
import type { AppError } from '../../core/errors.ts';
import { WorkflowVersion } from '../../db/entities/index.ts';
import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { runWorkflowId } from '../../domain/runs/run-wait.ts';
import { as, saveWorkflow, useRunHarness } from '../runs/run-fixtures.ts';

/**
 * What the largest allowed run may write to its Temporal history. The workflow gets only the nodes'
 * ids, types, needs, retries and timeouts (activities read the rest from the pinned version), so
 * with the caps spent on expressions the history is small (measured: about 94 KB in 209 events, the
 * largest event 10 KB), and with them spent on ids and `needs`, which do travel, the largest event
 * still stays under the size at which Temporal warns about one payload (512 KB; 2 MB is refused).
 * Figures in docs/workflow-definitions.md.
 */
const HISTORY_BOUND_BYTES = 1024 * 1024;
const HISTORY_BOUND_EVENTS = 1_000;
/** The expression-padded definition's history and largest event (its plan). */
const LEAN_HISTORY_BOUND_BYTES = 256 * 1024;
const LEAN_EVENT_BOUND_BYTES = 32 * 1024;
const PAYLOAD_WARN_BYTES = 512 * 1024;

const bytesOf = (doc: unknown) => Buffer.byteLength(JSON.stringify(doc));

/**
 * A definition at both caps: `LIMITS.maxNodes` transform nodes in chains of ten, each expression a
 * string literal padded so the document is as close to `LIMITS.maxDefinitionBytes` as it gets.
 * Every node outputs its literal, so outputs cross the history as well as the graph.
 */
function maximalDefinition(name: string, extraBytes = 0) {
  const build = (pad: number) => ({
    name,
    status: 'active',
    nodes: Array.from({ length: LIMITS.maxNodes }, (_, i) => ({
      id: `n${i}`,
      type: 'transform',
      // Explicit even when empty: the graph is measured normalized, with `needs` on every node.
      needs: i % 10 ? [`n${i - 1}`] : [],
      with: { expression: `"${'x'.repeat(pad)}"` },
    })),
  });
  const base = bytesOf(build(0));
  const pad = Math.floor((LIMITS.maxDefinitionBytes - base) / LIMITS.maxNodes);
  const doc = build(pad);
  // The remainder goes to the last node so the document is exactly at the cap (plus extraBytes).
  const last = doc.nodes[LIMITS.maxNodes - 1]!;
  const rest = LIMITS.maxDefinitionBytes - bytesOf(doc) + extraBytes;
  last.with.expression = `"${'x'.repeat(pad + rest)}"`;
  return doc;
}

/**
 * The same caps spent on what the run's plan carries: `LIMITS.maxNodes` nodes with the longest ids,
 * each needing as many of the nodes before it as the byte cap allows.
 */
function densestDefinition(name: string) {
  const ids = Array.from({ length: LIMITS.maxNodes }, (_, i) => `n${i}_`.padEnd(LIMITS.maxNodeIdLength, 'y'));
  // The last `extra` nodes need one node more than the others.
  const build = (fanIn: number, extra: number) => ({
    name,
    status: 'active',
    nodes: ids.map((id, i) => ({
      id,
      type: 'transform',
      needs: ids.slice(Math.max(0, i - fanIn - (i >= ids.length - extra ? 1 : 0)), i),
      with: { expression: '1' },
    })),
  });
  const fits = (fanIn: number, extra: number) => bytesOf(build(fanIn, extra)) <= LIMITS.maxDefinitionBytes;
  let fanIn = 1;
  while (fits(fanIn + 1, 0)) fanIn++;
  let extra = 0;
  while (fits(fanIn, extra + 1)) extra++;
  return build(fanIn, extra);
}

describe('the largest allowed definition', () => {
  const env = useRunHarness();
  const em = () => env.h.services.orm.em.fork();

  it('is refused on save one byte over the byte cap, naming the size', async () => {
    const doc = maximalDefinition('too-big', 1);
    expect(bytesOf(doc)).toBe(LIMITS.maxDefinitionBytes + 1);
    const err = await applyDefinition(em(), env.t.workspaceId, doc).catch((e: unknown) => e);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).message).toMatch(
      new RegExp(
        `definition is ${LIMITS.maxDefinitionBytes + 1} bytes of JSON; at most ${LIMITS.maxDefinitionBytes} bytes`,
      ),
    );
  });

  it('is refused on save with one node over the node cap', async () => {
    const nodes = Array.from({ length: LIMITS.maxNodes + 1 }, (_, i) => ({
      id: `n${i}`,
      type: 'transform',
      with: { expression: '1' },
    }));
    const err = await applyDefinition(em(), env.t.workspaceId, { name: 'too-many', nodes }).catch(
      (e: unknown) => e,
    );
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).message).toMatch(/at most 200 nodes are allowed/);
  });

  it('is refused on run when a stored version is over the byte cap (saved before the cap)', async () => {
    const wf = await saveWorkflow(env.h, env.t, {
      nodes: [{ id: 'a', type: 'transform', with: { expression: '1' } }],
    });
    const { name: _name, status: _status, ...graph } = maximalDefinition('legacy', 100);
    await em().nativeUpdate(WorkflowVersion, { workflowId: wf.id, version: wf.version }, { graph });
    const res = await as(env.h, env.t).run(wf.id, {});
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/graph is \d+ bytes of JSON; at most 262144 bytes \(256 KB\)/);
  });

  /** Runs the definition to success (API, `wait`) and measures its history. */
  async function runAndMeasure(doc: ReturnType<typeof maximalDefinition | typeof densestDefinition>) {
    const saved = await applyDefinition(em(), env.t.workspaceId, doc);
    const res = await as(env.h, env.t).run(saved.id, { wait: true, timeout: 120 });
    expect(res.body.status).toBe('success');
    expect(res.body.steps).toHaveLength(LIMITS.maxNodes);
    const handle = env.h.services.temporal.client.workflow.getHandle(runWorkflowId(res.body.id));
    const { historySize, historyLength } = await handle.describe();
    const events = ((await handle.fetchHistory()).events ?? []).map((e) =>
      Buffer.from(temporal.api.history.v1.HistoryEvent.encode(e).finish()),
    );
    const largestEvent = Math.max(...events.map((e) => e.length));
    if (process.env.DAGEN_PRINT_HISTORY_SIZE) {
      process.stdout.write(
        `${doc.name} definition history: ${historySize} bytes, ${historyLength} events, largest event ${largestEvent} bytes\n`,
      );
    }
    expect(historySize).toBeLessThan(HISTORY_BOUND_BYTES);
    expect(historyLength).toBeLessThan(HISTORY_BOUND_EVENTS);
    expect(largestEvent).toBeLessThan(PAYLOAD_WARN_BYTES);
    return { historySize, largestEvent, history: Buffer.concat(events) };
  }

  it('runs at both caps to success, its expressions never in the history', async () => {
    const doc = maximalDefinition('largest');
    expect(bytesOf(doc)).toBe(LIMITS.maxDefinitionBytes);
    const { historySize, largestEvent, history } = await runAndMeasure(doc);
    expect(historySize).toBeLessThan(LEAN_HISTORY_BOUND_BYTES);
    expect(largestEvent).toBeLessThan(LEAN_EVENT_BOUND_BYTES);
    // Neither the expressions nor the outputs they make travel through the history.
    expect(history.includes('x'.repeat(100))).toBe(false);
  });

  it('runs at both caps spent on ids and needs to success, under the payload warning', async () => {
    const doc = densestDefinition('densest');
    expect(bytesOf(doc)).toBeGreaterThan(LIMITS.maxDefinitionBytes - 256);
    await runAndMeasure(doc);
  });
});
