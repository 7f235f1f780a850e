// Push notifications end to end: a run's and an agent job's state changes are POSTed to a local
// receiver with the config's token, in the A2A SDK's own 1.0 format; a receiver that fails twice gets
// the notification on the third attempt; the address guard refuses a loopback receiver unless allowed.
// The body is exactly what the A2A test kit accepts (strict 1.0 StreamResponse); a 0.3 client's config
// gets the 0.3 event instead.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { StreamResponse, TaskState } from '@a2a-js/sdk';
import { createPushActivities } from '../../activities/push.activities.ts';
import type { JobStatus } from '../../core/run-status.ts';
import { pushWorkflowId, type PushNotice } from '../../core/tasks/push-contract.ts';
import { AgentRegistry } from '../../domain/agents/agent-registry.ts';
import { WorkflowRun } from '../../db/entities/index.ts';
import { insertJob, launchJob } from '../../domain/jobs/job-launcher.ts';
import { TaskPushConfigs } from '../../domain/tasks/push-configs.ts';
import { TaskPushNotifier } from '../../domain/tasks/push-notifier.ts';
import { MODEL, startChatEnv, stopChatEnv, type ChatEnv } from '../agents/chat-fixtures.ts';
import { insertRun, saveWorkflow } from '../engine/dag-fixtures.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';
import { TestReceiver, type ReceivedRequest } from './test-receiver.ts';

const TOKEN = 'push-token-0123456789';

