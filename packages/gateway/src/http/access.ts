// Who may call each route. The scope that registers a route declares it, and every route
// Fastify registers is recorded with its access: a route registered outside a declaring scope
// fails the start-up, so a new route cannot silently end up public (as the checkout forms once
// did, registered beside the public pages instead of inside the guarded scope). The record is
// also what the API document is generated from (openapi.ts): each API route's declaration
// (api-route.ts) beside the access its scope gave it.
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { ApiRouteSpec } from './api-route.js';

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
  /** The API route's declaration; absent for pages, assets and other routes outside the API. */
  api?: ApiRouteSpec;
}

const ACCESS = Symbol('payhook.routeAccess');
const TABLE = Symbol('payhook.routeTable');

type Declaring = FastifyInstance & { [ACCESS]?: RouteAccess; [TABLE]?: RegisteredRoute[] };

/** Declares who may call the routes `scope` and the scopes inside it register. */
export function declareAccess(scope: FastifyInstance, access: RouteAccess): void {
  // A child scope is an object inheriting from its parent, so the declaration reaches nested
  // scopes and stays out of sibling ones.
  (scope as Declaring)[ACCESS] = access;
}

/** Records every route registered on `app` from now on; must run before any route is added. */
export function recordRoutes(app: FastifyInstance): void {
  const table: RegisteredRoute[] = [];
  // On the root, so that every scope (each inherits from it) reads the same record.
  (app as Declaring)[TABLE] = table;
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const methods = [route.method].flat().filter((m) => m !== 'HEAD');
    const access = (this as Declaring)[ACCESS];
    if (access === undefined) {
      throw new Error(
        `${methods.join(', ')} ${route.url} is registered outside an access scope; register it in http/app.ts in a scope that declares who may call it`,
      );
    }
    const api = route.config?.api;
    for (const method of methods) table.push({ method, url: route.url, access, ...(api ? { api } : {}) });
  });
}

/**
 * Every route `app` (or any scope of it) serves so far, HEAD (which Fastify adds for each GET)
 * aside, with its access: complete once the app is ready.
 */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return (app as Declaring)[TABLE] ?? [];
}
