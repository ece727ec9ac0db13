// Who may post callbacks: exact addresses, ranges, both IP versions, and X-Forwarded-For
// believed only as far as the proxies the shop trusts.
import { describe, expect, it } from 'vitest';
import { IpAllowList, MIXPAY_CALLBACK_IPS } from './ip-allowlist.js';

const list = (allowedIps: string[], trustedProxies?: string[]) => new IpAllowList({ allowedIps, trustedProxies });

describe('IpAllowList.allows', () => {
  it('with no entries allows everyone (the body is never trusted anyway)', () => {
    const open = list([]);
    expect(open.enabled).toBe(false);
    expect(open.allows('203.0.113.9')).toBe(true);
    expect(open.allows(undefined)).toBe(true);
  });

  it('matches single IPv4 addresses exactly', () => {
    const allow = list(['52.198.117.57', '127.0.0.1']);
    expect(allow.enabled).toBe(true);
    expect(allow.allows('52.198.117.57')).toBe(true);
    expect(allow.allows('127.0.0.1')).toBe(true);
    expect(allow.allows('52.198.117.58')).toBe(false);
    expect(allow.allows('127.0.0.2')).toBe(false);
  });

  it('matches IPv4 CIDR ranges', () => {
    const allow = list(['10.0.0.0/8', '192.168.1.0/24']);
    expect(allow.allows('10.255.3.4')).toBe(true);
    expect(allow.allows('192.168.1.200')).toBe(true);
    expect(allow.allows('192.168.2.1')).toBe(false);
    expect(allow.allows('11.0.0.1')).toBe(false);
  });

  it('matches IPv6 addresses in any notation, and IPv6 ranges', () => {
    const allow = list(['2001:db8::1', 'fd00::/8']);
    expect(allow.allows('2001:db8::1')).toBe(true);
    expect(allow.allows('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe(true);
    expect(allow.allows('2001:db8::2')).toBe(false);
    expect(allow.allows('fd12:3456::9')).toBe(true);
    expect(allow.allows('fe80::1')).toBe(false);
  });

  it('never matches an IPv6 address against an IPv4 entry or the reverse', () => {
    expect(list(['127.0.0.1']).allows('::1')).toBe(false);
    expect(list(['::1']).allows('127.0.0.1')).toBe(false);
    expect(list(['0.0.0.0/0']).allows('2001:db8::1')).toBe(false);
  });

  it('treats IPv4-mapped IPv6 (a dual-stack socket) as the IPv4 address it is', () => {
    const allow = list(['52.198.117.57', '10.0.0.0/8']);
    expect(allow.allows('::ffff:52.198.117.57')).toBe(true);
    expect(allow.allows('::ffff:10.1.2.3')).toBe(true);
    expect(allow.allows('::ffff:52.198.117.58')).toBe(false);
  });

  it('accepts IPv4-mapped entries in the list too (as copied from a socket address)', () => {
    const allow = list(['::ffff:127.0.0.1', '::ffff:10.0.0.0/104']);
    expect(allow.allows('127.0.0.1')).toBe(true);
    expect(allow.allows('::ffff:127.0.0.1')).toBe(true);
    expect(allow.allows('10.9.8.7')).toBe(true);
    expect(allow.allows('127.0.0.2')).toBe(false);
  });

  it('MIXPAY_CALLBACK_IPS is the documented sender, 52.198.117.57', () => {
    expect(MIXPAY_CALLBACK_IPS).toEqual(['52.198.117.57']);
    const allow = list([...MIXPAY_CALLBACK_IPS]);
    expect(allow.allows('52.198.117.57')).toBe(true);
    expect(allow.allows('::ffff:52.198.117.57')).toBe(true);
    expect(allow.allows('127.0.0.1')).toBe(false);
  });

  it('fails closed when the address is unknown or not an address', () => {
    const allow = list(['52.198.117.57']);
    expect(allow.allows(undefined)).toBe(false);
    expect(allow.allows('')).toBe(false);
    expect(allow.allows('unknown')).toBe(false);
    expect(allow.allows('52.198.117.57, 1.2.3.4')).toBe(false);
  });

  it('does not read legacy IPv4 notations as addresses (no typo becomes another address)', () => {
    const allow = list(['52.198.0.117', '127.0.0.1']);
    expect(allow.allows('52.198.117')).toBe(false);
    expect(allow.allows('2130706433')).toBe(false);
    expect(allow.allows('0x7f.0.0.1')).toBe(false);
    expect(list(['52.198.117.57']).allows('885421369')).toBe(false);
  });

  it('refuses a malformed entry when it is built, not at the first callback', () => {
    expect(() => list(['52.198.117'])).toThrow(/not an IP address/);
    expect(() => list(['2130706433'])).toThrow();
    expect(() => list(['10.0/8'])).toThrow(/not an IP range/);
    expect(() => list(['10.0.0.0/33'])).toThrow();
    expect(() => list(['10.0.0.1'], ['not-an-ip'])).toThrow();
  });
});

describe('IpAllowList.clientAddress', () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    const allow = list(['52.198.117.57']);
    const caller = allow.clientAddress('203.0.113.9', '52.198.117.57');
    expect(caller).toBe('203.0.113.9');
    expect(allow.allows(caller)).toBe(false);
  });

  it('uses the socket address when there is no X-Forwarded-For', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8']);
    expect(allow.clientAddress('10.0.0.5', null)).toBe('10.0.0.5');
    expect(allow.clientAddress('10.0.0.5', '')).toBe('10.0.0.5');
  });

  it('honours X-Forwarded-For through a trusted proxy', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8']);
    const caller = allow.clientAddress('10.0.0.5', '52.198.117.57');
    expect(caller).toBe('52.198.117.57');
    expect(allow.allows(caller)).toBe(true);
  });

  it('honours a trusted proxy on a dual-stack socket', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8']);
    expect(allow.clientAddress('::ffff:10.0.0.5', '52.198.117.57')).toBe('52.198.117.57');
  });

  it('walks back through a chain of trusted proxies', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8', '172.16.0.1']);
    expect(allow.clientAddress('10.0.0.5', '52.198.117.57, 172.16.0.1,10.0.0.7')).toBe('52.198.117.57');
  });

  it('ignores spoofed leftmost entries: the nearest untrusted hop is the caller', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8']);
    // The attacker (203.0.113.9) sent "X-Forwarded-For: 52.198.117.57"; the proxy appended the real address.
    const caller = allow.clientAddress('10.0.0.5', '52.198.117.57, 203.0.113.9');
    expect(caller).toBe('203.0.113.9');
    expect(allow.allows(caller)).toBe(false);
  });

  it('does not believe X-Forwarded-For from a caller that is not a trusted proxy', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8']);
    expect(allow.clientAddress('203.0.113.9', '52.198.117.57')).toBe('203.0.113.9');
  });

  it('fails closed when every hop is a trusted proxy or a hop is garbage', () => {
    const allow = list(['52.198.117.57'], ['10.0.0.0/8']);
    const allProxies = allow.clientAddress('10.0.0.5', '10.0.0.6');
    expect(allProxies).toBeUndefined();
    expect(allow.allows(allProxies)).toBe(false);
    const garbage = allow.clientAddress('10.0.0.5', '52.198.117.57, unknown');
    expect(garbage).toBe('unknown');
    expect(allow.allows(garbage)).toBe(false);
  });
});
