// Who may call each route. The scope that registers a route declares it, and every route
// Fastify registers is recorded with its access: a route registered outside a declaring scope
// fails the start-up, so a new route cannot silently end up public (as the checkout forms once
// did, registered beside the public pages instead of inside the guarded scope).
import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * - `public`: anyone (MixPay's API, the payer's pages, assets, health and docs, signing in).
 * - `operator`: the admin token or the dashboard's session whenever a token is set (admin API,
 *   sandbox controls including the checkout page's forms, metrics).
 * - `dashboard`: the dashboard's pages (a session; without a token, this machine only).
 */
export type RouteAccess = 'public' | 'operator' | 'dashboard';

export interface RegisteredRoute {
  method: string;
  /** Fastify's form: `/checkout/:traceId/pay`. */
  url: string;
  access: RouteAccess;
}

const ACCESS = Symbol('payhook.routeAccess');
const tables = new WeakMap<FastifyInstance, RegisteredRoute[]>();

type Declaring = FastifyInstance & { [ACCESS]?: RouteAccess };

/** Declares who may call the routes `scope` and the scopes inside it register. */
export function declareAccess(scope: FastifyInstance, access: RouteAccess): void {
  // A child scope is an object inheriting from its parent, so the declaration reaches nested
  // scopes and stays out of sibling ones.
  (scope as Declaring)[ACCESS] = access;
}

/** Records every route registered on `app` from now on; must run before any route is added. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RegisteredRoute[] = [];
  tables.set(app, table);
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    const access = (this as Declaring)[ACCESS];
    if (access === undefined) {
      throw new Error(
        `${methods.join(', ')} ${route.url} is registered outside an access scope; register it in http/app.ts in a scope that declares who may call it`,
      );
    }
    for (const method of methods) table.push({ method, url: route.url, access });
  });
}

/** Every route `app` serves (HEAD, which Fastify adds for each GET, aside), with its access. */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return tables.get(app) ?? [];
}
