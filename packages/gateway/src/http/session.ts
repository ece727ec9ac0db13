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
 * one of this gateway's own origins (see `ownOrigin`), `cross` when it is another site,
 * `unknown` when the request says nothing (not a browser form post). The Host header is not
 * consulted: under DNS rebinding it is the attacker's name, and so is a "matching" Origin.
 */
export function requestOrigin(request: FastifyRequest, publicUrl: string): 'same' | 'cross' | 'unknown' {
  const origin = request.headers.origin;
  const referer = request.headers.referer;
  const claimed = origin !== undefined && origin !== 'null' ? origin : referer;
  if (claimed === undefined) return origin === 'null' ? 'cross' : 'unknown';
  let from: URL;
  try {
    from = new URL(claimed);
  } catch {
    return 'cross';
  }
  return ownOrigin(from, request, publicUrl) ? 'same' : 'cross';
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * The names this gateway answers to on the connection `request` came in on: the address it
 * arrived at (with the loopback names when that is a loopback address), at that port. The
 * gateway itself speaks plain HTTP. A request that came through no TCP socket (a Unix socket,
 * an in-process `inject`) has no address or port to compare, so it is judged by name alone.
 */
function arrival(request: FastifyRequest): { names: Set<string>; port: string | undefined } {
  const socket = request.socket as { localAddress?: string; localPort?: number } | undefined;
  const address = socket?.localAddress?.replace(/^::ffff:(?=\d+\.)/, '');
  const port = socket?.localPort === undefined ? undefined : String(socket.localPort);
  if (address === undefined) return { names: new Set(LOOPBACK_NAMES), port };
  const literal = address.includes(':') ? `[${address}]` : address;
  return { names: new Set(isLoopback(address) ? [literal, ...LOOPBACK_NAMES] : [literal]), port };
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

const portOf = (url: URL) => url.port || DEFAULT_PORT[url.protocol];

/** True when `url`'s origin is this gateway's: its public URL, or how the request reached it. */
function ownOrigin(url: URL, request: FastifyRequest, publicUrl: string): boolean {
  const pub = parseUrl(publicUrl);
  if (pub && url.origin === pub.origin) return true;
  if (url.protocol !== 'http:') return false;
  const { names, port } = arrival(request);
  return names.has(url.hostname) && (port === undefined || portOf(url) === port);
}

/**
 * True when the request's Host header names this gateway: its public URL's host, or the address
 * (and port) the request arrived at, loopback names included. Anything else is a name someone
 * else pointed at us: a DNS-rebinding page, or a proxy nobody told us about.
 */
export function ownHost(request: FastifyRequest, publicUrl: string): boolean {
  const host = request.headers.host;
  if (host === undefined || host === '') return false;
  const pub = parseUrl(publicUrl);
  // The Host header carries no scheme: compare it under the public URL's, then as plain HTTP.
  const asPublic = pub && parseUrl(`${pub.protocol}//${host}`);
  if (pub && asPublic && asPublic.hostname === pub.hostname && portOf(asPublic) === portOf(pub)) return true;
  const asHttp = parseUrl(`http://${host}`);
  return asHttp !== undefined && asHttp.username === '' && asHttp.pathname === '/' && ownOrigin(asHttp, request, '');
}

export const isUnsafeMethod = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The client is this machine (the token-less sandbox dashboard is open to it only). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}
