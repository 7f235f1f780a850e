import { Agent } from './agent.entity.ts';
import { AgentVersion } from './agent-version.entity.ts';
import { ChatMessage } from './chat-message.entity.ts';
import { ChatSession } from './chat-session.entity.ts';
import { Job } from './job.entity.ts';
import { JobStep } from './job-step.entity.ts';
import { UsageRecord } from './usage-record.entity.ts';
import { TaskFile } from './task-file.entity.ts';
import { TaskPushConfig } from './task-push-config.entity.ts';
import { ApiKey } from './api-key.entity.ts';
import { RunStep } from './run-step.entity.ts';
import { User } from './user.entity.ts';
import { WorkflowDefinition } from './workflow-definition.entity.ts';
import { WorkflowRun } from './workflow-run.entity.ts';
import { WorkflowVersion } from './workflow-version.entity.ts';
import { Workspace } from './workspace.entity.ts';
import { WorkspaceSecret } from './workspace-secret.entity.ts';

export {
  Agent,
  AgentVersion,
  ChatMessage,
  ChatSession,
  Job,
  JobStep,
  UsageRecord,
  TaskFile,
  TaskPushConfig,
  ApiKey,
  RunStep,
  User,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowVersion,
  Workspace,
  WorkspaceSecret,
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
  WorkspaceSecret,
  AgentVersion,
  ChatSession,
  ChatMessage,
  Job,
  JobStep,
  UsageRecord,
  TaskFile,
  TaskPushConfig,
];
