import type { Command } from '../command.ts';
import { apiCommand } from './api.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { temporalSetupCommand } from './temporal-setup.command.ts';
import { workerCommand } from './worker.command.ts';

/** Every `dagen` command; the CLI matches the longest name first. */
export const COMMANDS: Command[] = [apiCommand, workerCommand, migrateCommand, temporalSetupCommand];
