// Bundle entry of the benchmark worker: dagen's workflows plus the hand-written baselines, side by side.
export * from '../../workflows/index.ts';
export * from './baseline.workflows.ts';
export * from '../agents/baseline-chat.workflows.ts';
