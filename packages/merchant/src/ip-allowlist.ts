// Which callers may post callbacks. MixPay sends from one address; behind a proxy the
// caller is read from X-Forwarded-For only as far as the proxies the shop trusts.
import ipaddr from 'ipaddr.js';

/** MixPay's documented callback sender. */
export const MIXPAY_CALLBACK_IPS: readonly string[] = ['52.198.117.57'];

export interface AllowListOptions {
  /** Addresses or CIDR ranges allowed to post callbacks. Empty: anyone (the body is never trusted anyway). */
  allowedIps: readonly string[];
  /**
   * Proxies in front of the shop whose X-Forwarded-For is believed: their addresses or CIDR
   * ranges. Empty (default): the socket's address is the caller, X-Forwarded-For is ignored.
   */
  trustedProxies?: readonly string[];
}

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Only the usual notations: ipaddr.js alone also takes legacy IPv4 forms (`52.198.117` is
 * 52.198.0.117, `2130706433` is 127.0.0.1), which would turn a typo into another address.
 */
const isStrictIp = (text: string) => ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
const isStrictCidr = (text: string) => ipaddr.IPv4.isValidCIDRFourPartDecimal(text) || ipaddr.IPv6.isValidCIDR(text);

function parseRange(text: string): Range {
  if (text.includes('/')) {
    if (!isStrictCidr(text)) throw new Error(`not an IP range: ${text}`);
    const [net, bits] = ipaddr.parseCIDR(text);
    // `::ffff:10.0.0.0/104` is the IPv4 range 10.0.0.0/8, as callers are compared in IPv4.
    if (net.kind() === 'ipv6' && (net as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(net as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [net, bits];
  }
  const ip = normalize(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  return [ip, ip.kind() === 'ipv4' ? 32 : 128];
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) is compared as the IPv4 address it is. */
function normalize(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!isStrictIp(text)) return undefined;
  const ip = ipaddr.parse(text);
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function inRanges(ip: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly Range[]): boolean {
  return ranges.some(([net, bits]) => ip.kind() === net.kind() && ip.match([net, bits] as never));
}

export class IpAllowList {
  private readonly allowed: Range[];
  private readonly proxies: Range[];

  constructor(options: AllowListOptions) {
    this.allowed = options.allowedIps.map(parseRange);
    this.proxies = (options.trustedProxies ?? []).map(parseRange);
  }

  get enabled(): boolean {
    return this.allowed.length > 0;
  }

  /** The caller's address: the socket's, or the nearest untrusted hop of X-Forwarded-For. */
  clientAddress(remoteAddress: string | undefined, forwardedFor: string | null): string | undefined {
    let current = remoteAddress;
    if (this.proxies.length === 0 || !forwardedFor) return current;
    const hops = forwardedFor
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    while (current !== undefined) {
      const ip = normalize(current);
      if (!ip || !inRanges(ip, this.proxies)) return current;
      current = hops.pop();
    }
    return current;
  }

  /** Fails closed: with an allow-list, an unknown address is refused. */
  allows(address: string | undefined): boolean {
    if (!this.enabled) return true;
    const ip = address === undefined ? undefined : normalize(address);
    return ip !== undefined && inRanges(ip, this.allowed);
  }
}
