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

  const matching: { name: string; entries: string[]; allowed: string[]; refused: (string | undefined)[] }[] = [
    {
      name: 'matches single IPv4 addresses exactly',
      entries: ['52.198.117.57', '127.0.0.1'],
      allowed: ['52.198.117.57', '127.0.0.1'],
      refused: ['52.198.117.58', '127.0.0.2'],
    },
    {
      name: 'matches IPv4 CIDR ranges',
      entries: ['10.0.0.0/8', '192.168.1.0/24'],
      allowed: ['10.255.3.4', '192.168.1.200'],
      refused: ['192.168.2.1', '11.0.0.1'],
    },
    {
      name: 'matches IPv6 addresses in any notation, and IPv6 ranges',
      entries: ['2001:db8::1', 'fd00::/8'],
      allowed: ['2001:db8::1', '2001:0db8:0000:0000:0000:0000:0000:0001', 'fd12:3456::9'],
      refused: ['2001:db8::2', 'fe80::1'],
    },
    {
      name: 'treats IPv4-mapped IPv6 (a dual-stack socket) as the IPv4 address it is',
      entries: ['52.198.117.57', '10.0.0.0/8'],
      allowed: ['::ffff:52.198.117.57', '::ffff:10.1.2.3'],
      refused: ['::ffff:52.198.117.58'],
    },
    {
      name: 'accepts IPv4-mapped entries in the list too (as copied from a socket address)',
      entries: ['::ffff:127.0.0.1', '::ffff:10.0.0.0/104'],
      allowed: ['127.0.0.1', '::ffff:127.0.0.1', '10.9.8.7'],
      refused: ['127.0.0.2'],
    },
    {
      name: 'fails closed when the address is unknown or not an address',
      entries: ['52.198.117.57'],
      allowed: [],
      refused: [undefined, '', 'unknown', '52.198.117.57, 1.2.3.4'],
    },
    {
      // Each refused spelling is, read the legacy way, an entry of the list: 52.198.0.117, 127.0.0.1, 52.198.117.57.
      name: 'does not read legacy IPv4 notations as addresses (no typo becomes another address)',
      entries: ['52.198.0.117', '127.0.0.1', '52.198.117.57'],
      allowed: [],
      refused: ['52.198.117', '2130706433', '0x7f.0.0.1', '885421369'],
    },
  ];
  for (const { name, entries, allowed, refused } of matching) {
    it(name, () => {
      const allow = list(entries);
      expect(allow.enabled).toBe(true);
      for (const address of allowed) expect(allow.allows(address), address).toBe(true);
      for (const address of refused) expect(allow.allows(address), String(address)).toBe(false);
    });
  }

  it('never matches an IPv6 address against an IPv4 entry or the reverse', () => {
    expect(list(['127.0.0.1']).allows('::1')).toBe(false);
    expect(list(['::1']).allows('127.0.0.1')).toBe(false);
    expect(list(['0.0.0.0/0']).allows('2001:db8::1')).toBe(false);
  });

  it('MIXPAY_CALLBACK_IPS is the documented sender, 52.198.117.57', () => {
    expect(MIXPAY_CALLBACK_IPS).toEqual(['52.198.117.57']);
    const allow = list([...MIXPAY_CALLBACK_IPS]);
    expect(allow.allows('52.198.117.57')).toBe(true);
    expect(allow.allows('::ffff:52.198.117.57')).toBe(true);
    expect(allow.allows('127.0.0.1')).toBe(false);
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
  /** One request as the list sees it: [socket address, X-Forwarded-For, the caller it must pick]. */
  type Seen = [socket: string, forwardedFor: string | null, caller: string | undefined];
  const PROXY_NET = ['10.0.0.0/8'];

  // Only 52.198.117.57 is allowed, so a test that picks any other caller also shows it refused.
  it.each<[name: string, trustedProxies: string[] | undefined, seen: Seen[]]>([
    ['ignores X-Forwarded-For when no proxy is trusted', undefined, [['203.0.113.9', '52.198.117.57', '203.0.113.9']]],
    [
      'uses the socket address when there is no X-Forwarded-For',
      PROXY_NET,
      [
        ['10.0.0.5', null, '10.0.0.5'],
        ['10.0.0.5', '', '10.0.0.5'],
      ],
    ],
    ['honours X-Forwarded-For through a trusted proxy', PROXY_NET, [['10.0.0.5', '52.198.117.57', '52.198.117.57']]],
    [
      'honours a trusted proxy on a dual-stack socket',
      PROXY_NET,
      [['::ffff:10.0.0.5', '52.198.117.57', '52.198.117.57']],
    ],
    [
      'walks back through a chain of trusted proxies',
      [...PROXY_NET, '172.16.0.1'],
      [['10.0.0.5', '52.198.117.57, 172.16.0.1,10.0.0.7', '52.198.117.57']],
    ],
    // The attacker (203.0.113.9) sent "X-Forwarded-For: 52.198.117.57"; the proxy appended the real address.
    [
      'ignores spoofed leftmost entries: the nearest untrusted hop is the caller',
      PROXY_NET,
      [['10.0.0.5', '52.198.117.57, 203.0.113.9', '203.0.113.9']],
    ],
    [
      'does not believe X-Forwarded-For from a caller that is not a trusted proxy',
      PROXY_NET,
      [['203.0.113.9', '52.198.117.57', '203.0.113.9']],
    ],
    [
      'fails closed when every hop is a trusted proxy or a hop is garbage',
      PROXY_NET,
      [
        ['10.0.0.5', '10.0.0.6', undefined],
        ['10.0.0.5', '52.198.117.57, unknown', 'unknown'],
      ],
    ],
  ])('%s', (_name, trustedProxies, seen) => {
    const allow = list(['52.198.117.57'], trustedProxies);
    for (const [socket, forwardedFor, caller] of seen) {
      const picked = allow.clientAddress(socket, forwardedFor);
      expect(picked).toBe(caller);
      expect(allow.allows(picked)).toBe(caller === '52.198.117.57');
    }
  });
});
