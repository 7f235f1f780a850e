import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { progressQuery } from '../../core/engine/run-progress.ts';
import { eventually } from '../engine/dag-fixtures.ts';
import { startTestServer, type TestServer } from '../engine/http-test-server.ts';
import { as, saveWorkflow, useRunHarness } from './run-fixtures.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const EventType = proto.temporal.api.enums.v1.EventType;

/** The summary an operator sees for an event in the Temporal UI (no codec: plain JSON payloads). */
function summaryOf(event: HistoryEvent): string | undefined {
  const payload = event.userMetadata?.summary;
  return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
}

describe('runs read in the Temporal UI: summaries, static details, current details, progress', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());
  const env = useRunHarness({ env: { HTTP_NODE_ALLOWLIST: '127.0.0.1' } });

  it('labels every activity and timer, and reports progress while a delay runs', async () => {
    const childName = `child-${Date.now()}`;
    const name = `metadata-${Date.now()}`;
    const child = await saveWorkflow(env.h, env.t, {
      name: childName,
      nodes: [{ id: 'echo', type: 'transform', with: { expression: 'input' } }],
    });
    const wf = await saveWorkflow(env.h, env.t, {
      name,
      nodes: [
        { id: 'call', type: 'http', with: { url: `http://127.0.0.1:${server.port}/ok` } },
        { id: 'sub', type: 'workflow', with: { workflow_id: child.id, input: { x: 1 } } },
        { id: 'nap', type: 'delay', needs: ['call', 'sub'], with: { seconds: 3 } },
        { id: 'done', type: 'transform', needs: ['nap'], with: { expression: '"ok"' } },
      ],
    });
    const started = await as(env.h, env.t).run(wf.id, { input_data: {} });
    expect(started.status).toBe(202);
    const runId = started.body.run_id as string;
    const handle = env.h.services.temporal.client.workflow.getHandle(`run:${runId}`);

    const during = await eventually(
      () => handle.query(progressQuery),
      (p) => p.running.some((n) => n.id === 'nap'),
    );
    expect(during).toEqual({
      status: 'running',
      total: 4,
      done: 2,
      skipped: 0,
      running: [{ id: 'nap', type: 'delay' }],
      failed: [],
    });
    const { currentDetails } = await handle.query(workflowMetadataQuery);
    expect(currentDetails).toBe('**running** · 2 of 4 nodes done\n**in flight** nap (delay)');

    await handle.result();
    expect(await handle.query(progressQuery)).toMatchObject({ status: 'success', done: 4, running: [] });

    const described = await handle.describe();
    const source = 'external_api';
    expect(await described.staticSummary()).toBe(`${name} v1 (${source})`);
    expect(await described.staticDetails()).toBe(
      [
        `**workflow** ${name} \`${wf.id}\``,
        '**version** 1',
        `**workspace** \`${env.t.workspaceId}\``,
        `**source** ${source}`,
      ].join('\n'),
    );

    const events = (await handle.fetchHistory()).events ?? [];
    const summaries = (type: proto.temporal.api.enums.v1.EventType) =>
      events.filter((e) => e.eventType === type).map(summaryOf);
    expect(summaries(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toEqual(['call · http']);
    expect(summaries(EventType.EVENT_TYPE_TIMER_STARTED)).toEqual(['delay nap 3s']);
    expect(summaries(EventType.EVENT_TYPE_MARKER_RECORDED).sort()).toEqual(
      [
        'start run',
        'sub · workflow · begin',
        'sub · workflow · record',
        'nap · delay · begin',
        'nap · delay · record',
        'done · transform',
        'complete run',
      ].sort(),
    );

    const childStart = events.find(
      (e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    );
    const childHandle = env.h.services.temporal.client.workflow.getHandle(
      childStart!.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!,
    );
    const childDescribed = await childHandle.describe();
    expect(await childDescribed.staticSummary()).toBe(`${childName} v1 (${source})`);
    expect(await childDescribed.staticDetails()).toContain(`**parent run** \`run:${runId}\``);
  });
});
