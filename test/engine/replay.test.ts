import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { TEST_ENV } from '../helpers/test-env.ts';
import { HISTORIES_DIR, historyFiles, manifest, sha256Of } from '../histories/corpus.ts';
import { historyFromJson } from '../histories/history-json.ts';

/** Histories recorded by test/histories/record.ts from representative runs. */
const files = historyFiles();

describe('replay safety: recorded histories run through the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  it('keeps the corpus append-only: every history listed in MANIFEST.sha256, none changed or gone', () => {
    const listed = manifest();
    const changed = [...listed].filter(([file, hash]) => !files.includes(file) || sha256Of(file) !== hash);
    expect(changed.map(([file]) => file)).toEqual([]);
    expect(files.filter((file) => !listed.has(file))).toEqual([]);
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
