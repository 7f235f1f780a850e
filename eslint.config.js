import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

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
