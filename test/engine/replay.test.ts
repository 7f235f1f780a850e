import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { TEST_ENV } from '../helpers/test-env.ts';
import { historyFromJson } from '../histories/history-json.ts';

const HISTORIES_DIR = fileURLToPath(new URL('../histories/', import.meta.url));

/** Histories recorded by test/histories/record.ts from representative runs. */
const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

describe('replay safety: recorded histories run through the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  it('replays every recorded history without nondeterminism', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJson(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: process.env[TEST_ENV.bundlePath]! } },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
