import type { Family } from '@bgplb/floating-ip-allocator';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { vipFamilies } from './ip-families.js';

const BOTH = new Set<Family>([4, 6]);
const V4 = new Set<Family>([4]);
const V6 = new Set<Family>([6]);

describe('vipFamilies', () => {
  it('SingleStack: the first listed family, IPv4 by default', () => {
    expect(vipFamilies({}, BOTH)).toEqual({ ok: true, families: [4] });
    expect(vipFamilies({ ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' }, BOTH)).toEqual({
      ok: true,
      families: [6],
    });
    expect(vipFamilies({ ipFamilies: ['IPv4', 'IPv6'] }, BOTH)).toEqual({
      ok: false,
      error: 'ipFamilyPolicy SingleStack allows one entry in ipFamilies',
    });
  });

  it('PreferDualStack: the offered families, primary first', () => {
    expect(vipFamilies({ ipFamilyPolicy: 'PreferDualStack' }, BOTH)).toEqual({ ok: true, families: [4, 6] });
    expect(vipFamilies({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6'] }, BOTH)).toEqual({
      ok: true,
      families: [6, 4],
    });
    expect(vipFamilies({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] }, V6)).toEqual({
      ok: true,
      families: [6],
    });
    expect(vipFamilies({ ipFamilyPolicy: 'PreferDualStack' }, new Set())).toEqual({
      ok: false,
      error: 'no address pool offers IPv4 or IPv6 addresses',
    });
  });

  it('RequireDualStack: both, or the missing family named', () => {
    expect(vipFamilies({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6', 'IPv4'] }, BOTH)).toEqual({
      ok: true,
      families: [6, 4],
    });
    expect(vipFamilies({ ipFamilyPolicy: 'RequireDualStack' }, V4)).toEqual({
      ok: false,
      error:
        'ipFamilyPolicy RequireDualStack needs an address pool of each family; none offers IPv6 addresses',
    });
  });

  it('explains malformed specs', () => {
    expect(vipFamilies({ ipFamilyPolicy: 'DualStack' }, BOTH)).toEqual({
      ok: false,
      error: 'ipFamilyPolicy "DualStack" is not SingleStack, PreferDualStack or RequireDualStack',
    });
    expect(vipFamilies({ ipFamilies: ['ipv6'] }, BOTH)).toEqual({
      ok: false,
      error: 'ipFamilies entry "ipv6" is neither IPv4 nor IPv6',
    });
    expect(vipFamilies({ ipFamilies: ['IPv4', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' }, BOTH)).toEqual({
      ok: false,
      error: 'ipFamilies lists IPv4 twice',
    });
  });

  it('never answers a family twice, nor one the pools lack (dual-stack policies), and never throws', () => {
    const family = fc.constantFrom('IPv4', 'IPv6', 'ipv4', 7, null);
    fc.assert(
      fc.property(
        fc.option(fc.array(family, { maxLength: 3 }), { nil: undefined }),
        fc.option(fc.constantFrom('SingleStack', 'PreferDualStack', 'RequireDualStack', 'x'), {
          nil: undefined,
        }),
        fc.subarray<Family>([4, 6]),
        (ipFamilies, ipFamilyPolicy, offered) => {
          const r = vipFamilies({ ipFamilies, ipFamilyPolicy }, new Set(offered));
          if (!r.ok) return;
          expect(new Set(r.families).size).toBe(r.families.length);
          if (ipFamilyPolicy === 'RequireDualStack') expect([...r.families].sort()).toEqual([4, 6]);
          if (ipFamilyPolicy !== undefined && ipFamilyPolicy !== 'SingleStack')
            for (const f of r.families) expect(offered).toContain(f);
          // The primary family (listed first) comes first whenever it is given at all.
          const primary: Family = ipFamilies?.[0] === 'IPv6' ? 6 : 4;
          if (r.families.includes(primary)) expect(r.families[0]).toBe(primary);
        },
      ),
    );
  });
});
