import { defineNodeType } from './node-type.ts';

export const workflowNode = defineNodeType({
  type: 'workflow',
  description:
    "Runs another active workflow of the same workspace as a child run; the output is the child's output.",
  with: { workflow_id: { kind: 'string', required: true }, input: { kind: 'any' } },
  execution: 'child',
  retry: false,
});
