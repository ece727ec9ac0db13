import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  isLoopback,
  issueSession,
  ownHost,
  readCookie,
  requestOrigin,
  SESSION_TTL_MS,
  sessionCookie,
  sessionValid,
} from './session.js';

const TOKEN = 'admin-token-0123456789';
const NOW = Date.UTC(2026, 0, 1);

/** A request that arrived at `socket` (by default 192.0.2.10:8080, the address the gateway is bound to). */
function fakeRequest(
  headers: Record<string, string>,
  protocol: 'http' | 'https' = 'http',
  socket: { localAddress?: string; localPort?: number } = { localAddress: '192.0.2.10', localPort: 8080 },
): FastifyRequest {
  return { headers, protocol, host: headers.host ?? 'gw.example:8080', socket } as unknown as FastifyRequest;
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

  it('is same for the public URL, or the address and port the request arrived at', () => {
    expect(origin({ origin: 'https://pay.example' })).toBe('same');
    expect(origin({ origin: 'http://192.0.2.10:8080' })).toBe('same');
    expect(origin({ referer: 'https://pay.example/dashboard/payments?x=1' })).toBe('same');
    const local = (headers: Record<string, string>, localAddress = '127.0.0.1') =>
      requestOrigin(fakeRequest(headers, 'http', { localAddress, localPort: 3000 }), publicUrl);
    for (const o of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
      expect(local({ origin: o }), o).toBe('same');
      expect(local({ origin: o }, '::ffff:127.0.0.1'), o).toBe('same');
    }
    // In-process (no socket, no port to compare): by name alone.
    const injected = fakeRequest({ origin: 'http://localhost' }, 'http', {});
    expect(requestOrigin(injected, publicUrl)).toBe('same');
  });

  it('is cross for any other site, another port or scheme, an opaque origin', () => {
    expect(origin({ origin: 'http://evil.example' })).toBe('cross');
    expect(origin({ origin: 'http://192.0.2.10:3000' })).toBe('cross');
    expect(origin({ origin: 'https://192.0.2.10:8080' })).toBe('cross');
    expect(origin({ origin: 'http://pay.example' })).toBe('cross');
    expect(origin({ origin: 'null' })).toBe('cross');
    expect(origin({ origin: 'not a url' })).toBe('cross');
    // Loopback names are ours only when the request came in on loopback.
    expect(origin({ origin: 'http://localhost:8080' })).toBe('cross');
    // Origin wins over a Referer that claims to be ours.
    expect(origin({ origin: 'http://evil.example', referer: 'https://pay.example/' })).toBe('cross');
  });

  it('never trusts the Host header: a forged Host with a matching Origin is cross', () => {
    expect(origin({ host: 'rebind.evil.test:8080', origin: 'http://rebind.evil.test:8080' })).toBe('cross');
    expect(origin({ host: 'gw.example:8080', origin: 'http://gw.example:8080' })).toBe('cross');
  });

  it('is unknown when the request names no origin (not a browser form)', () => {
    expect(origin({})).toBe('unknown');
  });
});

describe('ownHost', () => {
  const onLoopback = { localAddress: '127.0.0.1', localPort: 3000 };
  const host = (value: string | undefined, socket: object = onLoopback, publicUrl = 'https://pay.example') =>
    ownHost(fakeRequest(value === undefined ? {} : { host: value }, 'http', socket), publicUrl);

  it('accepts the public URL’s host and the arrival address with its loopback names, at its port', () => {
    for (const h of [
      'pay.example',
      'pay.example:443',
      'PAY.example',
      'localhost:3000',
      '127.0.0.1:3000',
      '[::1]:3000',
    ]) {
      expect(host(h), h).toBe(true);
    }
    expect(host('192.0.2.10:8080', { localAddress: '192.0.2.10', localPort: 8080 })).toBe(true);
    expect(host('localhost:3000', { localAddress: '::ffff:127.0.0.1', localPort: 3000 })).toBe(true);
    expect(host('gw.lan:8080', { localAddress: '192.0.2.10', localPort: 8080 }, 'http://gw.lan:8080')).toBe(true);
  });

  it('refuses any other name, another port, a missing Host and malformed ones', () => {
    for (const h of [
      'rebind.evil.test:3000',
      'rebind.evil.test',
      'localhost:3001',
      'localhost',
      'pay.example:8443',
      'localhost.:3000',
      'sub.localhost:3000',
      'user@localhost:3000',
      '',
      undefined,
    ]) {
      expect(host(h), String(h)).toBe(false);
    }
    // Loopback names are not ours on a connection that came in on another interface.
    expect(host('localhost:8080', { localAddress: '192.0.2.10', localPort: 8080 })).toBe(false);
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
