// The dashboard's sign-in: a stateless session cookie derived from the admin token, plus the
// request checks the pages rely on (same origin for form posts, loopback for a token-less sandbox).
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'payhook_session';
/** How long a sign-in lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

const mac = (token: string, expiresAt: number) =>
  createHmac('sha256', token).update(`payhook-dashboard-session:${expiresAt}`).digest();

/**
 * The cookie value: its expiry and an HMAC of it keyed by the admin token. The token itself is
 * never stored in the browser, and changing the token signs everybody out.
 */
export function issueSession(token: string, now: number): { value: string; maxAgeSeconds: number } {
  const expiresAt = now + SESSION_TTL_MS;
  return { value: `${expiresAt}.${mac(token, expiresAt).toString('base64url')}`, maxAgeSeconds: SESSION_TTL_MS / 1000 };
}

/** True for an unexpired session signed with `token`; compared in constant time. */
export function sessionValid(value: string | undefined, token: string, now: number): boolean {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) return false;
  const expiresAt = Number(match[1]);
  const presented = Buffer.from(match[2] as string, 'base64url');
  const expected = mac(token, expiresAt);
  return presented.length === expected.length && timingSafeEqual(presented, expected) && expiresAt > now;
}

export function readCookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` for the session: HttpOnly, SameSite=Strict, Secure over https; empty value clears it. */
export function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * Where a browser request comes from, by its Origin header (else Referer): `same` when that is
 * this gateway (as addressed in the Host header, or its public URL), `cross` when it is another
 * site, `unknown` when the request says nothing (not a browser form post).
 */
export function requestOrigin(request: FastifyRequest, publicUrl: string): 'same' | 'cross' | 'unknown' {
  const origin = request.headers.origin;
  const referer = request.headers.referer;
  const claimed = origin !== undefined && origin !== 'null' ? origin : referer;
  if (claimed === undefined) return origin === 'null' ? 'cross' : 'unknown';
  let from: string;
  try {
    from = new URL(claimed).origin;
  } catch {
    return 'cross';
  }
  return from === originOf(`${request.protocol}://${request.host}`) || from === originOf(publicUrl) ? 'same' : 'cross';
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export const isUnsafeMethod = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The client is this machine (the token-less sandbox dashboard is open to it only). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}
