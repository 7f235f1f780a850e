import { as, delayed, saveWorkflow, useRunHarness } from './run-fixtures.ts';

describe('run API: a wait longer than one Temporal long-poll', () => {
  const env = useRunHarness();

  // The server ends each history long-poll after about 20 s; the wait must renew it and still answer 200.
  it('answers 200 when the run ends after 25 s', async () => {
    const wf = await saveWorkflow(env.h, env.t, delayed(25));
    const res = await as(env.h, env.t).run(wf.id, { wait: true, timeout: 90 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'success', output_data: { after: 'done' } });
  }, 90_000);
});
