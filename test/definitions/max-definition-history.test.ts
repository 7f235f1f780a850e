import { temporal } from '@temporalio/proto';
import { LIMITS } from '../../core/dag/definition.ts';
import type { AppError } from '../../core/errors.ts';
import { WorkflowVersion } from '../../db/entities/index.ts';
import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { runWorkflowId } from '../../domain/runs/run-wait.ts';
import { as, saveWorkflow, useRunHarness } from '../runs/run-fixtures.ts';

/**
 * What the largest allowed run may write to its Temporal history (measured: about 346 KB in 207
 * events, figures in docs/workflow-definitions.md), and the size at which Temporal starts warning
 * about one payload (512 KB; 2 MB is refused).
 */
const HISTORY_BOUND_BYTES = 1024 * 1024;
const HISTORY_BOUND_EVENTS = 1_000;
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

  it('runs at both caps to success with a history under the stated bound', async () => {
    const doc = maximalDefinition('largest');
    expect(bytesOf(doc)).toBe(LIMITS.maxDefinitionBytes);
    const saved = await applyDefinition(em(), env.t.workspaceId, doc);
    const res = await as(env.h, env.t).run(saved.id, { wait: true, timeout: 120 });
    expect(res.body.status).toBe('success');
    expect(res.body.steps).toHaveLength(LIMITS.maxNodes);
    const handle = env.h.services.temporal.client.workflow.getHandle(runWorkflowId(res.body.id));
    const description = await handle.describe();
    const events = (await handle.fetchHistory()).events ?? [];
    const largestEvent = Math.max(
      ...events.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length),
    );
    if (process.env.DAGEN_PRINT_HISTORY_SIZE) {
      process.stdout.write(
        `largest definition history: ${description.historySize} bytes, ${description.historyLength} events, largest event ${largestEvent} bytes\n`,
      );
    }
    expect(largestEvent).toBeGreaterThan(LIMITS.maxDefinitionBytes - 1024);
    expect(largestEvent).toBeLessThan(PAYLOAD_WARN_BYTES);
    expect(description.historySize).toBeGreaterThan(LIMITS.maxDefinitionBytes);
    expect(description.historySize).toBeLessThan(HISTORY_BOUND_BYTES);
    expect(description.historyLength).toBeLessThan(HISTORY_BOUND_EVENTS);
  });
});
