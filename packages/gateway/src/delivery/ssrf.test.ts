import { describe, expect, it } from 'vitest';
import { AddressPolicy, guardedLookup, type Resolver, SsrfBlockedError } from './ssrf.js';

describe('AddressPolicy: only public unicast addresses', () => {
  const policy = new AddressPolicy();
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.0.0.5', /private/],
    ['172.16.3.4', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /linkLocal/], // cloud metadata
    ['100.64.0.1', /carrierGradeNat/],
    ['224.0.0.251', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['0.0.0.0', /unspecified/],
    ['198.18.0.1', /reserved/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fc00::1', /uniqueLocal/],
    ['fd12:3456::1', /uniqueLocal/],
    ['fe80::1', /linkLocal/],
    ['ff02::1', /multicast/],
    ['::ffff:127.0.0.1', /loopback address inside ipv4Mapped/],
    ['::ffff:169.254.169.254', /linkLocal address inside ipv4Mapped/],
    ['64:ff9b::7f00:1', /loopback address inside rfc6052/], // NAT64 of 127.0.0.1
    ['64:ff9b::a9fe:a9fe', /linkLocal address inside rfc6052/], // NAT64 of 169.254.169.254
    ['2002:7f00:1::', /loopback address inside 6to4/], // 6to4 of 127.0.0.1
    ['2002:0a00:0001::1', /private address inside 6to4/], // 6to4 of 10.0.0.1
    ['2001::1', /teredo/],
    ['[::1]', /loopback/],
    // Deprecated or unallocated forms ipaddr.js files under plain "unicast", decided one by one.
    ['::127.0.0.1', /deprecated IPv4-compatible address \(127\.0\.0\.1\)/], // RFC 4291 2.5.5.1
    ['::7f00:1', /deprecated IPv4-compatible address \(127\.0\.0\.1\)/], // the same, as URLs normalise it
    ['[::7f00:1]', /deprecated IPv4-compatible/],
    ['::a9fe:a9fe', /deprecated IPv4-compatible address \(169\.254\.169\.254\)/],
    ['::8.8.8.8', /deprecated IPv4-compatible/], // even a public one: no stack routes it as IPv4 today
    ['fe80::1%eth0', /not an IPv6 address a URL can name/],
    ['::1:7f00:1', /reserved address \(outside 2000::\/3/], // the rest of ::/8
    ['200::1', /reserved address/], // 0200::/7, once NSAP (RFC 4048)
    ['4000::1', /reserved address/],
    ['fe00::1', /reserved address/], // fe00::/9, reserved
    ['fec0::1', /deprecatedSiteLocal/], // site-local (RFC 3879)
    ['feff::1', /deprecatedSiteLocal/],
    ['64:ff9b:1::808:808', /rfc6052/], // local-use NAT64 (RFC 8215): where its IPv4 sits is the operator's choice
    ['2001:10::1', /deprecatedOrchid/], // ORCHID (RFC 4843)
    ['2001:20::1', /orchid2/], // ORCHIDv2: identifiers, not locators
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /teredo/], // Teredo: its client address is obfuscated
    ['100::1', /discard/],
    ['2001:db8::1', /reserved/], // documentation
    ['5f00::1', /segmentRouting/],
    ['::ffff:0:7f00:1', /rfc6145/], // IPv4-translated (SIIT)
  ];
  for (const [address, reason] of refused) {
    it(`refuses ${address}`, () => {
      const verdict = policy.check(address);
      expect(verdict.allowed).toBe(false);
      if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
    });
  }

  for (const address of [
    '8.8.8.8',
    '52.198.117.57',
    '2606:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1', // 6to4 of a public address
  ]) {
    it(`allows the public address ${address}`, () => {
      expect(policy.check(address)).toEqual({ allowed: true });
    });
  }

  it('refuses what is not an address at all', () => {
    expect(policy.check('example.com')).toMatchObject({ allowed: false, reason: 'not an IP address' });
  });

  it("lets an operator's subnets through, including their IPv6 transition forms", () => {
    const internal = new AddressPolicy(['10.20.0.0/16', 'fd00:1::/32']);
    expect(internal.check('10.20.3.4')).toEqual({ allowed: true });
    expect(internal.check('::ffff:10.20.3.4')).toEqual({ allowed: true });
    expect(internal.check('fd00:1::5')).toEqual({ allowed: true });
    expect(new AddressPolicy(['::/96']).check('::7f00:1')).toEqual({ allowed: true }); // exceptions come first
    expect(internal.check('10.21.0.1').allowed).toBe(false);
    expect(internal.check('127.0.0.1').allowed).toBe(false);
  });

  it('refuses a malformed subnet at start', () => {
    expect(() => new AddressPolicy(['10.0.0.0/99'])).toThrow(/CIDR/);
  });
});

describe('guardedLookup', () => {
  const resolverOf =
    (table: Record<string, string[]>): Resolver =>
    async (host) =>
      (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  const lookup = (resolver: Resolver, host: string, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
      guardedLookup(new AddressPolicy(), resolver)(host, options, (error, address, family) =>
        resolve({ error, address, family }),
      );
    });

  it('hands the socket the checked public address', async () => {
    const result = await lookup(resolverOf({ 'shop.example': ['93.184.216.34'] }), 'shop.example');
    expect(result).toEqual({ error: null, address: '93.184.216.34', family: 4 });
  });

  it('answers every checked address when Node races IPv4 and IPv6', async () => {
    const result = await lookup(resolverOf({ 'shop.example': ['93.184.216.34', '2606:2800::1'] }), 'shop.example', {
      all: true,
    });
    expect(result.address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800::1', family: 6 },
    ]);
  });

  it('refuses a name that resolves to loopback (DNS rebinding)', async () => {
    const result = await lookup(resolverOf({ 'rebind.example': ['127.0.0.1'] }), 'rebind.example');
    expect(result.error).toBeInstanceOf(SsrfBlockedError);
    expect(result.error?.message).toMatch(/rebind\.example \(127\.0\.0\.1\): loopback/);
  });

  it('refuses the whole name when any one of its addresses is internal', async () => {
    const result = await lookup(resolverOf({ 'mixed.example': ['93.184.216.34', '10.0.0.7'] }), 'mixed.example');
    expect(result.error).toBeInstanceOf(SsrfBlockedError);
  });

  it('reports a name without addresses as ENOTFOUND', async () => {
    const result = await lookup(resolverOf({}), 'nowhere.example');
    expect(result.error?.code).toBe('ENOTFOUND');
  });
});
