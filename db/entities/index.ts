import { Agent } from './agent.entity.ts';
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
];
