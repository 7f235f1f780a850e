import { Agent } from './agent.entity.ts';
import { ApiKey } from './api-key.entity.ts';
import { ChatMessage } from './chat-message.entity.ts';
import { ChatSession } from './chat-session.entity.ts';
import { Job } from './job.entity.ts';
import { JobStep } from './job-step.entity.ts';
import { RunStep } from './run-step.entity.ts';
import { UsageRecord } from './usage-record.entity.ts';
import { User } from './user.entity.ts';
import { WorkflowDefinition } from './workflow-definition.entity.ts';
import { WorkflowRun } from './workflow-run.entity.ts';
import { WorkflowVersion } from './workflow-version.entity.ts';
import { Workspace } from './workspace.entity.ts';

export {
  Agent,
  ApiKey,
  ChatMessage,
  ChatSession,
  Job,
  JobStep,
  RunStep,
  UsageRecord,
  User,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowVersion,
  Workspace,
};

export const ALL_ENTITIES = [
  Workspace,
  User,
  ApiKey,
  Agent,
  WorkflowDefinition,
  WorkflowVersion,
  WorkflowRun,
  RunStep,
  Job,
  JobStep,
  ChatSession,
  ChatMessage,
  UsageRecord,
];
