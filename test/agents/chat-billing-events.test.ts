/**
 * Chat turns in numbers and in motion: a hundred concurrent turns billed exactly to the micro-unit,
 * and one slow turn's live events seen by another process's subscriber over Redis.
 */
import { openLiveEvents } from '../../infra/events/open-live-events.ts';
import { createLogger } from '../../infra/logger.ts';
import { lastUserText, type RecordedRequest } from '../helpers/stand-ins/stand-in-server.ts';
import { createTenant } from '../helpers/tenant.ts';
import { until } from '../helpers/until.ts';
import { type ChatEnv, chatAs, expectedCost, query, startChatEnv, stopChatEnv } from './chat-fixtures.ts';

let env: ChatEnv;

beforeAll(async () => {
  // API and worker with a pool each, as their processes have: 100 turns load both at once.
  env = await startChatEnv({}, { ownWorkerPool: true });
});
afterAll(() => stopChatEnv(env));

/** Usage the echo stand-in reports for a user text: distinct per length, with fractional costs. */
const usageFor = (text: string) => ({
  inputTokens: text.length * 1000 + 7,
  outputTokens: text.length * 37 + 3,
});

describe('billing across concurrent chats', () => {
  it('bills 100 concurrent turns exactly: answers, ledger and usage report agree to the micro-unit', async () => {
    const t = await createTenant(env.h);
    env.openai.setDefault((request: RecordedRequest) => {
      const text = lastUserText(request);
      return { text: `echo: ${text}`, usage: usageFor(text) };
    });
    const messages = Array.from({ length: 100 }, (_, i) => `bill ${i} ${'x'.repeat(i % 23)}`);
    const answers = await Promise.all(
      messages.map((message) => chatAs(env.h, t, { agent_id: 'builtin:assistant', message })),
    );
    expect(answers.filter((a) => a.status !== 200).map((a) => [a.status, a.body])).toEqual([]);
    expect(answers.map((a) => a.body.message)).toEqual(messages.map((m) => `echo: ${m}`));

    const expected = messages.reduce((sum, m) => {
      const u = usageFor(m);
      return sum + expectedCost(u.inputTokens, u.outputTokens);
    }, 0);
    const answered = answers.reduce((sum, a) => sum + (a.body.usage.cost_micros as number), 0);
    const [ledger] = await query<{ cost: string; calls: number }>(
      env.h,
      `select sum(cost_micros)::text as cost, count(*)::int as calls from usage_records where workspace_id = ?`,
      [t.workspaceId],
    );
    const report = await env.h.http.get('/api/v1/usage').set('X-API-Key', t.key);
    expect(report.status).toBe(200);
    expect(answered).toBe(expected);
    expect(ledger).toEqual({ cost: String(expected), calls: 100 });
    expect(report.body.totals).toMatchObject({
      calls: 100,
      cost_micros: expected,
      input_tokens: messages.reduce((sum, m) => sum + usageFor(m).inputTokens, 0),
      unknown_usage_calls: 0,
      unpriced_calls: 0,
    });
  }, 300_000);
});

describe('live events of a turn', () => {
  it('streams the deltas of a slow turn, in order, to a subscriber in another process, then its status', async () => {
    const t = await createTenant(env.h);
    const text = Array.from({ length: 30 }, (_, i) => `word${i} `).join('');
    // The stand-in holds its answer until the subscriber is live, so every delta is seen.
    let release!: () => void;
    const subscribed = new Promise<void>((resolve) => (release = resolve));
    env.openai.enqueue(async () => {
      await subscribed;
      return { text, chunks: 30, chunkDelayMs: 30 };
    });
    const requests = env.openai.requests.length + 1;
    const answer = chatAs(env.h, t, { agent_id: 'builtin:assistant', message: 'stream slowly' }).then(
      (r) => r,
    );
    await env.openai.waitForRequests(requests);
    let jobId: string | undefined;
    await until(async () => {
      const [row] = await query<{ id: string }>(
        env.h,
        `select id from jobs where workspace_id = ? and message = 'stream slowly'`,
        [t.workspaceId],
      );
      jobId = row?.id;
      return jobId !== undefined;
    });

    // Another API process: its own LiveEvents on its own Redis connection.
    expect(env.h.config.redisUrl).toBeTruthy();
    const elsewhere = openLiveEvents({ config: env.h.config, log: createLogger('silent') });
    const events: Record<string, unknown>[] = [];
    let ended!: () => void;
    const finished = new Promise<void>((resolve) => (ended = resolve));
    const unsubscribe = await elsewhere.subscribe(`job:${jobId}`, (event) => {
      const e = event as Record<string, unknown>;
      events.push(e);
      if (e.type === 'status' && e.status !== 'running') ended();
    });
    try {
      release();
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.body.message).toBe(text);
      await finished;
    } finally {
      await unsubscribe();
      await elsewhere.close();
    }

    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.every((e) => e.seq === 1)).toBe(true);
    const streamed = deltas.map((e) => e.text).join('');
    expect(text.endsWith(streamed)).toBe(true);
    expect(streamed).toBe(text);
    const kinds = events.map((e) => (e.type === 'delta' ? 'delta' : `${String(e.type)}:${String(e.status)}`));
    expect(kinds.at(-1)).toBe('status:success');
    expect(kinds.indexOf('step:success')).toBeGreaterThan(kinds.lastIndexOf('delta'));
  });
});
