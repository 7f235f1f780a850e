import { defineNodeType } from './node-type.ts';

const MAX_DELAY_SECONDS = 30 * 24 * 3600;

export const delayNode = defineNodeType({
  type: 'delay',
  description: 'Waits on a durable Temporal timer; the output is { seconds }.',
  with: { seconds: { kind: 'number', required: true, min: 0, max: MAX_DELAY_SECONDS } },
  execution: 'timer',
  retry: false,
  seconds: (input) => Number(input.seconds),
});
