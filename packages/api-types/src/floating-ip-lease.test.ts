import { describe, expect, it } from 'vitest';
import { floatingIPLeaseName } from './floating-ip-lease.js';

describe('floatingIPLeaseName', () => {
  it('is a DNS subdomain for IPv4 and IPv6, and distinct per address', () => {
    const names = ['10.0.1.100', '10.0.1.101', '2001:db8::1', '2001:DB8::10'].map(floatingIPLeaseName);
    expect(names).toEqual([
      'bgplb-fip-10.0.1.100',
      'bgplb-fip-10.0.1.101',
      'bgplb-fip-2001-db8--1',
      'bgplb-fip-2001-db8--10',
    ]);
    for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });
});
