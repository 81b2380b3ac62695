import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  afiOf,
  canonicalPrefix,
  formatAddress,
  formatIpv4Number,
  formatIpv6,
  formatIpv6Groups,
  formatPrefix,
  parseAddress,
  parseIpv4,
  parsePrefix,
  writePrefixText,
} from './address.js';

describe('IPv4 text', () => {
  it('parses dotted quads and rejects everything else', () => {
    expect(parseIpv4('10.0.1.10')).toBe(0x0a00010a);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '256.0.0.1',
      '01.2.3.4',
      '1..2.3',
      '1.2.3.',
      'a.b.c.d',
      '1.2.3.4 ',
    ]) {
      expect(parseIpv4(bad), bad).toBe(-1);
    }
    expect(formatIpv4Number(0xc0000201)).toBe('192.0.2.1');
  });
});

describe('IPv6 text (RFC 5952)', () => {
  it.each([
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
    ['fe80::1:2:3:4:5:6', 'fe80:0:1:2:3:4:5:6'],
  ])('%s -> %s', (input, canonical) => {
    expect(formatAddress(parseAddress(input))).toBe(canonical);
  });
  it.each([
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1',
    '1:',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7:1.2.3.4',
    ':::',
    'fe80::1%eth0',
    '',
  ])('rejects %s', (bad) => {
    expect(() => parseAddress(bad)).toThrow(TypeError);
  });
  it('formats from an offset', () => {
    const b = new Uint8Array(18);
    b[17] = 1;
    expect(formatIpv6(b, 2)).toBe('::1');
  });
  it('formats groups: the first of two equal zero runs is ::, a lone zero group is 0, no mapped rule', () => {
    expect(formatIpv6Groups([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6Groups([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6Groups([0, 0, 0, 0, 0, 0xffff, 0x0a00, 1])).toBe('::ffff:a00:1');
    expect(formatIpv6Groups([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
  });
});

describe('prefixes', () => {
  it('parses, clears host bits and formats', () => {
    expect(parsePrefix('10.1.2.3/8')).toEqual({ afi: 1, length: 8, address: Uint8Array.of(10, 0, 0, 0) });
    expect(canonicalPrefix('2001:db8::ff/120')).toBe('2001:db8::/120');
    expect(canonicalPrefix('10.0.0.1/32')).toBe('10.0.0.1/32');
    expect(canonicalPrefix('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(canonicalPrefix('::/0')).toBe('::/0');
    expect(formatPrefix({ afi: 1, length: 32, address: Uint8Array.of(10, 0, 0, 1) })).toBe('10.0.0.1/32');
    expect(formatPrefix({ afi: 2, length: 16, address: Uint8Array.of(0x20, 0x01) })).toBe('2001::/16');
    expect(afiOf('2001:db8::/32')).toBe(2);
  });
  it.each(['10.0.0.0', '10.0.0.0/', '10.0.0.0/33', '10.0.0.0/2x', '2001:db8::/129', 'x/8', '10.0.0.0/1234'])(
    'rejects %s',
    (bad) => {
      expect(() => parsePrefix(bad)).toThrow(TypeError);
    },
  );
});

describe('writePrefixText IPv4 fast path', () => {
  it('agrees with a reference parser on near-valid text (leading zeros, out of range, odd lengths)', () => {
    const octet = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map(String),
      fc.constantFrom('00', '01', '007', '0', '1000', ''),
    );
    const len = fc.oneof(
      fc.integer({ min: 0, max: 40 }).map(String),
      fc.constantFrom('08', '024', '', 'x', '1 '),
    );
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), len, (octets, length) => {
        const text = `${octets.join('.')}/${length}`;
        const okOctet = (o: string) =>
          /^\d{1,3}$/.test(o) && Number(o) <= 255 && !(o.length > 1 && o.startsWith('0'));
        const valid = octets.every(okOctet) && /^\d{1,3}$/.test(length) && Number(length) <= 32;
        const out = new Uint8Array(8);
        if (!valid) {
          expect(() => writePrefixText(text, out, 0)).toThrow(TypeError);
          return;
        }
        const end = writePrefixText(text, out, 0);
        const l = Number(length);
        const v = octets.reduce((a, o) => a * 256 + Number(o), 0);
        const masked = l === 0 ? 0 : (v & (0xffffffff << (32 - l))) >>> 0;
        const n = (l + 7) >>> 3;
        expect(end).toBe(1 + n);
        expect(Array.from(out.subarray(0, end))).toEqual([
          l,
          ...[24, 16, 8, 0].slice(0, n).map((sh) => (masked >>> sh) & 255),
        ]);
      }),
      { numRuns: 2000 },
    );
  });
});
