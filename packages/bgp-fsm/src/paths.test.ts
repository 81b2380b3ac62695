import { describe, expect, it } from 'vitest';
import {
  attributeKey,
  fnv1a,
  hashPathSelector,
  normalizePath,
  normalizePrefix,
  PathInterner,
  pathAttributes,
  summarizePath,
} from './paths.js';

describe('communities', () => {
  it('takes bgp-wire parseCommunity grammar in paths (names, ASN:VALUE, plain values) and names a bad one', () => {
    const attrs = pathAttributes(
      { nextHop: '10.0.0.1', communities: ['no-export', '65000:1', '4294967042', 'NO_EXPORT'] },
      { localAsn: 65001, ibgp: false },
    );
    expect(attrs.find((a) => a.type === 'communities')).toEqual({
      type: 'communities',
      communities: [65000 * 65536 + 1, 0xffffff01, 0xffffff02],
    });
    expect(() => normalizePath({ nextHop: '10.0.0.1', communities: ['70000:1'] }, '10.0.0.0/24')).toThrow(
      'community ASN 70000 in "70000:1" is over 65535',
    );
    expect(() => normalizePath({ nextHop: '10.0.0.1', largeCommunities: ['1:2'] }, '10.0.0.0/24')).toThrow(
      /GLOBAL:DATA1:DATA2/,
    );
  });
});

describe('prefixes and paths', () => {
  it('canonicalizes prefixes (host bits cleared) and refuses bad ones', () => {
    expect(normalizePrefix('10.1.2.3/8')).toBe('10.0.0.0/8');
    expect(normalizePrefix('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(normalizePrefix('2001:DB8::1/32')).toBe('2001:db8::/32');
    expect(() => normalizePrefix('10.0.0.0/33')).toThrow(/invalid prefix "10.0.0.0\/33"/);
    expect(() => normalizePrefix('banana')).toThrow(/invalid prefix/);
  });
  it('normalizes paths and checks every field', () => {
    expect(normalizePath({ nextHop: '2001:DB8::1', origin: 'igp', communities: [] }, 'p')).toEqual({
      nextHop: '2001:db8::1',
    });
    expect(
      normalizePath(
        { nextHop: '10.0.0.1', med: 5, localPref: 200, origin: 'egp', largeCommunities: ['1:2:3'] },
        'p',
      ),
    ).toEqual({
      nextHop: '10.0.0.1',
      med: 5,
      localPref: 200,
      origin: 'egp',
      largeCommunities: ['1:2:3'],
    });
    expect(() => normalizePath({ nextHop: 'x' }, '10.0.0.0/8')).toThrow(
      /path of 10.0.0.0\/8: next hop "x" is not an IP address/,
    );
    expect(() => normalizePath({ nextHop: '10.0.0.1', med: -1 }, 'p')).toThrow(/MED -1 is not a uint32/);
    expect(() => normalizePath({ nextHop: '10.0.0.1', localPref: 1.5 }, 'p')).toThrow(/LOCAL_PREF/);
    expect(() => normalizePath({ nextHop: '10.0.0.1', communities: ['bad'] }, 'p')).toThrow(/community/);
    expect(() => normalizePath({ nextHop: '10.0.0.1', origin: 'x' as 'igp' }, 'p')).toThrow(/origin "x"/);
    const many = Array.from({ length: 900 }, (_, i) => `65000:${i}`);
    expect(() => normalizePath({ nextHop: '10.0.0.1', communities: many }, 'p')).toThrow(
      /do not fit in one UPDATE/,
    );
  });
  it('interns equal paths into one shared object', () => {
    const interner = new PathInterner(2);
    const a = interner.intern({ nextHop: '10.0.0.1', med: 1 }, 'p');
    const b = interner.intern({ nextHop: '10.0.0.1', med: 1 }, 'p');
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    interner.intern({ nextHop: '10.0.0.2' }, 'p');
    interner.intern({ nextHop: '10.0.0.3' }, 'p');
    expect(interner.intern({ nextHop: '10.0.0.1', med: 1 }, 'p')).toEqual(a);
    expect(attributeKey(a)).toBe(attributeKey({ nextHop: '10.9.9.9', med: 1 }));
  });
});

describe('attributes for a peer', () => {
  it('eBGP: our ASN in AS_PATH, no LOCAL_PREF; iBGP: empty AS_PATH, LOCAL_PREF 100 by default', () => {
    const spec = {
      nextHop: '10.0.0.1',
      med: 7,
      communities: ['65000:2', '65000:1', '65000:1'],
      largeCommunities: ['1:2:3'],
    };
    const ebgp = pathAttributes(spec, { localAsn: 65001, ibgp: false });
    expect(ebgp.map((a) => a.type)).toEqual(['origin', 'as-path', 'med', 'communities', 'large-communities']);
    expect(ebgp[3]).toEqual({ type: 'communities', communities: [65000 * 65536 + 1, 65000 * 65536 + 2] });
    const ibgp = pathAttributes({ nextHop: '10.0.0.1' }, { localAsn: 65001, ibgp: true });
    expect(ibgp).toEqual([
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [] },
      { type: 'local-pref', localPref: 100 },
    ]);
    expect(summarizePath(spec, { localAsn: 65001, ibgp: false })).toBe(
      '[{Origin: i} 65001 {Nexthop: 10.0.0.1} {Med: 7} {Communities: 65000:1, 65000:2} {LargeCommunity: 1:2:3}]',
    );
    expect(summarizePath({ nextHop: '10.0.0.1', origin: 'incomplete' }, { localAsn: 1, ibgp: true })).toBe(
      '[{Origin: ?} {AsPath: } {Nexthop: 10.0.0.1} {LocalPref: 100}]',
    );
  });
});

describe('default path selector', () => {
  it('is deterministic, independent of path order, and spreads prefixes', () => {
    const paths = ['10.0.0.3', '10.0.0.1', '10.0.0.2'].map((nextHop) => ({ nextHop }));
    const reversed = [...paths].reverse();
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const prefix = `192.0.2.${i % 256}/32#${i}`;
      const a = hashPathSelector(prefix, paths)!;
      expect(hashPathSelector(prefix, reversed)).toEqual(a);
      counts.set(a.nextHop, (counts.get(a.nextHop) ?? 0) + 1);
    }
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
    expect(hashPathSelector('x', [])).toBeUndefined();
    expect(hashPathSelector('x', [{ nextHop: '1.1.1.1' }])).toEqual({ nextHop: '1.1.1.1' });
    expect(fnv1a('')).toBe(0x811c9dc5);
  });
});

