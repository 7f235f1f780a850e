import { defineNodeType } from './node-type.ts';

export const transformNode = defineNodeType({
  type: 'transform',
  description: 'Evaluates a JSONata expression over the run context; its value is the output.',
  with: { expression: { kind: 'expression', required: true } },
  execution: 'local-activity',
  retry: true,
  async execute(_input, ctx) {
    return ctx.values.expression ?? null;
  },
});
