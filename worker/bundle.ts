import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

/** Absolute path of the workflow bundle's entry module. */
const WORKFLOWS_ENTRY = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Bundles workflow code once; workers and replay tests share the result. `entry` defaults to dagen's
 * workflows (the benchmark bundles an entry that adds its baselines).
 */
export async function bundleWorkflows(entry: string = WORKFLOWS_ENTRY): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: entry, logger: quietBundlerLogger });
}

const noop = () => undefined;
const quietBundlerLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: console.error,
  log: noop,
};
