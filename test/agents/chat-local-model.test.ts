/**
 * An install with no provider configured: agents use the offline SmolLM2 model, for real (CPU
 * build and GGUF as the bootstrap installs them), through the chat API, and say they are weak.
 */
import { CONFORMANCE_AGENT_ID } from '../../core/agents/conformance.ts';
import { LOCAL_MODEL_REF } from '../../infra/config.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { chatAs, jobAs } from './chat-fixtures.ts';

let h: Harness;
let t: Tenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTenant(h);
});
afterAll(() => h?.close());

describe('chat on the offline model', () => {
  it('runs on the local default model when no provider is configured', () => {
    expect(h.config.models.providers).toEqual({});
    expect(h.config.models.defaultModel).toBe(LOCAL_MODEL_REF);
  });

  it('answers one real turn with reported tokens and no cost', async () => {
    const res = await chatAs(h, t, {
      agent_id: 'builtin:assistant',
      message: 'Say hello in one short sentence.',
    });
    expect(res.status).toBe(200);
    expect(res.body.message.trim().length).toBeGreaterThan(0);
    expect(res.body.usage.input_tokens).toBeGreaterThan(0);
    expect(res.body.usage.output_tokens).toBeGreaterThan(0);
    expect(res.body.usage.cost_micros).toBe(0);
    const job = await jobAs(h, t, res.body.job_id);
    expect(job.body).toMatchObject({ status: 'success', model: LOCAL_MODEL_REF });
  }, 300_000);

  it('lists every builtin that calls a model as using the weak offline model', async () => {
    const res = await h.http.get('/api/v1/agents').set('X-API-Key', t.key);
    expect(res.status).toBe(200);
    // The conformance agent calls no model, so its description names none.
    const builtins = (res.body.agents as { id: string; type: string; description: string }[]).filter(
      (a) => a.type === 'builtin' && a.id !== CONFORMANCE_AGENT_ID,
    );
    expect(builtins).toHaveLength(3);
    for (const agent of builtins) {
      expect(agent.description).toContain(
        `Uses ${LOCAL_MODEL_REF}, the small offline model (weak answers; configure a provider, see README).`,
      );
    }
  });
});
