import { ApplicationFailure } from '@temporalio/common';
import { defineNodeType } from './node-type.ts';

export const conditionNode = defineNodeType({
  type: 'condition',
  description: 'Evaluates a JSONata expression that must give true or false; downstream nodes gate on it.',
  with: { expression: { kind: 'expression', required: true } },
  execution: 'local-activity',
  retry: true,
  async execute(_input, ctx) {
    const value = ctx.values.expression;
    if (typeof value !== 'boolean') {
      throw ApplicationFailure.nonRetryable(
        `condition expression must produce true or false, got ${JSON.stringify(value)}`,
        'ConditionNotBoolean',
      );
    }
    return value;
  },
});
