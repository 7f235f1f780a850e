import type { Command } from '../command.ts';
import { AGENT_COMMANDS } from './agents.command.ts';
import { apiCommand } from './api.command.ts';
import { KEY_COMMANDS } from './keys.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { SECRET_COMMANDS } from './secrets.command.ts';
import { startCommand } from './start.command.ts';
import { temporalSetupCommand } from './temporal-setup.command.ts';
import { usersCreateCommand } from './users.command.ts';
import { workerCommand } from './worker.command.ts';
import { WORKFLOW_COMMANDS } from './workflows.command.ts';
import { workspacesCreateCommand } from './workspaces.command.ts';

/** Every `dagen` command; the CLI matches the longest name first. */
export const COMMANDS: Command[] = [
  startCommand,
  apiCommand,
  workerCommand,
  migrateCommand,
  temporalSetupCommand,
  workspacesCreateCommand,
  usersCreateCommand,
  ...KEY_COMMANDS,
  ...SECRET_COMMANDS,
  ...WORKFLOW_COMMANDS,
  ...AGENT_COMMANDS,
];
