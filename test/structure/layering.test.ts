import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface LintCase {
  readonly file: string;
  readonly code: string;
}

/**
 * Lints each snippet as if it were the file at `file` with the project's own eslint.config.js, keeping
 * only the import rules: one child process (ESLint loads TypeScript once), no type information needed.
 */
function restrictedImportMessages(cases: readonly LintCase[]): string[][] {
  const script = `
    import { ESLint } from 'eslint';
    const cases = JSON.parse(await new Response(process.stdin).text());
    const eslint = new ESLint({
      ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
      overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    });
    const out = [];
    for (const c of cases) {
      const [result] = await eslint.lintText(c.code, { filePath: c.file });
      out.push(result.messages.map((m) => m.ruleId + ': ' + m.message));
    }
    console.log(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    input: JSON.stringify(cases),
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint runner failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
}

const use = (what: string, from: string) => `import { ${what} } from '${from}';\nvoid ${what};\n`;

/**
 * The layering rule in eslint.config.js: adapters (api, cli, activities, worker, a2a, and later
 * console, webhooks) call the domain layer and never import each other; http/ mounts the HTTP doors
 * and shares its key gate with them; domain, infra and db import no adapter. Each case puts a deliberate violation at a real file's position.
 */
describe('import layering (ESLint no-restricted-imports)', () => {
  const violations: LintCase[] = [
    { file: 'http/app.ts', code: use('createActivities', '../activities/index.ts') },
    { file: 'http/app.ts', code: use('dagRun', '../workflows/dag-run.workflow.ts') },
    { file: 'activities/index.ts', code: use('createApp', '../http/app.ts') },
    { file: 'cli/main.ts', code: use('createKeyGate', '../http/key-gate.ts') },
    { file: 'worker/worker.ts', code: use('createApp', '../http/app.ts') },
    { file: 'domain/runs/run-view.ts', code: use('createApp', '../../http/app.ts') },
    { file: 'http/app.ts', code: use('startWorker', '../worker/worker.ts') },
    { file: 'a2a/a2a.routes.ts', code: use('v1Routes', '../api/routes/v1.routes.ts') },
    { file: 'infra/services.ts', code: use('startRun', '../domain/runs/run-start.service.ts') },
  ];
  const allowed: LintCase[] = [
    { file: 'http/app.ts', code: use('startRun', '../domain/runs/run-start.service.ts') },
    { file: 'activities/index.ts', code: use('StepStore', '../domain/runs/step-store.ts') },
    { file: 'cli/main.ts', code: use('startApiServer', '../http/server.ts') },
    { file: 'http/app.ts', code: use('v1Routes', '../api/routes/v1.routes.ts') },
    { file: 'a2a/a2a.routes.ts', code: use('createKeyGate', '../http/key-gate.ts') },
    { file: 'cli/main.ts', code: use('startWorker', '../worker/worker.ts') },
  ];
  let results: string[][];

  beforeAll(() => {
    results = restrictedImportMessages([...violations, ...allowed]);
  });

  it.each(violations.map((c, i) => [c.file, c.code.split('\n')[0], i] as const))(
    'refuses in %s: %s',
    (_file, _line, i) => {
      expect(results[i]).toEqual([expect.stringMatching(/^no-restricted-imports: .*import is restricted/)]);
    },
  );

  it.each(allowed.map((c, i) => [c.file, c.code.split('\n')[0], violations.length + i] as const))(
    'allows in %s: %s',
    (_file, _line, i) => {
      expect(results[i]).toEqual([]);
    },
  );
});
