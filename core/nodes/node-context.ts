// What a node's executor may use besides its resolved `with`. Node modules are bundled into workflow
// code, so they never import Node or I/O modules: the activity that runs a node hands them these
// capabilities instead (activities/node.activities.ts builds them).

/** One HTTP exchange as an http node asks for it. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** Deadline for the whole exchange, redirects included. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: unknown;
}

export interface NodeContext {
  /** Results of the node's `expression`-kind fields, evaluated over the run context. */
  values: Record<string, unknown>;
  /** Aborts when the activity is cancelled (run cancelled, or a sibling node failed). */
  signal: AbortSignal;
  /** Outbound HTTP under the workers' address policy (SSRF rules), aborted with `signal`. */
  http: { request(request: HttpRequest): Promise<HttpResponse> };
  /** One agent turn as a job of its own, billed to the run's owner; cancelled with `signal`. */
  agent: { run(request: AgentTurnRequest): Promise<unknown> };
}

/** What an agent node asks the runtime for. */
export interface AgentTurnRequest {
  agentId: string;
  message: string;
  modelId?: string | undefined;
}

/** A node's work: its resolved `with` in, its output out (any JSON value). */
export type NodeExecutor = (input: Record<string, unknown>, ctx: NodeContext) => Promise<unknown>;
