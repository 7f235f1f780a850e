import type { StepStatus } from '../run-status.ts';

/** What expressions see: `input` and, per finished node, its `output` and `status`. */
export interface RunContext {
  input: unknown;
  nodes: Record<string, { output: unknown; status: StepStatus }>;
}

export interface StepSnapshot {
  nodeId: string;
  status: StepStatus;
  output: unknown;
}

/** Builds the expression context from the run's input and the steps recorded so far. */
export function buildRunContext(input: unknown, steps: readonly StepSnapshot[]): RunContext {
  const nodes: RunContext['nodes'] = {};
  for (const step of steps) {
    if (step.status === 'success' || step.status === 'skipped') {
      nodes[step.nodeId] = { output: step.output ?? null, status: step.status };
    }
  }
  return { input: input ?? null, nodes };
}

/** The default run output: outputs of the sink nodes that succeeded, keyed by node id. */
export function sinkOutputs(sinks: readonly string[], context: RunContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const id of sinks) {
    const step = context.nodes[id];
    if (step?.status === 'success') out[id] = step.output;
  }
  return out;
}
