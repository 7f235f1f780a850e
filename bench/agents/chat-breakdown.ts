/**
 * Where a chat turn's time goes, from the records it leaves: the caller's own send and answer times,
 * the rows' timestamps in Postgres (session, job, model step, usage charge) and the event times in
 * the workflow's Temporal history. Everything runs on one machine, so the clocks agree; each phase
 * is the gap between two consecutive marks, summarised as its median over the sampled turns.
 */
import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import type { EntityManager } from '../../db/orm.ts';
import { summarize } from '../support/stats.ts';

const EventType = proto.temporal.api.enums.v1.EventType;

/** One timed call: its workflow id and the caller's send and answer times (epoch ms). */
export interface TimedCall {
  readonly workflowId: string;
  readonly jobId?: string;
  readonly sent: number;
  readonly answered: number;
}

type Marks = [label: string, at: number][];

/** Epoch milliseconds with sub-millisecond precision, comparable with the other processes' clocks. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

interface Timeline {
  readonly started: number;
  readonly completed: number;
  /** By activity type: scheduled, started, completed. */
  readonly activities: Map<string, { scheduled: number; started: number; completed: number }>;
}

async function timeline(client: Client, workflowId: string): Promise<Timeline> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const at = (e: proto.temporal.api.history.v1.IHistoryEvent) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const byScheduledId = new Map<number, string>();
  const activities: Timeline['activities'] = new Map();
  let started = Number.NaN;
  let completed = Number.NaN;
  for (const e of events) {
    const id = Number(e.eventId);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        started = at(e);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        completed = at(e);
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        byScheduledId.set(id, name);
        activities.set(name, { scheduled: at(e), started: Number.NaN, completed: Number.NaN });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const name = byScheduledId.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
        activities.get(name ?? '')!.started = at(e);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const name = byScheduledId.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        activities.get(name ?? '')!.completed = at(e);
        break;
      }
      default:
        break;
    }
  }
  return { started, completed, activities };
}

/** The marks of one dagen chat turn, in order. */
async function dagenMarks(client: Client, em: EntityManager, call: TimedCall): Promise<Marks> {
  const t = await timeline(client, call.workflowId);
  const [row] = await em.getConnection().execute<Record<string, number>[]>(
    `select extract(epoch from s.created_at) * 1000 as session_at, extract(epoch from j.created_at) * 1000 as job_at,
            extract(epoch from st.started_at) * 1000 as step_started, extract(epoch from st.finished_at) * 1000 as step_finished,
            extract(epoch from u.created_at) * 1000 as charged_at
       from jobs j join chat_sessions s on s.id = j.session_id
       join job_steps st on st.job_id = j.id and st.seq = 1
       join usage_records u on u.job_id = j.id
      where j.id = ?`,
    [call.jobId],
  );
  const begin = t.activities.get('beginAgentTurn');
  const model = t.activities.get('callAgentModel')!;
  // Begin is a regular activity; were it a local one, its time falls in the task that schedules the model.
  const beginMarks: Marks = begin
    ? [
        ['1st workflow task → begin scheduled', begin.scheduled],
        ['begin: dispatch to worker', begin.started],
        ['begin: activity (load job, agent, discover, update)', begin.completed],
      ]
    : [];
  return [
    ['sent', call.sent],
    ['HTTP + auth + agent resolve → session inserted', Number(row!.session_at)],
    ['budget check + job insert', Number(row!.job_at)],
    ['workflow start (to Started event)', t.started],
    ...beginMarks,
    [`${begin ? '2nd' : '1st'} workflow task → model scheduled`, model.scheduled],
    ['model: dispatch to worker', model.started],
    ['model: load job, agent, steps, budget, history, step running', Number(row!.step_started)],
    ['model: the SDK call to the stand-in', Number(row!.charged_at)],
    ['model: ledger insert + step success', Number(row!.step_finished)],
    ['model: activity completion reported', model.completed],
    ['3rd workflow task + finish local activity → completed', t.completed],
    ['result wait + job read + response', call.answered],
  ];
}

/** The marks of one hand-written baseline execution, in order. */
async function baselineMarks(client: Client, call: TimedCall): Promise<Marks> {
  const t = await timeline(client, call.workflowId);
  const a = t.activities.get('baselineChatCall')!;
  return [
    ['sent', call.sent],
    ['workflow start (to Started event)', t.started],
    ['1st workflow task → activity scheduled', a.scheduled],
    ['activity: dispatch to worker', a.started],
    ['activity: the SDK call to the stand-in', a.completed],
    ['2nd workflow task → completed', t.completed],
    ['result wait', call.answered],
  ];
}

/** Prints the median of every phase of each side's sampled calls, and the sum of those medians. */
export async function printBreakdown(
  client: Client,
  em: EntityManager,
  sides: { dagen: readonly TimedCall[]; baseline: readonly TimedCall[] },
): Promise<void> {
  const print = (title: string, all: Marks[]) => {
    console.log(`\n${title} (medians over ${all.length} calls, ms)`);
    let total = 0;
    for (let i = 1; i < all[0]!.length; i++) {
      const gap = summarize(all.map((marks) => marks[i]![1] - marks[i - 1]![1])).p50;
      total += gap;
      console.log(`  ${gap.toFixed(2).padStart(7)}  ${all[0]![i]![0]}`);
    }
    console.log(`  ${total.toFixed(2).padStart(7)}  sum of the medians`);
  };
  const dagen: Marks[] = [];
  for (const call of sides.dagen) dagen.push(await dagenMarks(client, em, call));
  const baseline: Marks[] = [];
  for (const call of sides.baseline) baseline.push(await baselineMarks(client, call));
  print('dagen chat turn, phase by phase', dagen);
  print('hand-written workflow, phase by phase', baseline);
}
