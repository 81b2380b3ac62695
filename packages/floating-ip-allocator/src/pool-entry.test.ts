import { describe, expect, it } from 'vitest';
import { parseAddress } from './address.js';
import { parsePoolEntry, rangeContains, rangeText } from './pool-entry.js';

function error(entry: unknown): string {
  const r = parsePoolEntry(entry);
  if (r.ok) throw new Error(`${String(entry)} parsed`);
  return r.error;
}

describe('parsePoolEntry', () => {
  it('reads IPv4 and IPv6 ranges and CIDRs', () => {
    const text = (entry: string) => {
      const r = parsePoolEntry(entry);
      return r.ok ? rangeText(r.value) : r.error;
    };
    expect(text('10.0.0.1-10.0.0.4')).toBe('10.0.0.1-10.0.0.4');
    expect(text('10.0.0.0/30')).toBe('10.0.0.0-10.0.0.3');
    expect(text('0.0.0.0/0')).toBe('0.0.0.0-255.255.255.255');
    expect(text('10.0.0.7/32')).toBe('10.0.0.7-10.0.0.7');
    expect(text('2001:db8::/126')).toBe('2001:db8::-2001:db8::3');
    expect(text('2001:DB8::1-2001:db8::4')).toBe('2001:db8::1-2001:db8::4');
    expect(text('2001:db8::1/128')).toBe('2001:db8::1-2001:db8::1');
    expect(text('::ffff:10.0.0.1/128')).toBe('::ffff:a00:1-::ffff:a00:1');
    const cidr = parsePoolEntry('2001:db8::/126');
    expect(cidr.ok && cidr.value.prefix).toBe(126);
    const range = parsePoolEntry('2001:db8::1-2001:db8::4');
    expect(range.ok && range.value.prefix).toBeUndefined();
  });

  it('gives a specific message for each mistake', () => {
    expect(error(7)).toBe('address entry must be a string, got 7');
    expect(error(undefined)).toBe('address entry must be a string, got undefined');
    expect(error('')).toBe('empty address entry');
    expect(error('10.0.0.1 -10.0.0.4')).toBe(
      '"10.0.0.1 -10.0.0.4" contains whitespace; write entries such as 10.0.0.1-10.0.0.4',
    );
    expect(error('10.0.0.4-10.0.0.1')).toBe(
      'range "10.0.0.4-10.0.0.1" is written backwards: start 10.0.0.4 is after end 10.0.0.1 (write 10.0.0.1-10.0.0.4)',
    );
    expect(error('10.0.0.1-2001:db8::4')).toBe(
      'range "10.0.0.1-2001:db8::4" mixes IPv4 and IPv6; both ends must be of the same family',
    );
    expect(error('10.0.0.1-10.0.0.256')).toBe(
      'range "10.0.0.1-10.0.0.256": "10.0.0.256" is not a valid IPv4 address',
    );
    expect(error('x-y')).toBe('range "x-y": "x" is not a valid IP address');
    expect(error('2001:db8::1-x')).toBe('range "2001:db8::1-x": "x" is not a valid IPv6 address');
    expect(error('2001:db8::4-2001:db8::1')).toBe(
      'range "2001:db8::4-2001:db8::1" is written backwards: start 2001:db8::4 is after end 2001:db8::1 (write 2001:db8::1-2001:db8::4)',
    );
    expect(error('2001:db8::1%eth0/128')).toBe(
      '"2001:db8::1%eth0/128": "2001:db8::1%eth0" has a zone index (%eth0); write the address without it',
    );
    expect(error('fe80::1-fe80::2%2')).toBe(
      'range "fe80::1-fe80::2%2": "fe80::2%2" has a zone index (%2); write the address without it',
    );
    expect(error('fe80::1-x%2')).toBe('range "fe80::1-x%2": "x%2" is not a valid IPv6 address');
    expect(error('2001:db8::g-2001:db8::1')).toBe(
      'range "2001:db8::g-2001:db8::1": "2001:db8::g" is not a valid IPv6 address',
    );
    expect(error('2001:db8::1')).toBe(
      '"2001:db8::1" is neither a range (2001:db8::1-2001:db8::4) nor a CIDR (2001:db8::/126); a single address is written 2001:db8::1/128',
    );
    expect(error('10.0.0.1')).toBe(
      '"10.0.0.1" is neither a range (10.0.0.1-10.0.0.4) nor a CIDR (10.0.0.0/30); a single address is written a.b.c.d/32',
    );
    expect(error('10.0.0.1/30')).toBe('CIDR "10.0.0.1/30" has host bits set; the network is 10.0.0.0/30');
    expect(error('2001:db8::1/64')).toBe(
      'CIDR "2001:db8::1/64" has host bits set; the network is 2001:db8::/64',
    );
    expect(error('010.0.0.0/8')).toBe('"010.0.0.0/8": "010.0.0.0" is not a valid IPv4 or IPv6 address');
    expect(error('10.0.0.0/33')).toBe('"10.0.0.0/33": prefix length "33" is not in 0..32');
    expect(error('2001:db8::/129')).toBe('"2001:db8::/129": prefix length "129" is not in 0..128');
    expect(error('10.0.0.0/')).toBe('"10.0.0.0/": prefix length "" is not in 0..32');
  });

  it('rangeContains checks the family', () => {
    const r = parsePoolEntry('10.0.0.0/30');
    if (!r.ok) throw new Error(r.error);
    const at = (text: string) => {
      const a = parseAddress(text);
      if (!a.ok) throw new Error(a.error);
      return a.value;
    };
    expect(rangeContains(r.value, at('10.0.0.3'))).toBe(true);
    expect(rangeContains(r.value, at('10.0.0.4'))).toBe(false);
    expect(rangeContains(r.value, at('::3'))).toBe(false);
  });
});
