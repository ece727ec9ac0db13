// One declaration per API route: its method, path, input schemas and what the API document says
// of it, registered with Fastify from that declaration. The handler is given its input parsed
// with exactly the schemas the declaration names (parseInput: MixPay's envelope and messages),
// and the declaration rides in the route's `config`, where the route record (access.ts) keeps it
// for openapi.ts. A route is documented as it is registered, or it is not an API route at all.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseInput } from './validate.js';

/** The document's sections (openapi.ts describes each). */
export type ApiTag = 'payments' | 'sandbox' | 'admin' | 'operations';

/**
 * A route of the JSON API, sandbox or operations, as the document shows it. Who may call it is
 * not said here: the scope that registers it declares that (access.ts), and the document reads it
 * from there.
 */
export interface ApiRouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify's template: `/admin/deliveries/:id`. */
  url: string;
  tag: ApiTag;
  summary: string;
  description?: string;
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  /** Form bodies too (MixPay's create endpoints). */
  form?: boolean;
  /** A body the route accepts, shown in the docs (and sent by the tests). */
  example?: Record<string, unknown>;
  /** The answer's `data`, where a schema exists. */
  data?: z.ZodType;
  /** Refusals beyond parameter errors. */
  notFound?: boolean;
  /** 503 when the database is unreachable (the health check). */
  unavailable?: boolean;
  /** Answers other than the JSON envelope. */
  produces?: 'text/plain' | 'text/html' | 'application/openapi+json';
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The handler's input: each declared schema's parse, `undefined` where none is declared. */
export interface ApiInput<Q, P, B> {
  query: Parsed<Q>;
  params: Parsed<P>;
  body: Parsed<B>;
}

export interface ApiRoute<
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
> extends ApiRouteSpec {
  query?: Q;
  params?: P;
  body?: B;
  /**
   * What the query and body schemas read, when not Fastify's `request.query` / `request.body`:
   * MixPay's routes read both as one record (mixpay-input.ts).
   */
  input?: (request: FastifyRequest) => unknown;
  /**
   * The input of a request that is known without running the schemas, or `undefined` to parse
   * (the hot reads' plain traceId, docs/decisions.md 20).
   */
  knownInput?: (request: FastifyRequest) => ApiInput<Q, P, B> | undefined;
}

export type ApiHandler<Q, P, B> = (
  input: ApiInput<Q, P, B>,
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's declaration (api-route.ts); absent on routes that are not part of the API. */
    api?: ApiRouteSpec;
  }
}

/**
 * Registers `route` on `app`, its input parsed (path parameters, then query, then body) before
 * `handler` runs.
 *
 * @example
 * apiRoute(app, { method: 'GET', url: '/admin/deliveries/:id', tag: 'admin', summary: 'One delivery',
 *   params: idParams, notFound: true }, async ({ params }) => okEnvelope(await find(params.id), now()));
 */
export function apiRoute<
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(app: FastifyInstance, route: ApiRoute<Q, P, B>, handler: ApiHandler<Q, P, B>): void {
  const { query, params, body, input: read, knownInput } = route;
  const parse = (request: FastifyRequest): ApiInput<Q, P, B> => {
    const source = read?.(request);
    return {
      params: params && parseInput(params, request.params),
      query: query && parseInput(query, read ? source : request.query),
      body: body && parseInput(body, read ? source : request.body),
    } as ApiInput<Q, P, B>;
  };
  app.route({
    method: route.method,
    url: route.url,
    config: { api: route },
    handler: async (request, reply) => handler(knownInput?.(request) ?? parse(request), request, reply),
  });
}
