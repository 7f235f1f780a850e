import { proxyActivities } from '@temporalio/workflow';
import type { BaselineChatActivities, BaselineChatInput } from './baseline-chat.activities.ts';

/** What a plain Temporal user would pick for one model call: a regular activity, a few retries. */
const call = proxyActivities<BaselineChatActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second' },
});

/** The hand-written chat turn: one activity calls the model and its text is the result. */
export async function baselineChat(input: BaselineChatInput): Promise<string> {
  return await call.baselineChatCall(input);
}
