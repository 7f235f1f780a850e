// What an operator reads in the Temporal UI without a payload decoder: a run's static summary and
// details, and one-line summaries of its activities and timers. Pure, shared by the API's run start
// (api/runs/run-launcher.ts) and the workflow's child-run start, so both kinds of run read alike.
import type { NodeSpec } from '../dag/definition.ts';

/** The facts about a run that never change while it runs. */
export interface RunFacts {
  workflowName: string;
  workflowId: string;
  version: number;
  workspaceId: string;
  /** What started it: external_api, ui, a2a, webhook, cli. */
  source: string;
  /** Set for a child run started by a workflow node. */
  parentRunId?: string;
}

export interface RunStaticMetadata {
  /** One line: the workflow and its version. */
  staticSummary: string;
  /** Markdown, one fact per line. */
  staticDetails: string;
}

export function runStaticMetadata(run: RunFacts): RunStaticMetadata {
  const lines = [
    `**workflow** ${run.workflowName} \`${run.workflowId}\``,
    `**version** ${run.version}`,
    `**workspace** \`${run.workspaceId}\``,
    `**source** ${run.source}`,
  ];
  if (run.parentRunId !== undefined) lines.push(`**parent run** \`run:${run.parentRunId}\``);
  return {
    staticSummary: `${run.workflowName} v${run.version} (${run.source})`,
    staticDetails: lines.join('\n'),
  };
}

/** A node's activity in the run's timeline: `<node id> · <type>`, plus what the activity does. */
export function nodeSummary(node: Pick<NodeSpec, 'id' | 'type'>, step?: string): string {
  const summary = `${node.id} · ${node.type}`;
  return step === undefined ? summary : `${summary} · ${step}`;
}

/** A timer node's timer: `delay <node id> 30s`. */
export function timerSummary(node: Pick<NodeSpec, 'id' | 'type'>, seconds: number): string {
  return `${node.type} ${node.id} ${seconds}s`;
}
