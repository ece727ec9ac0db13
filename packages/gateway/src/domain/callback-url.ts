// Which callbackUrls the gateway accepts. Production: HTTPS only. Sandbox: HTTPS anywhere,
// and plain HTTP to loopback so a developer can receive callbacks on their own machine.
import { isIP } from 'node:net';
import type { AddressPolicy } from '../delivery/ssrf.js';
import { ParameterError } from '../errors.js';

export type GatewayMode = 'sandbox' | 'production';

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', '::1', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Returns the normalised URL, or throws a ParameterError saying what is wrong with it.
 * In production, `policy` also refuses IP literals that are not public and loopback names;
 * other names are checked again, address by address, when the callback is sent. `field` names
 * the input in messages (a recovery's `newUrl` is judged exactly as a payment's callbackUrl).
 */
export function checkCallbackUrl(
  raw: string,
  mode: GatewayMode,
  policy?: AddressPolicy,
  field = 'callbackUrl',
): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ParameterError(`${field}: must be an absolute URL (URL-encode it in form bodies)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ParameterError(`${field}: must not carry credentials`);
  }
  if (url.protocol === 'https:') {
    if (mode === 'production' && policy) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0) {
        const verdict = policy.check(host);
        if (!verdict.allowed) throw new ParameterError(`${field}: ${host} is not a public address (${verdict.reason})`);
      } else if (isLoopbackHost(host) || !host.includes('.')) {
        throw new ParameterError(`${field}: ${host} is not a public host name`);
      }
    }
    return url.href;
  }
  if (url.protocol === 'http:' && mode === 'sandbox' && isLoopbackHost(url.hostname)) return url.href;
  const allowed = mode === 'sandbox' ? 'HTTPS (or HTTP to loopback in sandbox mode)' : 'HTTPS';
  throw new ParameterError(`${field}: only ${allowed} is supported`);
}
