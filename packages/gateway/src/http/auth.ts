// Access to admin and sandbox-control routes: `Authorization: Bearer <admin token>` or the
// dashboard's session cookie, compared in constant time. A cookie is sent by the browser on its
// own, so a state-changing request that carries only the cookie must also come from our origin.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import type { Clock } from '../interfaces.js';
import { isUnsafeMethod, ownHost, readCookie, requestOrigin, SESSION_COOKIE, sessionValid } from './session.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Hashing first makes the comparison constant-time whatever the lengths. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** How a request proves it may use the admin API, if it does. */
export function authenticate(request: FastifyRequest, token: string, now: number): 'bearer' | 'session' | undefined {
  const header = request.headers.authorization ?? '';
  if (header.startsWith('Bearer ') && tokenMatches(header.slice(7), token)) return 'bearer';
  if (sessionValid(readCookie(request, SESSION_COOKIE), token, now)) return 'session';
  return undefined;
}

/**
 * How a request that got past the door proved it may: `bearer`, `session`, or `local` where no
 * token is set (a sandbox that trusts this machine). Recorded with what it does (a pause).
 */
export function authKind(request: FastifyRequest, token: string | undefined, now: number): string {
  return token === undefined ? 'local' : (authenticate(request, token, now) ?? 'local');
}

/** Where a person signs in, with the token, for a session cookie. */
export const SIGN_IN_PATH = '/dashboard/login';

/**
 * The admin token's door, as an onRequest hook: a bearer token, or the dashboard's session
 * cookie from this gateway's own pages. Refusals are typed errors, answered by the scope's
 * error handler (the envelope, or a page for a browser on page routes).
 */
export function requireToken(token: string, clock: Clock, publicUrl = '') {
  return async (request: FastifyRequest) => {
    const how = authenticate(request, token, clock.now());
    if (how === undefined) {
      // The wording is what clients (the CLI) show and match; pages add the sign-in link.
      throw new UnauthorizedError('Insufficient permissions: send Authorization: Bearer <admin token>');
    }
    if (how === 'session' && isUnsafeMethod(request.method) && requestOrigin(request, publicUrl) !== 'same') {
      throw new ForbiddenError('Refused: a request signed in by cookie must come from this gateway');
    }
  };
}

/**
 * Refuses state-changing requests that a browser sent from another site (a form on a page the
 * operator visits must not drive a token-less sandbox on 127.0.0.1). Clients that are not
 * browsers send no Origin and are unaffected.
 */
export function refuseCrossSite(publicUrl: string) {
  return async (request: FastifyRequest) => {
    if (isUnsafeMethod(request.method) && requestOrigin(request, publicUrl) === 'cross') {
      throw new ForbiddenError('Refused: cross-site request');
    }
  };
}

/**
 * Without an admin token, refuses every request whose Host header is not one of this gateway's
 * own names. A page on another site can point its own name at 127.0.0.1 (DNS rebinding): its
 * requests then come from this machine, as same-origin as the page's name, and would reach the
 * token-less sandbox and dashboard, and read their answers. Such a request still carries the
 * page's name in Host.
 */
export function refuseForeignHost(publicUrl: string) {
  return async (request: FastifyRequest) => {
    if (!ownHost(request, publicUrl)) {
      throw new ForbiddenError(
        `Refused: Host ${JSON.stringify(request.headers.host ?? '')} is not a name of this gateway; reach it at ${publicUrl}, localhost or 127.0.0.1 on its port, or set PAYHOOK_PUBLIC_URL to the URL it is reached at`,
      );
    }
  };
}
