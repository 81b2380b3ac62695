import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floatingIPLeaseName } from './floating-ip-lease.js';

/** RFC 1123 subdomain, as Kubernetes checks object names. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('floatingIPLeaseName', () => {
  it('is a DNS subdomain for IPv4 and IPv6, and distinct per address', () => {
    const names = ['10.0.1.100', '10.0.1.101', '2001:db8::1', '2001:DB8::10'].map(floatingIPLeaseName);
    expect(names).toEqual([
      'bgplb-fip-10.0.1.100',
      'bgplb-fip-10.0.1.101',
      'bgplb-fip-2001-db8--1',
      'bgplb-fip-2001-db8--10',
    ]);
    for (const n of names) expect(n).toMatch(DNS_SUBDOMAIN);
  });

  it('gives every spelling of one IPv6 address one name', () => {
    expect(floatingIPLeaseName('2001:DB8:0:0::1')).toBe(floatingIPLeaseName('2001:db8::1'));
    expect(floatingIPLeaseName('2001:0db8::0001')).toBe('bgplb-fip-2001-db8--1');
  });

  it('never ends a name with "-" (an IPv6 address ending in "::")', () => {
    expect(floatingIPLeaseName('2001:db8:1::')).toBe('bgplb-fip-2001-db8-1--0');
    expect(floatingIPLeaseName('::')).toBe('bgplb-fip---0');
    expect(floatingIPLeaseName('::1')).toBe('bgplb-fip---1');
    expect(floatingIPLeaseName('::ffff:10.0.0.1')).toMatch(DNS_SUBDOMAIN);
  });

  it('is a DNS subdomain for any IPv6 address', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const name = floatingIPLeaseName(ip);
        expect(name).toMatch(DNS_SUBDOMAIN);
        expect(name.length).toBeLessThanOrEqual(253);
      }),
    );
  });
});
