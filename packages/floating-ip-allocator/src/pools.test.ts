import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePoolEntry } from './pool-entry.js';
import { countBuggy, parsePools } from './pools.js';

describe('parsePools', () => {
  it('parses ranges, CIDRs and single addresses written as /32', () => {
    const r = parsePools([
      {
        name: 'pool1',
        addresses: ['10.0.0.1-10.0.0.4', '10.0.1.0/30', '10.0.2.7/32', '10.0.3.1-10.0.3.2'],
      },
      { name: 'v6', addresses: ['2001:db8::/126'] },
    ]);
    expect(r.errors).toEqual([]);
    expect(r.pools[0]).toMatchObject({
      name: 'pool1',
      size: 4 + 4 + 1 + 2,
      avoidBuggyIPs: false,
      manualAssign: false,
    });
    expect(r.pools[0]!.ranges.map((x) => `${x.first}-${x.last}`)).toEqual([
      '10.0.0.1-10.0.0.4',
      '10.0.1.0-10.0.1.3',
      '10.0.2.7-10.0.2.7',
      '10.0.3.1-10.0.3.2',
    ]);
    expect(r.pools[1]).toMatchObject({
      size: 3, // 2001:db8:: is the subnet-router anycast address
      ranges: [{ family: 6, first: '2001:db8::', last: '2001:db8::3', prefix: 126 }],
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('reports overlapping pools and keeps the earlier one', () => {
    const r = parsePools([
      { name: 'a', addresses: ['10.0.0.0/24'] },
      { name: 'b', addresses: ['10.0.0.128-10.0.1.5', '10.0.2.0/24'] },
    ]);
    expect(r.errors).toEqual([
      {
        pool: 'b',
        entry: '10.0.0.128-10.0.1.5',
        index: 0,
        message: 'pool "b": 10.0.0.128-10.0.1.5 overlaps 10.0.0.0-10.0.0.255 of pool "a"; entry ignored',
      },
    ]);
    expect(r.pools[1]!.ranges).toHaveLength(1);
    expect(r.pools[1]!.size).toBe(256);
  });

  it('reports overlaps inside one pool', () => {
    const r = parsePools([{ name: 'a', addresses: ['10.0.0.0/30', '10.0.0.3/32'] }]);
    expect(r.errors[0]!.message).toMatch(/another entry of the same pool/);
  });

  it.each([
    ['10.0.0.5-10.0.0.1', /written backwards/],
    ['10.0.0.1-2001:db8::1', /mixes IPv4 and IPv6/],
    ['10.0.0.1-10.0.0', /"10.0.0" is not a valid IPv4 address/],
    ['10.0.0-10.0.0.1', /"10.0.0" is not a valid IPv4 address/],
    ['10.0.0.7', /a single address is written a.b.c.d\/32/],
    [' 10.0.0.0/30', /contains whitespace/],
    ['10.0.0.1 - 10.0.0.2', /contains whitespace/],
    ['2001:db8::1/126', /host bits set; the network is 2001:db8::\/126/],
    ['2001:db8::5-2001:db8::1', /written backwards/],
    ['10.0.0.0/032', /prefix length "032" is not in 0..32/],
    ['10.0.0.5/30', /host bits set; the network is 10.0.0.4\/30/],
    ['10.0.0.0/40', /prefix length/],
    ['pool', /neither a range \(10.0.0.1-10.0.0.4\) nor a CIDR/],
    ['', /empty address entry/],
  ])('rejects the malformed entry %j', (entry, message) => {
    const r = parsePools([{ name: 'p', addresses: [entry, '192.168.0.0/30'] }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ pool: 'p', entry });
    expect(r.errors[0]!.message).toMatch(message);
    expect(r.pools[0]!.size).toBe(4); // the good entry survives
  });

  it('reports a non-string entry (a number from YAML) clearly', () => {
    const r = parsePools([{ name: 'p', addresses: [42 as unknown as string] }]);
    expect(r.errors[0]!.message).toBe('pool "p": address entry must be a string, got 42');
  });

  it('reports nameless, duplicate and empty pools', () => {
    const r = parsePools([
      { name: '', addresses: ['10.0.0.0/30'] },
      { name: 'a', addresses: [] },
      { name: 'a', addresses: ['10.0.1.0/30'] },
      { name: 'b', addresses: 'x' as unknown as string[] },
    ]);
    expect(r.errors.map((e) => e.message)).toEqual([
      'address pool has no name',
      'address pool "a" has no addresses',
      'duplicate address pool name "a"; the later pool is ignored',
      'address pool "b" has no addresses',
    ]);
    expect(r.pools.map((p) => p.name)).toEqual(['a', 'b']);
    expect(parsePools(undefined as unknown as []).pools).toEqual([]);
  });

  it('avoidBuggyIPs removes .0 and .255 from the size (IPv4 only)', () => {
    const r = parsePools([
      { name: 'a', addresses: ['10.0.0.0/23'], avoidBuggyIPs: true },
      { name: 'b', addresses: ['2001:db8::/120'], avoidBuggyIPs: true, manualAssign: true },
    ]);
    expect(r.pools[0]!.size).toBe(512 - 4);
    expect(r.pools[1]).toMatchObject({ size: 255, manualAssign: true }); // minus the anycast 2001:db8::
  });

  it('countBuggy matches brute force', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(2000), (start, len) => {
        let n = 0;
        for (let x = start; x <= start + len; x++) if (x % 256 === 0 || x % 256 === 255) n++;
        expect(countBuggy(BigInt(start), BigInt(start + len))).toBe(BigInt(n));
      }),
    );
  });

  it('parsePoolEntry never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parsePoolEntry(s);
        if (r.ok) expect(r.value.first <= r.value.last).toBe(true);
        else expect(r.error.length).toBeGreaterThan(0);
      }),
    );
  });
});
