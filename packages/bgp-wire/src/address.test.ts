import { describe, expect, it } from 'vitest';
import {
  afiOf,
  canonicalPrefix,
  formatAddress,
  formatIpv4Number,
  formatIpv6,
  formatPrefix,
  parseAddress,
  parseIpv4,
  parsePrefix,
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