/** The status update a notification carries, parsed as an SDK-based receiver parses it. */
function statusUpdate(req: ReceivedRequest) {
  const parsed = StreamResponse.fromJSON(JSON.parse(req.body));
  if (parsed.payload?.$case !== 'statusUpdate') throw new Error(`not a status update: ${req.body}`);
  return parsed.payload.value;
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

/** A run's move to `status` (the run need not exist: the notification reads only its config). */
const change = (taskId: string, status: JobStatus) =>
  ({ taskKind: 'run', taskId, status, seq: status, moved: true, retried: false }) as const;

describe('A2A push notifications', () => {
  let env: ChatEnv;
  let tenant: Tenant;
  let receiver: TestReceiver;

  beforeAll(async () => {
    env = await startChatEnv({
      A2A_PUSH_ALLOWED_HOSTS: '127.0.0.1',
      A2A_PUSH_RETRY_INITIAL_MS: '20',
      A2A_PUSH_RETRY_MAX_INTERVAL_MS: '50',
      A2A_PUSH_MAX_ATTEMPTS: '4',
    });
    tenant = await createTenant(env.h);
  });
  beforeEach(async () => {
    receiver = await new TestReceiver().start();
  });
  afterEach(() => receiver.close());
  afterAll(() => stopChatEnv(env));

  const configs = () => new TaskPushConfigs(env.h.services.orm.em.fork());
  const notifier = () =>
    new TaskPushNotifier({
      orm: env.h.services.orm,
      config: env.h.config,
      temporal: env.h.services.temporal,
    });
  const delivery = (taskId: string, configId: string, seq: string) =>
    env.h.services.temporal.client.workflow.getHandle(pushWorkflowId(taskId, configId, seq)).result();

  it("delivers each state of a run with the config's token", async () => {
    const saved = await saveWorkflow(env.h, tenant.workspaceId, {
      nodes: [{ id: 'double', type: 'transform', with: { expression: 'input.n * 2' } }],
    });
    const run = { id: await insertRun(env.h, saved, { n: 2 }) };
    await configs().create(tenant.workspaceId, run.id, {
      id: 'hook',
      url: `${receiver.url}/hook`,
      token: TOKEN,
    });
    await env.h.services.temporal.client.workflow.start('dagRun', {
      taskQueue: env.h.config.temporal.taskQueue,
      workflowId: `run:${run.id}`,
      args: [{ runId: run.id }],
    });

    const received = await receiver.received(2);
    const states = received.map((r) => statusUpdate(r).status?.state).sort();
    expect(states).toEqual([TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED].sort());
    for (const r of received) {
      expect(r).toMatchObject({ method: 'POST', path: '/hook' });
      expect(r.headers['x-a2a-notification-token']).toBe(TOKEN);
      expect(r.headers['content-type']).toBe('application/a2a+json');
      expect(statusUpdate(r)).toMatchObject({ taskId: run.id, contextId: run.id });
    }
    expect(JSON.parse(received[0]!.body)).toHaveProperty('statusUpdate.status.timestamp');
  });

  it('delivers the states of an agent job, the Authorization header when the config has credentials', async () => {
    env.openai.setDefault({ text: 'done' });
    const agent = (await new AgentRegistry(env.h.services.orm, env.h.config.models).resolve(
      tenant.workspaceId,
      'builtin:assistant',
    ))!;
    const job = {
      id: randomUUID(),
      workspaceId: tenant.workspaceId,
      agentId: agent.id,
      agentVersion: agent.version,
      sessionId: null,
      source: 'a2a' as const,
      apiKeyId: tenant.apiKeyId,
      ownerId: tenant.ownerId,
      model: MODEL,
      message: 'hello',
      context: null,
      idempotencyKey: null,
      idempotencyHash: null,
      a2a: { context_id: 'ctx-1' },
    };
    await insertJob(env.h.services.orm.em.fork(), job);
    await configs().create(tenant.workspaceId, job.id, {
      url: receiver.url,
      token: TOKEN,
      authentication: { scheme: 'Bearer', credentials: 'receiver-secret' },
    });
    await launchJob(env.h.services, job, agent, { failJob: true });

    const received = await receiver.received(2);
    const updates = received.map(statusUpdate);
    expect(updates.map((u) => u.status?.state).sort()).toEqual(
      [TaskState.TASK_STATE_WORKING, TaskState.TASK_STATE_COMPLETED].sort(),
    );
    expect(updates.every((u) => u.taskId === job.id && u.contextId === 'ctx-1')).toBe(true);
    expect(received[0]!.headers.authorization).toBe('Bearer receiver-secret');
    expect(received[0]!.headers['x-a2a-notification-token']).toBe(TOKEN);
  });

  it('sends a strict 1.0 StreamResponse and `Authorization: <scheme> <credentials>` exactly', async () => {
    const taskId = randomUUID();
    await configs().create(tenant.workspaceId, taskId, {
      id: 'tck-push-1',
      url: `${receiver.url}/webhook`,
      authentication: { scheme: 'Bearer', credentials: 'tck-test-token-tck-auth-1' },
    });
    await notifier().notify({
      ...change(taskId, 'input_required'),
      message: 'Which city?',
    });
    await delivery(taskId, 'tck-push-1', 'input_required');
    const [req] = receiver.requests;
    expect(req!.headers.authorization).toBe('Bearer tck-test-token-tck-auth-1');
    const body = JSON.parse(req!.body) as { statusUpdate: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(['statusUpdate']);
    expect(Object.keys(body.statusUpdate).sort()).toEqual(['contextId', 'status', 'taskId']);
    expect(body.statusUpdate.status).toEqual({
      state: 'TASK_STATE_INPUT_REQUIRED',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/),
      message: {
        messageId: pushWorkflowId(taskId, 'tck-push-1', 'input_required'),
        contextId: taskId,
        taskId,
        role: 'ROLE_AGENT',
        parts: [{ text: 'Which city?' }],
      },
    });
    // The test kit refuses snake_case keys and `kind` anywhere.
    expect(keysOf(body).filter((k) => /^[a-z]+(_[a-z]+)+$/.test(k) || k === 'kind')).toEqual([]);
  });

  it("sends a 0.3 client's config the 0.3 status-update event", async () => {
    const taskId = randomUUID();
    const made = await configs().create(tenant.workspaceId, taskId, {
      url: receiver.url,
      protocolVersion: '0.3',
      authentication: { scheme: 'Bearer', credentials: 'c03' },
    });
    await notifier().notify(change(taskId, 'success'));
    await delivery(taskId, made.id, 'success');
    const [req] = receiver.requests;
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe('Bearer c03');
    expect(JSON.parse(req!.body)).toEqual({
      kind: 'status-update',
      taskId,
      contextId: taskId,
      status: { state: 'completed', timestamp: expect.stringMatching(/Z$/) },
      final: true,
    });
  });

  it('retries a failing receiver: the third attempt delivers', async () => {
    const taskId = randomUUID();
    await configs().create(tenant.workspaceId, taskId, { id: 'flaky', url: receiver.url, token: TOKEN });
    receiver.enqueue({ status: 500 }, { status: 503 });
    await notifier().notify({
      taskKind: 'run',
      taskId,
      status: 'failed',
      seq: 'failed',
      moved: true,
      retried: false,
      message: 'boom',
    });
    await delivery(taskId, 'flaky', 'failed');
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(statusUpdate(receiver.requests[2]!).status).toMatchObject({
      state: TaskState.TASK_STATE_FAILED,
      message: { parts: [{ content: { $case: 'text', value: 'boom' } }] },
    });
  });

  it('starts one delivery per change, however often the change is announced', async () => {
    const taskId = randomUUID();
    await configs().create(tenant.workspaceId, taskId, { id: 'once', url: receiver.url });
    const change = {
      taskKind: 'run',
      taskId,
      status: 'running',
      seq: 'running',
      moved: true,
      retried: false,
    } as const;
    await notifier().notify(change);
    await notifier().notify(change);
    // A retried write that moved nothing notifies only while the task holds the status (here no row).
    await notifier().notify({ ...change, seq: 'again', moved: false, retried: true });
    await notifier().notify({ ...change, seq: 'success', status: 'success' });
    await delivery(taskId, 'once', 'running');
    await delivery(taskId, 'once', 'success');
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]!.headers['x-a2a-notification-token']).toBeUndefined();
  });

  it('notifies from a retried write that found its status already written (the first attempt died)', async () => {
    const saved = await saveWorkflow(env.h, tenant.workspaceId, {
      nodes: [{ id: 'one', type: 'transform', with: { expression: '1' } }],
    });
    const runId = await insertRun(env.h, saved);
    await configs().create(tenant.workspaceId, runId, { id: 'late', url: receiver.url });
    const em = env.h.services.orm.em.fork();
    await em.nativeUpdate(WorkflowRun, { id: runId }, { status: 'success' });
    const retried = { taskKind: 'run', taskId: runId, moved: false, retried: true } as const;
    // Not the status the run holds: nothing to notify.
    await notifier().notify({ ...retried, status: 'failed' });
    await notifier().notify({ ...retried, status: 'success' });
    await delivery(runId, 'late', 'success');
    await expect(delivery(runId, 'late', 'failed')).rejects.toThrow(/not found/i);
    expect(receiver.requests.map((r) => statusUpdate(r).status?.state)).toEqual([
      TaskState.TASK_STATE_COMPLETED,
    ]);
  });

  it('refuses a loopback receiver unless it is allowed, and skips a deleted config', async () => {
    const taskId = randomUUID();
    await configs().create(tenant.workspaceId, taskId, { id: 'local', url: receiver.url });
    const notice: PushNotice = {
      taskKind: 'run',
      taskId,
      configId: 'local',
      status: 'success',
      timestamp: new Date().toISOString(),
    };
    const guarded = createPushActivities({
      orm: env.h.services.orm,
      push: { ...env.h.config.a2aPush, allowedHosts: [] },
    });
    await expect(new MockActivityEnvironment().run(() => guarded.deliverPush(notice))).rejects.toMatchObject({
      type: 'PushRefused',
      nonRetryable: true,
      message: expect.stringMatching(/loopback/),
    });
    await configs().delete(tenant.workspaceId, taskId, 'local');
    const allowed = createPushActivities({ orm: env.h.services.orm, push: env.h.config.a2aPush });
    await new MockActivityEnvironment().run(() => allowed.deliverPush(notice));
    expect(receiver.requests).toHaveLength(0);
  });
});
