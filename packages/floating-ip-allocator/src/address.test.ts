import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  addressFamily,
  canonicalAddress,
  compareAddresses,
  familyName,
  fastIPv6,
  formatAddress,
  formatIPv6,
  formatNetwork,
  inSubnet,
  parseAddress,
  parseCIDR,
  toMillis,
} from './address.js';

describe('parseAddress', () => {
  it('parses canonical IPv4 on the fast path and IPv6 through ipaddr.js', () => {
    expect(parseAddress('10.0.1.100')).toEqual({ ok: true, value: { family: 4, value: 0x0a000164n } });
    expect(parseAddress('255.255.255.255')).toEqual({ ok: true, value: { family: 4, value: 0xffffffffn } });
    expect(parseAddress('0.0.0.0')).toEqual({ ok: true, value: { family: 4, value: 0n } });
    expect(parseAddress('2001:db8::1')).toEqual({
      ok: true,
      value: { family: 6, value: 0x20010db8000000000000000000000001n },
    });
    expect(parseAddress('::ffff:10.0.0.1')).toEqual({
      ok: true,
      value: { family: 6, value: 0xffff0a000001n },
    });
  });

  it.each([
    '',
    '10.0.1',
    '10.0.1.256',
    '10.0.1.1.1',
    '010.0.0.1',
    '10..0.1',
    '10.0.0.1 ',
    '0x0a.0.0.1',
    '10.0.0.-1',
    'not-an-ip',
    '1.2.3.4.',
    '.1.2.3',
    '::ffff:10.0.0.01',
    '::1.2.3',
    '1:2:3:4:5:6:7:8:9',
  ])('rejects %j with a message', (text) => {
    const r = parseAddress(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/not a valid IPv4/);
  });

  it('says what is wrong with a zone index', () => {
    expect(parseAddress('fe80::1%eth0')).toEqual({
      ok: false,
      error: '"fe80::1%eth0" has a zone index (%eth0); write the address without it',
    });
    expect(parseAddress('x%eth0')).toMatchObject({
      error: '"x%eth0" is not a valid IPv4 (a.b.c.d) or IPv6 address',
    });
  });

  it('rejects non-strings without throwing', () => {
    expect(parseAddress(42 as unknown as string).ok).toBe(false);
    expect(parseCIDR(undefined as unknown as string).ok).toBe(false);
  });
});

describe('parseCIDR', () => {
  it('keeps the host address and computes the network', () => {
    const r = parseCIDR('10.0.1.10/24');
    expect(r.ok && formatNetwork(r.value)).toBe('10.0.1.0/24');
    expect(r.ok && r.value.address).toBe(0x0a00010an);
    expect(r.ok && r.value.last).toBe(0x0a0001ffn);
    const v6 = parseCIDR('2001:db8::10/64');
    expect(v6.ok && formatNetwork(v6.value)).toBe('2001:db8::/64');
    const all = parseCIDR('0.0.0.0/0');
    expect(all.ok && all.value.last).toBe(0xffffffffn);
  });

  it('explains what is wrong', () => {
    expect(parseCIDR('10.0.1.10')).toEqual({ ok: false, error: expect.stringMatching(/no prefix length/) });
    expect(parseCIDR('10.0.1.10/33')).toEqual({ ok: false, error: expect.stringMatching(/0 to 32/) });
    expect(parseCIDR('10.0.1.10/x')).toEqual({ ok: false, error: expect.stringMatching(/prefix length/) });
    expect(parseCIDR('2001:db8::/129')).toEqual({ ok: false, error: expect.stringMatching(/0 to 128/) });
    expect(parseCIDR('10.0.1/24')).toEqual({ ok: false, error: expect.stringMatching(/not a valid/) });
  });
});

