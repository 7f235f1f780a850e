import type { Part } from '@a2a-js/sdk';
import type { JsonValue } from '../core/run-status.ts';
import type { Scope } from '../domain/keys/api-keys.service.ts';
import type { IncomingFile } from '../domain/tasks/task-files.ts';
import { RUN_WORKFLOW_SKILL, WORKFLOW_SKILL_PREFIX } from './agent-card.ts';

/** What a message asks for: a turn of an agent, a run of a workflow, or more input to a waiting task. */
export type MessageTarget =
  | { readonly kind: 'agent'; readonly agentId: string }
  | { readonly kind: 'workflow'; readonly workflowId: string }
  | { readonly kind: 'continue'; readonly taskId: string };

type Metadata = Record<string, unknown> | undefined;

/** The fields a target is read from; the same names in A2A 1.0 and 0.3, so raw JSON works too. */
export interface TargetFields {
  readonly message?: { readonly taskId?: unknown; readonly metadata?: Metadata } | undefined;
  readonly metadata?: Metadata;
}

/**
 * The message's target: its task id continues that task; else `metadata.workflow_id`,
 * `metadata.agent_id` or `metadata.skill_id` (also spelt `workflowId`, `agentId`, `skillId`), read
 * from the message's metadata first, then the request's. A skill id is a card skill: an agent id,
 * `workflow:<id>`, or `run-workflow` with `workflow_id`. Else `defaultAgent`.
 */
export function messageTarget(params: TargetFields, defaultAgent: string): MessageTarget {
  const taskId = params.message?.taskId;
  if (typeof taskId === 'string' && taskId !== '') return { kind: 'continue', taskId };
  // Each key in snake_case (as the External API spells it) or camelCase (as A2A spells its fields).
  const field = (name: string): string | undefined => {
    const camel = name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
    for (const m of [params.message?.metadata, params.metadata]) {
      for (const v of [m?.[name], m?.[camel]]) if (typeof v === 'string' && v !== '') return v;
    }
    return undefined;
  };
  const workflowId = field('workflow_id');
  if (workflowId) return { kind: 'workflow', workflowId };
  const agentId = field('agent_id');
  if (agentId) return { kind: 'agent', agentId };
  const skillId = field('skill_id');
  if (skillId?.startsWith(WORKFLOW_SKILL_PREFIX)) {
    return { kind: 'workflow', workflowId: skillId.slice(WORKFLOW_SKILL_PREFIX.length) };
  }
  // `run-workflow` without a workflow id names none: the start answers that it is not there.
  if (skillId === RUN_WORKFLOW_SKILL) return { kind: 'workflow', workflowId: '' };
  if (skillId) return { kind: 'agent', agentId: skillId };
  return { kind: 'agent', agentId: defaultAgent };
}

/** The key scope a target needs: continuing a task is talking to its agent. */
export function scopeOf(target: MessageTarget): Scope {
  return target.kind === 'workflow' ? 'workflows' : 'agents';
}

/** What a message brings: its text, its data, its files (not read yet). */
export interface MessageInput {
  readonly text: string;
  readonly data: JsonValue | undefined;
  readonly files: IncomingFile[];
}

/**
 * A message's text parts joined as the agent's message, its data parts as one value (a list if
 * several), its file parts (bytes or a URL) as files to receive.
 */
export function messageInput(parts: readonly Part[]): MessageInput {
  const texts: string[] = [];
  const data: JsonValue[] = [];
  const files: IncomingFile[] = [];
  for (const part of parts) {
    const content = part.content;
    const file = {
      ...(part.filename ? { name: part.filename } : {}),
      ...(part.mediaType ? { mediaType: part.mediaType } : {}),
    };
    if (content?.$case === 'text') texts.push(content.value);
    else if (content?.$case === 'data') data.push(content.value as JsonValue);
    else if (content?.$case === 'raw') files.push({ ...file, bytes: content.value });
    else if (content?.$case === 'url') files.push({ ...file, url: content.value });
  }
  return { text: texts.join('\n'), data: data.length <= 1 ? data[0] : data, files };
}
