import { WorkflowRun } from '../../db/entities/index.ts';
import { RUN_CURSOR_PATTERN } from '../../domain/runs/run-cursor.ts';
import { as, DOUBLE, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run API: list with filters and cursor pagination', () => {
  // No worker: rows are written directly, so statuses and times are exactly what the test says.
  const env = useRunHarness({ worker: false });

  async function seedRuns(workflowId: string, count: number, status: 'success' | 'failed', at: Date) {
    const em = env.h.services.orm.em.fork();
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const run = em.create(WorkflowRun, {
        workspaceId: env.t.workspaceId,
        workflowId,
        workflowVersion: 1,
        status,
        trigger: { source: 'external_api', api_key_id: env.t.apiKeyId },
        // Pairs share a timestamp so the id tie-break is exercised.
        createdAt: new Date(at.getTime() + Math.floor(i / 2) * 1000),
      });
      ids.push(run.id);
    }
    await em.flush();
    return ids;
  }

  it('pages newest first with an opaque cursor and filters by workflow and status', async () => {
    const a = await saveWorkflow(env.h, env.t, DOUBLE);
    const b = await saveWorkflow(env.h, env.t, DOUBLE);
    await seedRuns(a.id, 25, 'success', new Date('2030-01-01T00:00:00Z'));
    await seedRuns(a.id, 3, 'failed', new Date('2030-02-01T00:00:00Z'));
    await seedRuns(b.id, 2, 'success', new Date('2030-03-01T00:00:00Z'));

    const seen: { id: string; created_at: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await as(env.h, env.t).get(
        `/workflow/runs?workflow_id=${a.id}&limit=10${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.runs);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(28);
    expect(new Set(seen.map((r) => r.id)).size).toBe(28);
    const keys = seen.map((r) => `${r.created_at}|${r.id}`);
    expect(keys).toEqual([...keys].sort().reverse());

    const failed = await as(env.h, env.t).get(`/workflow/runs?workflow_id=${a.id}&status=failed`);
    expect(failed.body.runs.map((r: { status: string }) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(failed.body.next_cursor).toBeNull();

    const all = await as(env.h, env.t).get('/workflow/runs');
    expect(all.body.runs).toHaveLength(20);
    expect(all.body.runs[0].workflow_id).toBe(b.id);
  });

  it('takes any cursor of the documented shape as a position: 30 base64url characters', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    const [newer, older] = await seedRuns(wf.id, 2, 'success', new Date('2031-01-01T00:00:00Z'));
    const first = await as(env.h, env.t).get(`/workflow/runs?workflow_id=${wf.id}&limit=1`);
    expect(first.body.next_cursor).toMatch(RUN_CURSOR_PATTERN);
    // The earliest and the latest position a cursor can name: nothing before, everything after.
    const positions = { earliest: 'A'.repeat(30), latest: `${'_'.repeat(8)}${'A'.repeat(22)}` };
    const shown = (cursor: string) =>
      as(env.h, env.t)
        .get(`/workflow/runs?workflow_id=${wf.id}&cursor=${cursor}`)
        .then((res) => [res.status, res.body.runs?.map((r: { id: string }) => r.id)]);
    expect(await shown(positions.earliest)).toEqual([200, []]);
    expect(await shown(positions.latest)).toEqual([200, [newer, older].sort().reverse()]);
    expect(await shown(first.body.next_cursor)).toEqual([
      200,
      [first.body.runs[0].id === newer ? older : newer],
    ]);
  });

  it('answers 400 for bad parameters', async () => {
    for (const q of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'status=done',
      'workflow_id=x',
      'cursor=zzz',
      `cursor=${'A'.repeat(31)}`,
      `cursor=${'A'.repeat(29)}.`,
    ]) {
      const res = await as(env.h, env.t).get(`/workflow/runs?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual(expect.any(String));
    }
  });
});
