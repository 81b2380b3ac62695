import { describe, expect, it } from 'vitest';
import { parseAddress } from './address.js';
import { parsePoolEntry, rangeContains, rangeText } from './pool-entry.js';

function error(entry: unknown, ipv6 = false): string {
  const r = parsePoolEntry(entry, { ipv6 });
  if (r.ok) throw new Error(`${String(entry)} parsed`);
  return r.error;
}

describe('parsePoolEntry', () => {
  it('reads IPv4 and IPv6 ranges and CIDRs', () => {
    const text = (entry: string) => {
      const r = parsePoolEntry(entry, { ipv6: true });
      return r.ok ? rangeText(r.value) : r.error;
    };
    expect(text('10.0.0.1-10.0.0.4')).toBe('10.0.0.1-10.0.0.4');
    expect(text('10.0.0.0/30')).toBe('10.0.0.0-10.0.0.3');
    expect(text('0.0.0.0/0')).toBe('0.0.0.0-255.255.255.255');
    expect(text('10.0.0.7/32')).toBe('10.0.0.7-10.0.0.7');
    expect(text('2001:db8::/126')).toBe('2001:db8::-2001:db8::3');
    expect(text('2001:DB8::1-2001:db8::4')).toBe('2001:db8::1-2001:db8::4');
    expect(text('2001:db8::1/128')).toBe('2001:db8::1-2001:db8::1');
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
    expect(error('2001:db8::1-x', true)).toBe('range "2001:db8::1-x": "x" is not a valid IPv6 address');
    expect(error('2001:db8::1-2001:db8::4')).toBe(
      'IPv6 range "2001:db8::1-2001:db8::4" is not supported yet (IPv4 only)',
    );
    expect(error('2001:db8::/64')).toBe('IPv6 prefix "2001:db8::/64" is not supported yet (IPv4 only)');
    expect(error('2001:db8::1')).toBe('IPv6 address "2001:db8::1" is not supported yet (IPv4 only)');
    expect(error('2001:db8::1', true)).toBe(
      '"2001:db8::1" is neither a range (2001:db8::1-2001:db8::4) nor a CIDR (2001:db8::/126); a single address is written 2001:db8::1/128',
    );
    expect(error('10.0.0.1')).toBe(
      '"10.0.0.1" is neither a range (10.0.0.1-10.0.0.4) nor a CIDR (10.0.0.0/30); a single address is written a.b.c.d/32',
    );
    expect(error('10.0.0.1/30')).toBe('CIDR "10.0.0.1/30" has host bits set; the network is 10.0.0.0/30');
    expect(error('2001:db8::1/64', true)).toBe(
      'CIDR "2001:db8::1/64" has host bits set; the network is 2001:db8::/64',
    );
    expect(error('010.0.0.0/8')).toBe('"010.0.0.0/8": "010.0.0.0" is not a valid IPv4 or IPv6 address');
    expect(error('10.0.0.0/33')).toBe('"10.0.0.0/33": prefix length "33" is not in 0..32');
    expect(error('2001:db8::/129', true)).toBe('"2001:db8::/129": prefix length "129" is not in 0..128');
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