describe('PathInterner.internList', () => {
  it('merges paths of one next hop (the last wins) and reuses the result for the same path objects', () => {
    const interner = new PathInterner();
    const hops = [{ nextHop: '10.0.0.1' }, { nextHop: '10.0.0.2', med: 1 }, { nextHop: '10.0.0.2', med: 2 }];
    const first = interner.internList(hops, '10.1.0.0/24');
    expect(first).toEqual([{ nextHop: '10.0.0.1' }, { nextHop: '10.0.0.2', med: 2 }]);
    expect(Object.isFrozen(first)).toBe(true);
    expect(interner.internList([...hops], '10.2.0.0/24')).toBe(first);
    // The caller's array changing afterwards does not leak into the cached list.
    hops.pop();
    const third = interner.internList(hops, '10.3.0.0/24');
    expect(third).not.toBe(first);
    expect(third).toEqual([{ nextHop: '10.0.0.1' }, { nextHop: '10.0.0.2', med: 1 }]);
  });
});

describe('link bandwidth', () => {
  it('sends a non-transitive link-bandwidth extended community with the local ASN, AS_TRANS for a 4-octet one', () => {
    const path = normalizePath({ nextHop: '10.0.0.1', linkBandwidth: 375_000 }, 'p');
    expect(path).toEqual({ nextHop: '10.0.0.1', linkBandwidth: 375_000 });
    expect(pathAttributes(path, { localAsn: 65001, ibgp: false })).toContainEqual({
      type: 'extended-communities',
      communities: [{ kind: 'link-bandwidth', asn: 65001, bandwidth: 375_000, transitive: false }],
    });
    expect(pathAttributes(path, { localAsn: 4273481990, ibgp: false })).toContainEqual({
      type: 'extended-communities',
      communities: [{ kind: 'link-bandwidth', asn: 23456, bandwidth: 375_000, transitive: false }],
    });
    expect(summarizePath(path, { localAsn: 65001, ibgp: false })).toContain('LB:65001:375000');
  });
  it('keeps paths that differ only in link bandwidth apart', () => {
    const a = { nextHop: '10.0.0.1', linkBandwidth: 125_000 };
    const b = { nextHop: '10.0.0.1', linkBandwidth: 250_000 };
    expect(attributeKey(a)).not.toBe(attributeKey(b));
    const interner = new PathInterner();
    expect(interner.intern(b, 'p').linkBandwidth).toBe(250_000);
    expect(interner.intern(a, 'p').linkBandwidth).toBe(125_000);
  });
  it('refuses a bandwidth that is not a positive float32', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e39]) {
      expect(() => normalizePath({ nextHop: '10.0.0.1', linkBandwidth: bad }, '10.0.0.2/32')).toThrow(
        `path of 10.0.0.2/32: link bandwidth ${bad} is not a positive number of bytes per second (float32)`,
      );
    }
  });
});

describe('AS-path prepend (graceful drain fallback)', () => {
  it('repeats our ASN toward eBGP peers, never toward iBGP, and keys paths apart', () => {
    const drained = { nextHop: '10.0.0.1', asPathPrepend: 3, communities: ['GRACEFUL_SHUTDOWN'] };
    expect(pathAttributes(drained, { localAsn: 65001, ibgp: false })[1]).toEqual({
      type: 'as-path',
      segments: [{ type: 'sequence', asns: [65001, 65001, 65001, 65001] }],
    });
    expect(pathAttributes(drained, { localAsn: 65001, ibgp: true })[1]).toEqual({
      type: 'as-path',
      segments: [],
    });
    expect(summarizePath(drained, { localAsn: 65001, ibgp: false })).toContain('65001 65001 65001 65001');
    expect(attributeKey(normalizePath(drained, 'p'))).not.toBe(
      attributeKey(normalizePath({ ...drained, asPathPrepend: 0 }, 'p')),
    );
    expect(normalizePath({ nextHop: '10.0.0.1', asPathPrepend: 0 }, 'p')).toEqual({ nextHop: '10.0.0.1' });
    expect(() => normalizePath({ nextHop: '10.0.0.1', asPathPrepend: 11 }, 'p')).toThrow(
      /AS-path prepend 11 is not an integer from 0 to 10/,
    );
  });
});
