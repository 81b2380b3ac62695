import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIPv4,
  hostPrefix,
  IP_PATTERN,
  IPV4_CIDR_PATTERN,
  IPV4_PATTERN,
  IPV6_PATTERN,
  ipv4ToNumber,
  isIPv4,
  isIPv6,
  POOL_ENTRY_PATTERN,
  parsePoolEntry,
} from './address.js';

// The grammar itself is tested in @bgplb/floating-ip-allocator (pool-entry.test.ts); here: the
// CRDs' OpenAPI patterns agree with it, so the API server refuses nothing our validation accepts.

const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom('256', '01', '00', ''));
const v4ish = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
// IPv6-looking text: valid addresses (fast-check's own generator, upper and lower case) and
// strings made of the characters an IPv6 address uses, so near misses are common.
const v6valid = fc.oneof(
  fc.ipV6(),
  fc.ipV6().map((t) => t.toUpperCase()),
);
const v6ish = fc.oneof(
  v6valid,
  fc.stringMatching(/^[0-9a-f:.]{0,24}$/),
  fc.tuple(v6valid, fc.constantFrom(':', '::', '.1', '0', ':1', '%eth0', ':::')).map(([a, b]) => a + b),
);
const entry = fc.oneof(
  v4ish,
  v6ish,
  fc.tuple(v6ish, v6ish).map(([a, b]) => `${a}-${b}`),
  fc.tuple(v6ish, fc.integer({ min: 0, max: 130 })).map(([a, n]) => `${a}/${n}`),
  fc.tuple(v4ish, v4ish).map(([a, b]) => `${a}-${b}`),
  fc.tuple(v4ish, fc.integer({ min: 0, max: 40 })).map(([a, n]) => `${a}/${n}`),
  fc.tuple(v4ish, fc.constantFrom('032', '', '-1')).map(([a, n]) => `${a}/${n}`),
  fc.string(),
);

describe('IPv4 helpers', () => {
  it('round-trips every 32-bit number, and isIPv4 is the OpenAPI pattern', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const text = formatIPv4(n);
        expect(isIPv4(text)).toBe(true);
        expect(ipv4ToNumber(text)).toBe(n);
      }),
    );
    const pattern = new RegExp(IPV4_PATTERN);
    fc.assert(
      fc.property(fc.oneof(v4ish, fc.string()), (text) => {
        expect(isIPv4(text)).toBe(pattern.test(text));
      }),
    );
  });

  it('is strict about IPv4 text and tells IPv6 apart', () => {
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1 ', '1.2.3.4.5', ''])
      expect(isIPv4(bad)).toBe(false);
    expect(ipv4ToNumber('10.0.0')).toBeUndefined();
    expect(isIPv6('2001:db8::1')).toBe(true);
    expect(isIPv6('fe80::1%eth0')).toBe(false);
    expect(isIPv6('10.0.0.1')).toBe(false);
  });
});

describe('OpenAPI patterns', () => {
  it('the IPv6 pattern is isIPv6 (ipaddr.js), and the address pattern accepts both families', () => {
    const v6 = new RegExp(IPV6_PATTERN);
    const ip = new RegExp(IP_PATTERN);
    fc.assert(
      fc.property(v6ish, (text) => {
        expect(v6.test(text)).toBe(isIPv6(text));
        expect(ip.test(text)).toBe(isIPv6(text) || isIPv4(text));
      }),
      { numRuns: 5000 },
    );
    for (const good of [
      '::',
      '::1',
      '1::',
      '2001:db8::1',
      '1:2:3:4:5:6:7:8',
      '::ffff:10.0.0.1',
      '1:2:3:4:5:6:1.2.3.4',
    ])
      expect([good, v6.test(good)]).toEqual([good, true]);
    for (const bad of [
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':1',
      '1:',
      '12345::',
      '::ffff:010.0.0.1',
      'fe80::1%eth0',
    ])
      expect([bad, v6.test(bad)]).toEqual([bad, false]);
  });

  it('accept every pool entry and prefix the grammar accepts', () => {
    const pool = new RegExp(POOL_ENTRY_PATTERN);
    const cidr = new RegExp(IPV4_CIDR_PATTERN);
    fc.assert(
      fc.property(entry, (text) => {
        // The pattern may be looser than the grammar (host bits, backwards ranges), never stricter.
        if (parsePoolEntry(text).ok) {
          expect(pool.test(text)).toBe(true);
          if (text.includes('/') && !text.includes(':')) expect(cidr.test(text)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('hostPrefix', () => {
  it('is /32 for IPv4 and /128 for IPv6', () => {
    expect(hostPrefix('10.0.0.8')).toBe('10.0.0.8/32');
    expect(hostPrefix('2001:db8::8')).toBe('2001:db8::8/128');
  });
});
