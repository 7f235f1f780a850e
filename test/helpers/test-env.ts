/** Names of the variables global setup hands to every test file. */
export const TEST_ENV = {
  bundlePath: 'DAGEN_TEST_WORKFLOW_BUNDLE',
} as const;

export const TEST_PEPPER = 'test-pepper-0123456789abcdef0123456789abcdef';
