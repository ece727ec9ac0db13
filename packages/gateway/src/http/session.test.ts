import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  isLoopback,
  issueSession,
  readCookie,
  requestOrigin,
  SESSION_TTL_MS,
  sessionCookie,
  sessionValid,
} from './session.js';

const TOKEN = 'admin-token-0123456789';
const NOW = Date.UTC(2026, 0, 1);

function fakeRequest(headers: Record<string, string>, protocol: 'http' | 'https' = 'http'): FastifyRequest {
  return { headers, protocol, host: headers.host ?? 'gw.example:8080' } as unknown as FastifyRequest;
}

describe('session cookie', () => {
  it('is valid for the token that signed it until it expires', () => {
    const { value, maxAgeSeconds } = issueSession(TOKEN, NOW);
    expect(maxAgeSeconds).toBe(SESSION_TTL_MS / 1000);
    expect(value).not.toContain(TOKEN);
    expect(sessionValid(value, TOKEN, NOW)).toBe(true);
    expect(sessionValid(value, TOKEN, NOW + SESSION_TTL_MS - 1)).toBe(true);
    expect(sessionValid(value, TOKEN, NOW + SESSION_TTL_MS)).toBe(false);
    expect(sessionValid(value, `${TOKEN}x`, NOW)).toBe(false);
  });

  it('refuses a tampered expiry or signature, and garbage', () => {
    const { value } = issueSession(TOKEN, NOW);
    const [expiry, mac] = value.split('.') as [string, string];
    expect(sessionValid(`${Number(expiry) + 1000}.${mac}`, TOKEN, NOW)).toBe(false);
    expect(sessionValid(`${expiry}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`, TOKEN, NOW)).toBe(false);
    for (const bad of [undefined, '', TOKEN, `${expiry}.`, `.${mac}`, `${expiry}.${mac}.x`]) {
      expect(sessionValid(bad, TOKEN, NOW)).toBe(false);
    }
  });

  it('is HttpOnly and SameSite=Strict, Secure over https only', () => {
    const plain = sessionCookie(fakeRequest({}), 'v', 60);
    expect(plain).toBe('payhook_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie(fakeRequest({}, 'https'), 'v', 60)).toBe(`${plain}; Secure`);
  });

  it('is read from the Cookie header among others', () => {
    expect(readCookie(fakeRequest({ cookie: 'a=1; payhook_session=abc.def ; b=2' }), 'payhook_session')).toBe(
      'abc.def',
    );
    expect(readCookie(fakeRequest({ cookie: 'xpayhook_session=1' }), 'payhook_session')).toBeUndefined();
    expect(readCookie(fakeRequest({}), 'payhook_session')).toBeUndefined();
  });
});

describe('requestOrigin', () => {
  const publicUrl = 'https://pay.example';
  const origin = (headers: Record<string, string>) => requestOrigin(fakeRequest(headers), publicUrl);

  it('is same for the Host the request was sent to, or the public URL', () => {
    expect(origin({ origin: 'http://gw.example:8080' })).toBe('same');
    expect(origin({ origin: 'https://pay.example' })).toBe('same');
    expect(origin({ referer: 'http://gw.example:8080/dashboard/payments?x=1' })).toBe('same');
    expect(origin({ host: 'localhost:80', origin: 'http://localhost' })).toBe('same');
  });

  it('is cross for any other site, another port or scheme, an opaque origin', () => {
    expect(origin({ origin: 'http://evil.example' })).toBe('cross');
    expect(origin({ origin: 'http://gw.example:3000' })).toBe('cross');
    expect(origin({ origin: 'https://gw.example:8080' })).toBe('cross');
    expect(origin({ origin: 'null' })).toBe('cross');
    expect(origin({ origin: 'not a url' })).toBe('cross');
    // Origin wins over a Referer that claims to be ours.
    expect(origin({ origin: 'http://evil.example', referer: 'http://gw.example:8080/' })).toBe('cross');
  });

  it('is unknown when the request names no origin (not a browser form)', () => {
    expect(origin({})).toBe('unknown');
  });
});

describe('isLoopback', () => {
  it('accepts 127.0.0.0/8 and ::1, in IPv4-mapped form too, and nothing else', () => {
    for (const ip of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.1.2.3']) expect(isLoopback(ip)).toBe(true);
    for (const ip of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', '203.0.113.5', '::', '0.0.0.0', '1127.0.0.1']) {
      expect(isLoopback(ip)).toBe(false);
    }
  });
});
