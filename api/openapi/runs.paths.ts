/** OpenAPI path items of the workflow run endpoints (filled in with those routes). */
export const runsPaths: Record<string, unknown> = {};