describe('formatting and helpers', () => {
  it('names the family of address text, and of nothing else', () => {
    expect(addressFamily('10.0.0.1')).toBe(4);
    expect(addressFamily('2001:db8::1')).toBe(6);
    expect(addressFamily('::ffff:10.0.0.1')).toBe(6);
    expect(addressFamily('010.0.0.1')).toBeUndefined();
    expect(addressFamily('10.0.0.0/24')).toBeUndefined();
    expect(familyName(4)).toBe('IPv4');
    expect(familyName(6)).toBe('IPv6');
  });

  it('formats IPv6 per RFC 5952 and canonicalises', () => {
    expect(formatAddress(6, 0x20010db8000000000000000000000001n)).toBe('2001:db8::1');
    expect(canonicalAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress('nope')).toBeUndefined();
    expect(formatAddress(4, 0xc0a80101n)).toBe('192.168.1.1');
  });

  it('orders IPv4 before IPv6, then numerically', () => {
    const a = (t: string) => {
      const p = parseAddress(t);
      if (!p.ok) throw new Error(t);
      return p.value;
    };
    expect(compareAddresses(a('10.0.0.2'), a('10.0.0.10'))).toBeLessThan(0);
    expect(compareAddresses(a('10.0.0.10'), a('10.0.0.2'))).toBeGreaterThan(0);
    expect(compareAddresses(a('10.0.0.2'), a('10.0.0.2'))).toBe(0);
    expect(compareAddresses(a('::1'), a('10.0.0.2'))).toBeGreaterThan(0);
  });

  it('inSubnet never matches across families or on bad input', () => {
    expect(inSubnet('10.0.1.100', '10.0.1.0/24')).toBe(true);
    expect(inSubnet('10.0.1.100', '2001:db8::/32')).toBe(false);
    expect(inSubnet('10.0.1.100', 'bad')).toBe(false);
  });

  it('toMillis accepts ms, ISO strings and Dates', () => {
    expect(toMillis(5)).toBe(5);
    expect(toMillis('1970-01-01T00:00:01Z')).toBe(1000);
    expect(toMillis(new Date(7))).toBe(7);
    expect(toMillis(undefined)).toBeUndefined();
    expect(toMillis(null)).toBeUndefined();
    expect(toMillis('yesterday')).toBeUndefined();
    expect(toMillis(Number.NaN)).toBeUndefined();
    expect(toMillis(new Date(Number.NaN))).toBeUndefined();
    expect(toMillis({} as unknown as number)).toBeUndefined();
  });
});

describe('IPv6 fast paths agree with ipaddr.js', () => {
  const toBig = (text: string) => {
    let v = 0n;
    for (const b of ipaddr.IPv6.parse(text).toByteArray()) v = (v << 8n) | BigInt(b);
    return v;
  };
  const near = fc.oneof(
    fc.ipV6(),
    fc.ipV6().map((t) => t.toUpperCase()),
    fc.stringMatching(/^[0-9a-fA-F:]{0,20}$/),
    fc.tuple(fc.ipV6(), fc.constantFrom(':', '::', ':0', '0', ':::1', '%1')).map(([a, b]) => a + b),
  );

  it('fastIPv6 accepts only what ipaddr.js accepts, with the same value', () => {
    fc.assert(
      fc.property(near, (text) => {
        const fast = fastIPv6(text);
        if (fast !== undefined) {
          expect(ipaddr.IPv6.isValid(text)).toBe(true);
          expect(fast).toBe(toBig(text));
        } else if (!text.includes('.') && !text.includes('%')) {
          expect(ipaddr.IPv6.isValid(text)).toBe(false);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('formatIPv6 is RFC 5952 as ipaddr.js writes it', () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
      minLength: 8,
      maxLength: 8,
    });
    fc.assert(
      fc.property(groups, (g) => {
        const value = g.reduce((v, x) => (v << 16n) | BigInt(x), 0n);
        const bytes = g.flatMap((x) => [x >> 8, x & 255]);
        expect(formatIPv6(value)).toBe(new ipaddr.IPv6(bytes).toRFC5952String());
      }),
      { numRuns: 5000 },
    );
  });
});
