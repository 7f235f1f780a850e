import type { z } from 'zod';
import type { Scope } from '../../domain/keys/api-keys.service.ts';
import type { AppContext } from '../../http/context.ts';
import type { DoorDeps } from '../../http/door-deps.ts';

/** What the v1 handlers share with every HTTP door (http/door-deps.ts). */
export type ApiDeps = DoorDeps;

/**
 * An OpenAPI link: how a value of this answer feeds a parameter of another operation, e.g. a started
 * run's `id` as the `run_id` of its read. Parameters map a name to a runtime expression
 * (`$response.body#/id`).
 */
export interface LinkSpec {
  readonly operationId: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** A success answer: its description and the schema its body follows (named in the OpenAPI schemas). */
export interface ResponseSpec {
  readonly description: string;
  readonly schema: z.ZodType;
  /** The answer carries a `Location` header saying where to GET the resource. */
  readonly location?: true;
  /** What a client can do next with this answer, by link name. */
  readonly links?: Readonly<Record<string, LinkSpec>>;
}

/** Statuses a route answers beyond validation and the key gate, i.e. the ones its domain calls throw. */
export type DomainErrorStatus = 400 | 402 | 404 | 409 | 422 | 429 | 500;

type Responses = Record<number, ResponseSpec>;
type ObjectSchema = z.ZodObject;
/** What a request part parses to: its schema's output, undefined when not declared, unknown when erased. */
type Parsed<S> = S extends z.ZodType ? z.output<S> : S extends undefined ? undefined : unknown;

/**
 * What a handler may answer for a schema: its output type with arrays made readonly, because an answer
 * is only serialized, so the domain's readonly lists are as good as mutable ones.
 */
type Answer<T> = T extends readonly (infer U)[]
  ? readonly Answer<U>[]
  : T extends object
    ? { [K in keyof T]: Answer<T[K]> }
    : T;

/** One of the declared answers: the status picks the schema the body must match at compile time. */
export type Reply<R extends Responses> = {
  [S in keyof R & number]: { status: S; body: Answer<z.output<R[S]['schema']>> } & (R[S] extends {
    location: true;
  }
    ? { location: string }
    : unknown);
}[keyof R & number];

/** The request as the declared schemas parsed it; a part the endpoint does not declare is undefined. */
export interface RequestInput<P, Q, H, B> {
  readonly params: Parsed<P>;
  readonly query: Parsed<Q>;
  readonly headers: Parsed<H>;
  readonly body: Parsed<B>;
}

/**
 * One External API operation, declared once: the router mounts it behind the key gate, the request
 * parser validates with its schemas, and the OpenAPI document is generated from the same schemas.
 */
export interface EndpointSpec<P, Q, H, B, R extends Responses> {
  readonly method: 'get' | 'post';
  /** Koa-style path under /api/v1, e.g. `/workflow/runs/:run_id`. */
  readonly path: string;
  readonly scope: Scope;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  /** Path ids; a value the schema refuses is answered with the schema's message as a 404. */
  readonly params?: P;
  /** Query parameters; unknown ones are ignored, bad values are 400. */
  readonly query?: Q;
  /** Request headers by their canonical name. */
  readonly headers?: H;
  /** The JSON body (an empty body is `{}`). */
  readonly body?: B;
  readonly responses: R;
  /**
   * Error statuses the domain can answer; 400/404/413/415 from validation, the key gate's 401/403/429
   * and 503 (a dependency unreachable, possible on every route) are documented without it. A 429
   * of the domain's own (a run start over the workspace's cap) is documented beside the gate's.
   */
  readonly errors?: readonly DomainErrorStatus[];
}

/** Serves a request once the router has parsed it; answers one of the declared responses. */
export type Handler<P, Q, H, B, R extends Responses> = (
  ctx: AppContext,
  input: RequestInput<P, Q, H, B>,
  deps: ApiDeps,
) => Promise<Reply<R>>;

/** An answer as the router sends it. */
export interface SentReply {
  readonly status: number;
  readonly body: unknown;
  readonly location?: string;
}

/** An endpoint with its schema types forgotten, as the router and the document see it. */
export interface Endpoint extends EndpointSpec<
  ObjectSchema,
  ObjectSchema,
  ObjectSchema,
  z.ZodType,
  Responses
> {
  handle(
    ctx: AppContext,
    input: RequestInput<unknown, unknown, unknown, unknown>,
    deps: ApiDeps,
  ): Promise<SentReply>;
}

/**
 * Declares an endpoint; `.handledBy` then attaches its handler. Two steps so the declared responses are
 * known before the handler is checked: its answers are typed (status and body) from their schemas.
 */
export function endpoint<
  P extends ObjectSchema | undefined = undefined,
  Q extends ObjectSchema | undefined = undefined,
  H extends ObjectSchema | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  const R extends Responses = Responses,
>(spec: EndpointSpec<P, Q, H, B, R>) {
  return {
    handledBy(handle: Handler<P, Q, H, B, R>): Endpoint {
      // Sound: the router hands `handle` only what these schemas parsed, and sends what it answers.
      return { ...spec, handle } as unknown as Endpoint;
    },
  };
}
