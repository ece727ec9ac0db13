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

/** NAT64's well-known prefix; the local-use 64:ff9b:1::/48 embeds IPv4 wherever its operator chose. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
/** The only IPv6 space IANA allocates for global unicast; ipaddr.js calls much else "unicast" too. */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
/** IPv4-compatible addresses (::a.b.c.d, RFC 4291 2.5.5.1): deprecated, never routed as IPv4 today. */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * IPv6 forms that carry an IPv4 address are judged by that address: IPv4-mapped
 * (::ffff:a.b.c.d), NAT64's well-known prefix (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = ip.range();
  const bytes = ip.toByteArray();
  if (range === 'ipv4Mapped') return ip.toIPv4Address();
  if (range === 'rfc6052' && ip.match(NAT64_WELL_KNOWN)) return new ipaddr.IPv4(bytes.slice(12, 16));
  if (range === '6to4') return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

/**
 * Why an IPv6 address that ipaddr.js files under plain "unicast" is still not public: the
 * deprecated IPv4-compatible form, and anything outside 2000::/3 (IANA reserved or unassigned:
 * the rest of ::/8, 0200::/7 once for NSAP, 4000::/2 and so on). Nothing public lives there, and a
 * private network may route it anywhere.
 */
function notGlobalUnicast(ip: ipaddr.IPv6): string | undefined {
  if (ip.match(IPV4_COMPATIBLE)) {
    return `deprecated IPv4-compatible address (${new ipaddr.IPv4(ip.toByteArray().slice(12, 16))})`;
  }
  if (!ip.match(GLOBAL_UNICAST)) return 'reserved address (outside 2000::/3, the global unicast space)';
  return undefined;
}

/**
 * The address as WHATWG URLs (and so the sender) spell it. ipaddr.js reads `::a.b.c.d` as the
 * IPv4-mapped `::ffff:a.b.c.d`, but it is the IPv4-compatible `::a.b:c.d`, which the socket would
 * connect to; a zone (`fe80::1%eth0`) cannot be named in a URL at all.
 */
function canonicalIPv6(text: string): string | undefined {
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
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
    const family = isIP(bare);
    if (family === 0) return { allowed: false, reason: 'not an IP address' };
    const canonical = family === 6 ? canonicalIPv6(bare) : bare;
    if (canonical === undefined) return { allowed: false, reason: 'not an IPv6 address a URL can name' };
    const ip: Address = ipaddr.parse(canonical);
    const inner = ip.kind() === 'ipv6' ? embeddedIPv4(ip as ipaddr.IPv6) : undefined;
    const candidates = inner ? [ip, inner] : [ip];
    if (candidates.some((c) => this.allowed.some(([net, bits]) => c.kind() === net.kind() && c.match(net, bits)))) {
      return { allowed: true };
    }
    const effective = inner ?? ip;
    const range = effective.range();
    if (range !== 'unicast') {
      return {
        allowed: false,
        reason: inner ? `${range} address inside ${ip.range()} (${inner})` : `${range} address`,
      };
    }
    const reserved = effective.kind() === 'ipv6' ? notGlobalUnicast(effective as ipaddr.IPv6) : undefined;
    return reserved === undefined ? { allowed: true } : { allowed: false, reason: reserved };
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
