// The SSRF guard: callbacks in production go only to public addresses. Addresses are checked
// when the URL is accepted (IP literals) and again at connect time (every address a name
// resolves to), and the socket connects to the very address that was checked, so a DNS answer
// that changes between the two (rebinding) cannot reach an internal host.

import type { LookupAddress, LookupOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Resolves a host name to every address it has; injectable so tests can make a name point anywhere. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export class SsrfBlockedError extends Error {
  override readonly name = 'SsrfBlockedError';
  readonly code = 'ERR_PAYHOOK_SSRF';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`refused to connect to ${host} (${address}): ${reason}`);
  }
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped
 * (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = ip.range();
  const bytes = ip.toByteArray();
  if (range === 'ipv4Mapped') return ip.toIPv4Address();
  if (range === 'rfc6052') return new ipaddr.IPv4(bytes.slice(12, 16));
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

export class AddressPolicy {
  private readonly allowed: [Address, number][];

  /** `allowedSubnets`: the operator's exceptions for private deployments, e.g. `10.20.0.0/16`. */
  constructor(allowedSubnets: readonly string[] = []) {
    this.allowed = allowedSubnets.map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new Error(`"${cidr}" is not a subnet in CIDR notation (e.g. 10.0.0.0/8)`);
      }
    });
  }

  check(text: string): AddressVerdict {
    const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    if (isIP(bare) === 0) return { allowed: false, reason: 'not an IP address' };
    const ip: Address = ipaddr.parse(bare);
    const inner = ip.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : undefined;
    const candidates = inner ? [ip, inner] : [ip];
    if (candidates.some((c) => this.allowed.some(([net, bits]) => c.kind() === net.kind() && c.match(net, bits)))) {
      return { allowed: true };
    }
    const effective = inner ?? ip;
    const range = effective.range();
    if (range === 'unicast') return { allowed: true };
    return { allowed: false, reason: inner ? `${range} address inside ${ip.range()} (${inner})` : `${range} address` };
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect (undici passes its connect options through): resolves,
 * refuses the host if ANY of its addresses is not allowed, and hands the socket only
 * checked addresses. Node calls it with `all: true` when it races IPv4 and IPv6.
 */
export function guardedLookup(policy: AddressPolicy, resolver: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolver(hostname).then(
      (found) => {
        if (found.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '');
        }
        for (const { address } of found) {
          const verdict = policy.check(address);
          if (!verdict.allowed) return callback(new SsrfBlockedError(hostname, address, verdict.reason), '');
        }
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family ? found.filter((a) => a.family === family) : found;
        if (usable.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`no IPv${family} address for ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '');
        }
        if (options.all)
          return callback(
            null,
            usable.map((a) => ({ address: a.address, family: a.family })),
          );
        const [first] = usable as [{ address: string; family: number }];
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}
