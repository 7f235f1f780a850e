import { applyDefinition } from '../../domain/definitions/definitions.service.ts';
import { createTenant } from '../helpers/tenant.ts';
import { as, DOUBLE, saveWorkflow, useRunHarness } from './run-fixtures.ts';

/**
 * A start keeps recently started workflows' heads in memory and skips reading the definition; the
 * run insert re-checks the head, so a change made since (here, behind the API's back) always counts.
 */
describe('run start after the workflow changed', () => {
  const env = useRunHarness();

  async function saveAs(name: string, status: string, expression: string) {
    return applyDefinition(env.h.services.orm.em.fork(), env.t.workspaceId, {
      name,
      status,
      nodes: [{ id: 'double', type: 'transform', with: { expression } }],
    });
  }

  it('refuses a workflow paused since its last start, and runs it again once active', async () => {
    const wf = await saveWorkflow(env.h, env.t, { ...DOUBLE, name: 'paused-later' });
    expect((await as(env.h, env.t).run(wf.id, { input_data: { n: 1 }, wait: true })).status).toBe(200);
    await saveAs('paused-later', 'paused', 'input.n * 2');
    const refused = await as(env.h, env.t).run(wf.id, { input_data: { n: 1 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/paused-later' is paused/);
    await saveAs('paused-later', 'active', 'input.n * 2');
    expect((await as(env.h, env.t).run(wf.id, { input_data: { n: 1 }, wait: true })).status).toBe(200);
  });

  it('runs the version saved since its last start', async () => {
    const wf = await saveWorkflow(env.h, env.t, { ...DOUBLE, name: 'changed-later' });
    const first = await as(env.h, env.t).run(wf.id, { input_data: { n: 2 }, wait: true });
    expect(first.body).toMatchObject({ status: 'success', workflow_version: 1, output_data: { double: 4 } });
    await saveAs('changed-later', 'active', 'input.n * 10');
    const second = await as(env.h, env.t).run(wf.id, { input_data: { n: 2 }, wait: true });
    expect(second.body).toMatchObject({
      status: 'success',
      workflow_version: 2,
      output_data: { double: 20 },
    });
  });

  it('answers 404 to another workspace for a workflow whose head is cached', async () => {
    const wf = await saveWorkflow(env.h, env.t, DOUBLE);
    expect((await as(env.h, env.t).run(wf.id, { input_data: { n: 1 }, wait: true })).status).toBe(200);
    const other = await createTenant(env.h);
    const res = await as(env.h, other).run(wf.id, { input_data: { n: 1 } });
    expect(res.status).toBe(404);
  });
});
