import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLocalOpen, negotiate } from './negotiate.js';
import { ipv4PrefixPaths, NextHopRewriter } from './next-hop-family.js';
import type { PathSpec } from './paths.js';

const OWN = '2001:db8::a';
const first = (paths: readonly PathSpec[]) => paths[0];

describe('ipv4PrefixPaths', () => {
  const v4a: PathSpec = { nextHop: '10.0.0.1', med: 1 };
  const v4b: PathSpec = { nextHop: '10.0.0.2', med: 2 };
  const v6: PathSpec = { nextHop: '2001:db8::99' };

  it('without RFC 8950: IPv6 next hops left out, the list itself kept when there are none', () => {
    const plain = [v4a, v4b];
    expect(ipv4PrefixPaths(plain, false, new NextHopRewriter(OWN), first)).toBe(plain);
    expect(ipv4PrefixPaths([v4a, v6], false, undefined, first)).toEqual([v4a]);
  });

  it('with RFC 8950 and our own IPv6 address: the IPv4 next hops become one path, shared per input path', () => {
    const own = new NextHopRewriter(OWN);
    const out = ipv4PrefixPaths([v4a, v4b], true, own, (p) => p[1]);
    expect(out).toEqual([{ nextHop: OWN, med: 2 }]);
    expect(ipv4PrefixPaths([v4b], true, own, first)[0]).toBe(out[0]);
    expect(Object.isFrozen(out[0])).toBe(true);
    expect(ipv4PrefixPaths([v4a, v6], true, own, first)).toEqual([v6, { nextHop: OWN, med: 1 }]);
    const mine = { nextHop: OWN, med: 9 };
    expect(ipv4PrefixPaths([v4a, mine], true, own, first)).toEqual([mine]);
    expect(ipv4PrefixPaths([v6], true, own, first)).toEqual([v6]);
    expect(ipv4PrefixPaths([v4a, v4b], true, own, () => undefined)).toEqual([]);
  });

  it('with RFC 8950 and no address of our own: the paths as given', () => {
    const paths = [v4a, v6];
    expect(ipv4PrefixPaths(paths, true, undefined, first)).toBe(paths);
  });

  it('property: never an IPv6 next hop without RFC 8950; with it and our address, at most one IPv4-derived path', () => {
    const hop = fc.oneof(
      fc.ipV4(),
      fc.ipV6().filter((a) => !a.includes('.')),
    );
    fc.assert(
      fc.property(fc.uniqueArray(hop, { maxLength: 8 }), fc.boolean(), (hops, enh) => {
        const paths = hops.map((nextHop) => ({ nextHop }));
        const out = ipv4PrefixPaths(paths, enh, new NextHopRewriter(OWN), first);
        const v4 = paths.filter((p) => !p.nextHop.includes(':'));
        if (!enh) expect(out).toEqual(v4);
        else {
          expect(out.filter((p) => !p.nextHop.includes(':'))).toEqual([]);
          expect(out.filter((p) => p.nextHop === OWN).length).toBe(
            v4.length > 0 || hops.includes(OWN) ? 1 : 0,
          );
        }
      }),
    );
  });
});

describe('RFC 8950 negotiation', () => {
  const open = (extendedNextHop: boolean, families: ('ipv4-unicast' | 'ipv6-unicast')[] = ['ipv4-unicast']) =>
    buildLocalOpen({
      asn: 65001,
      routerId: '10.0.0.1',
      holdTime: 90,
      families,
      addPath: true,
      extendedMessage: true,
      extendedNextHop,
    });
  const expect_ = { peerAsn: 65001, localAsn: 65002, localRouterId: '10.0.0.2' };

  it('offers IPv4 NLRI over an IPv6 next hop only when asked and carrying ipv4-unicast', () => {
    expect(open(true).capabilities).toContainEqual({
      type: 'extended-next-hop',
      entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
    });
    expect(open(false).capabilities.some((c) => c.type === 'extended-next-hop')).toBe(false);
    expect(open(true, ['ipv6-unicast']).capabilities.some((c) => c.type === 'extended-next-hop')).toBe(false);
  });

  it('is negotiated when both sides offer it', () => {
    const result = (a: boolean, b: boolean) => {
      const n = negotiate(open(a), open(b), expect_);
      if (!('extendedNextHop' in n)) throw new Error(n.message);
      return n.extendedNextHop;
    };
    expect([result(true, true), result(true, false), result(false, true)]).toEqual([true, false, false]);
  });
});
