import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

/**
 * Adapters turn a protocol (HTTP, the command line, Temporal activities, and later A2A, the console and
 * webhooks) into calls of the domain layer. They never import each other, so each can change alone.
 * `worker` wires workflows and activities together; `cli` is the composition root that starts the API
 * and the worker, and may import only their entry modules. `http` is the HTTP server every door
 * shares (the Koa app, the key gate, error rendering): it mounts the HTTP adapters' routers, and they
 * use its gate; it never reaches past them to activities, workflows, the worker or the CLI.
 */
const ADAPTERS = ['api', 'cli', 'activities', 'worker', 'a2a', 'console', 'webhooks'];
const HTTP_DOORS = ['api', 'a2a', 'console', 'webhooks'];
const ENTRY_MODULES = { http: ['server.ts'], worker: ['worker.ts', 'bundle.ts', 'metrics-server.ts'] };

/** A `no-restricted-imports` pattern forbidding imports from the given top-level folders. */
function forbidFolders(folders, message, allow = {}) {
  return {
    group: folders.flatMap((f) => [`**/${f}/**`, ...(allow[f] ?? []).map((m) => `!**/${f}/${m}`)]),
    message,
  };
}

/** One config block per layer: what its files may not import. */
function layerRules() {
  const restrict = (layer, folders, message, allow) => ({
    files: [`${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [forbidFolders(folders, message, allow)] }] },
  });
  const sideways = 'Adapters call the domain layer, never another adapter (see ARCHITECTURE.md).';
  const adapters = ADAPTERS.map((adapter) => {
    const others = ADAPTERS.filter((other) => other !== adapter);
    // Only the worker hosts workflow code; the CLI may start the API and the worker.
    // Only the HTTP doors use the shared HTTP edge.
    const edge = HTTP_DOORS.includes(adapter) ? [] : ['http'];
    if (adapter === 'worker')
      return restrict(adapter, [...others.filter((o) => o !== 'activities'), ...edge], sideways);
    return restrict(
      adapter,
      [...others, 'workflows', ...edge],
      sideways,
      adapter === 'cli' ? ENTRY_MODULES : {},
    );
  });
  const below = (layer, extra) =>
    restrict(
      layer,
      [...ADAPTERS, 'workflows', ...extra],
      `${layer}/ sits below the adapters and workflows: it must not import them.`,
    );
  const httpEdge = restrict(
    'http',
    ['activities', 'worker', 'cli', 'workflows'],
    'http/ serves the HTTP doors; it never imports activities, workflows, the worker or the CLI.',
  );
  return [
    ...adapters,
    httpEdge,
    below('domain', ['http']),
    below('infra', ['domain', 'http']),
    below('db', ['domain', 'infra', 'http']),
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.dagen/**', 'coverage/**', 'test/histories/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules(),
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no Node builtins, no clients.
    files: ['workflows/**/*.ts', 'core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Node builtins are not allowed in workflow code.',
          })),
          patterns: [
            {
              group: ['@mikro-orm/*', 'pg', 'ioredis', 'koa', '@koa/*'],
              message: 'No ORM, Redis or HTTP server in workflow code.',
            },
            { group: ['undici', 'node-fetch', 'axios', 'got'], message: 'No HTTP clients in workflow code.' },
            {
              group: ['**/db/**', '**/infra/**', '**/api/**'],
              message: 'Workflow code imports servers and storage as types only.',
              allowTypeImports: true,
            },
            {
              // Not even types: the workflow/activity contract is core/engine/dag-contract.ts.
              group: ['**/activities/**'],
              message: 'Workflow code never imports from activities/; use core/engine/dag-contract.ts.',
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
