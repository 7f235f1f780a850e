/** jest 30 + ts-jest in ESM mode; run through `npm test` (node --experimental-vm-modules). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    // Keep `.ts` import specifiers: jest resolves them, and global setup is loaded by Node itself.
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, diagnostics: false, tsconfig: { rewriteRelativeImportExtensions: false } },
    ],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 1,
  // A leaked socket in one test must not hold CI until its time limit; tests close what they open.
  forceExit: true,
};
