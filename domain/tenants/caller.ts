/**
 * Who is asking, as every domain service sees it: bound by an adapter (the API key gate today; the
 * console's session and A2A later) and never taken from a request body.
 */
export interface Caller {
  readonly workspaceId: string;
  readonly ownerId: string;
  readonly apiKeyId: string;
  readonly scopes: readonly string[];
}
