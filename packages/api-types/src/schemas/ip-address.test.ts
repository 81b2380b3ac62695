import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BGPAdvertisedRouteSpec } from './bgp-advertised-route.js';
import { BGPSessionSpec } from './bgp-session.js';
import { IPAddress, IPPrefix, ipAddressProblem } from './primitives.js';

const LINK_LOCAL = (ip: string) =>
  `link-local address ${ip} is refused: it is ambiguous without an interface, and bgplb binds sessions and addresses by address alone; use a global or unique-local (fc00::/7) address`;

function issues(
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: unknown[] } } },
  v: unknown,
) {
  const r = schema.safeParse(v);
  return r.success ? [] : (r.error?.issues ?? []).map((i) => (i as { message: string }).message);
}

describe('IPAddress', () => {
  it('accepts dotted quads and RFC 5952 IPv6', () => {
    for (const ip of ['10.0.0.1', '2001:db8::1', 'fd00::8', '::1', '2001:db8:0:1:1:1:1:1'])
      expect(ipAddressProblem(ip), ip).toBeUndefined();
  });

  it('refuses, with the reason, what an address field must not hold', () => {
    expect(ipAddressProblem('2001:DB8::1')).toBe('2001:DB8::1 is not in RFC 5952 form; write 2001:db8::1');
    expect(ipAddressProblem('2001:db8:0:0::1')).toBe(
      '2001:db8:0:0::1 is not in RFC 5952 form; write 2001:db8::1',
    );
    expect(ipAddressProblem('fe80::1')).toBe(LINK_LOCAL('fe80::1'));
    expect(ipAddressProblem('febf::1')).toBe(LINK_LOCAL('febf::1'));
    expect(ipAddressProblem('fec0::1')).toBeUndefined();
    expect(ipAddressProblem('fe80::1%eth0')).toBe(LINK_LOCAL('fe80::1%eth0'));
    expect(ipAddressProblem('2001:db8::1%eth0')).toBe(
      '"2001:db8::1%eth0" has a zone index (%eth0); write the address without it',
    );
    expect(ipAddressProblem('::ffff:10.0.0.8')).toBe(
      '::ffff:10.0.0.8 is an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.8',
    );
    expect(ipAddressProblem('10.0.0.256')).toBe('"10.0.0.256" is not a valid IPv4 (a.b.c.d) or IPv6 address');
    expect(ipAddressProblem('010.0.0.1')).toBe('"010.0.0.1" is not a valid IPv4 (a.b.c.d) or IPv6 address');
    expect(issues(IPAddress, 'x')).toEqual(['"x" is not a valid IPv4 (a.b.c.d) or IPv6 address']);
  });

  it('accepts an IPv6 address exactly when its text is the canonical one (property)', () => {
    const words = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
    fc.assert(
      fc.property(words, fc.boolean(), (groups, upper) => {
        const full = groups.map((g) => g.toString(16)).join(':');
        const text = upper ? full.toUpperCase() : full;
        const problem = ipAddressProblem(text);
        const linkLocal = (groups[0]! & 0xffc0) === 0xfe80;
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        if (problem === undefined) expect(linkLocal || mapped).toBe(false);
        if (!linkLocal && !mapped && problem !== undefined)
          expect(problem).toMatch(/is not in RFC 5952 form; write /);
      }),
    );
  });
});

describe('IPPrefix', () => {
  it('takes /32 and /128 host prefixes and networks of either family', () => {
    for (const p of ['10.0.0.8/32', '2001:db8::8/128', '10.0.0.0/24', '2001:db8::/64'])
      expect(issues(IPPrefix, p), p).toEqual([]);
  });

  it('says what is wrong', () => {
    expect(issues(IPPrefix, '2001:DB8::8/128')).toEqual([
      '2001:DB8::8 is not in RFC 5952 form; write 2001:db8::8',
    ]);
    expect(issues(IPPrefix, '2001:db8::8/64')).toEqual([
      'CIDR "2001:db8::8/64" has host bits set; the network is 2001:db8::/64',
    ]);
    expect(issues(IPPrefix, '2001:db8::8')).toEqual([
      '"2001:db8::8" is not a prefix such as 10.0.0.8/32 or 2001:db8::8/128',
    ]);
    expect(issues(IPPrefix, '10.0.0.1-10.0.0.2/32')).toEqual([
      '"10.0.0.1-10.0.0.2/32" is not a prefix such as 10.0.0.8/32 or 2001:db8::8/128',
    ]);
  });
});

describe('same-family rules of BGPAdvertisedRoute and BGPSession', () => {
  const route = {
    prefix: '2001:db8::5/128',
    nextHops: ['2001:db8:1::10', '2001:db8:1::11'],
    service: { namespace: 'default', name: 'web' },
  };

  it('accepts an IPv6 route with IPv6 next hops, weights and drain', () => {
    expect(
      issues(BGPAdvertisedRouteSpec, {
        ...route,
        weights: { '2001:db8:1::10': 1, '2001:db8:1::11': 2 },
        drain: { nextHops: ['2001:db8:1::11'], medIncrease: 0, asPathPrepend: 0 },
      }),
    ).toEqual([]);
  });

  it('refuses next hops of the other family, in nextHops and drain.nextHops', () => {
    expect(issues(BGPAdvertisedRouteSpec, { ...route, nextHops: ['2001:db8:1::10', '10.0.1.10'] })).toEqual([
      "next hop 10.0.1.10 (IPv4) is not of the family of prefix 2001:db8::5/128 (IPv6): next hops are the nodes' addresses of the prefix's family",
    ]);
    expect(
      issues(BGPAdvertisedRouteSpec, {
        prefix: '10.0.0.5/32',
        nextHops: ['10.0.1.10'],
        service: route.service,
        drain: { nextHops: ['2001:db8:1::10'], medIncrease: 0, asPathPrepend: 0 },
      }),
    ).toEqual([
      "next hop 2001:db8:1::10 (IPv6) is not of the family of prefix 10.0.0.5/32 (IPv4): next hops are the nodes' addresses of the prefix's family",
    ]);
  });

  it('a session has two ends of one family; its floating IP may be of the other', () => {
    const spec = {
      floatingIP: '10.0.3.100',
      localASN: 65001,
      localIP: '2001:db8:3::10',
      nodeName: 'lb-1',
      peerASN: 65002,
      peerIP: '2001:db8:3::fe',
    };
    expect(issues(BGPSessionSpec, spec)).toEqual([]);
    expect(issues(BGPSessionSpec, { ...spec, localIP: '10.0.3.100' })).toEqual([
      "localIP 10.0.3.100 (IPv4) and peerIP 2001:db8:3::fe (IPv6) differ in family: a session's two ends are of one family",
    ]);
  });
});
