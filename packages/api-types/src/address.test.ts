import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findOverlaps,
  ipv4ToNumber,
  isIPv4,
  isIPv6,
  numberToIPv4,
  parsePoolEntry,
  rangeContains,
  rangesOverlap,
} from './address.js';

describe('IPv4 helpers', () => {
  it('round-trips every 32-bit number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const text = numberToIPv4(n);
        expect(isIPv4(text)).toBe(true);
        expect(ipv4ToNumber(text)).toBe(n);
      }),
    );
  });

  it('is strict about IPv4 text and tells IPv6 apart', () => {
    expect(isIPv4('10.0.0.1')).toBe(true);
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1 ', '1.2.3.4.5', ''])
      expect(isIPv4(bad)).toBe(false);
    expect(isIPv6('2001:db8::1')).toBe(true);
    expect(isIPv6('10.0.0.1')).toBe(false);
    expect(isIPv6('not:an:address::x')).toBe(false);
  });
});

describe('parsePoolEntry', () => {
  it('reads ranges and CIDRs', () => {
    expect(parsePoolEntry('10.0.0.1-10.0.0.4')).toEqual({
      ok: true,
      range: { start: 167772161, end: 167772164 },
    });
    expect(parsePoolEntry('10.0.0.0/30')).toEqual({ ok: true, range: { start: 167772160, end: 167772163 } });
    expect(parsePoolEntry('10.0.0.7/32')).toEqual({ ok: true, range: { start: 167772167, end: 167772167 } });
    expect(parsePoolEntry('0.0.0.0/0')).toEqual({ ok: true, range: { start: 0, end: 0xffffffff } });
    expect(parsePoolEntry('10.0.0.5-10.0.0.5')).toEqual({
      ok: true,
      range: { start: 167772165, end: 167772165 },
    });
  });

  it.each([
    [
      '10.0.0.4-10.0.0.1',
      'range "10.0.0.4-10.0.0.1" is written backwards: start 10.0.0.4 is after end 10.0.0.1 (write 10.0.0.1-10.0.0.4)',
    ],
    ['2001:db8::1-2001:db8::4', 'IPv6 range "2001:db8::1-2001:db8::4" is not supported yet (IPv4 only)'],
    ['10.0.0.1-2001:db8::4', 'range "10.0.0.1-2001:db8::4" mixes IPv4 and IPv6; both ends must be IPv4'],
    ['10.0.0.1-10.0.0', 'range "10.0.0.1-10.0.0": "10.0.0" is not a valid IPv4 address'],
    ['x-10.0.0.1', 'range "x-10.0.0.1": "x" is not a valid IPv4 address'],
    ['10.0.0.1/30', 'CIDR "10.0.0.1/30" has host bits set; the network is 10.0.0.0/30'],
    ['10.0.0.0/33', '"10.0.0.0/33": prefix length "33" is not in 0..32'],
    ['10.0.0/24', '"10.0.0/24": "10.0.0" is not a valid IPv4 address'],
    ['2001:db8::/64', 'IPv6 prefix "2001:db8::/64" is not supported yet (IPv4 only)'],
    ['2001:db8::1', 'IPv6 address "2001:db8::1" is not supported yet (IPv4 only)'],
    [
      '10.0.0.1',
      '"10.0.0.1" is neither a range (10.0.0.1-10.0.0.4) nor a CIDR (10.0.0.0/30); a single address is written a.b.c.d/32',
    ],
  ])('refuses %s', (entry, message) => {
    expect(parsePoolEntry(entry)).toEqual({ ok: false, message });
  });

  it('finds overlaps and containment', () => {
    const a = { start: 10, end: 20 };
    expect(rangesOverlap(a, { start: 20, end: 30 })).toBe(true);
    expect(rangesOverlap(a, { start: 21, end: 30 })).toBe(false);
    expect(rangesOverlap(a, { start: 0, end: 9 })).toBe(false);
    expect(rangeContains(a, 10)).toBe(true);
    expect(rangeContains(a, 21)).toBe(false);
  });

  it('agrees with itself: a CIDR covers exactly 2^(32-len) addresses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (n, len) => {
        const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
        const result = parsePoolEntry(`${numberToIPv4((n & mask) >>> 0)}/${len}`);
        expect(result.ok && result.range.end - result.range.start + 1).toBe(2 ** (32 - len));
      }),
    );
  });
});

describe('findOverlaps', () => {
  const range = fc
    .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 }))
    .map(([start, size]) => ({ start, end: start + size }));

  it('finds an overlap exactly when two ranges share an address, and only real ones', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 30 }), (ranges) => {
        const pairs = findOverlaps(ranges);
        const any = ranges.some((a, i) => ranges.some((b, j) => i < j && rangesOverlap(a, b)));
        expect(pairs.length > 0).toBe(any);
        for (const [earlier, later] of pairs) {
          expect(earlier).toBeLessThan(later);
          expect(rangesOverlap(ranges[earlier]!, ranges[later]!)).toBe(true);
        }
        expect(new Set(pairs.map(([, later]) => later)).size).toBe(pairs.length);
      }),
    );
  });

  it('reports the later entry against the earlier one', () => {
    expect(
      findOverlaps([
        { start: 5, end: 9 },
        { start: 0, end: 100 },
        { start: 200, end: 300 },
      ]),
    ).toEqual([[0, 1]]);
  });
});
