// The workflow bundle's entry: every workflow type the worker serves is exported here.
export { dagRun } from './dag-run.workflow.ts';
export { reconcileRuns } from './reconcile-runs.workflow.ts';
export { agentTurn } from './agent-turn.workflow.ts';
export { conformanceTurn } from './conformance-turn.workflow.ts';
export { pushDelivery } from './push-delivery.workflow.ts';
