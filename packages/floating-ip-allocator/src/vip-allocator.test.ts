import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4 } from './address.js';
import { parsePools } from './pools.js';
import { VipAllocator } from './vip-allocator.js';

function make(pools: Parameters<typeof parsePools>[0]): VipAllocator {
  const r = parsePools(pools);
  expect(r.errors).toEqual([]);
  return new VipAllocator(r.pools);
}

describe('VipAllocator', () => {
  it('hands out the lowest free address, pool by pool in configuration order', () => {
    const a = make([
      { name: 'first', addresses: ['10.0.0.1-10.0.0.2'] },
      { name: 'manual', addresses: ['10.0.9.0/30'], manualAssign: true },
      { name: 'second', addresses: ['10.0.1.0/31'] },
    ]);
    expect(a.allocate('s1')).toEqual({ ok: true, ip: '10.0.0.1', pool: 'first' });
    expect(a.allocate('s2')).toEqual({ ok: true, ip: '10.0.0.2', pool: 'first' });
    expect(a.allocate('s3')).toEqual({ ok: true, ip: '10.0.1.0', pool: 'second' });
    expect(a.release('10.0.0.1')).toBe(true);
    expect(a.allocate('s4')).toEqual({ ok: true, ip: '10.0.0.1', pool: 'first' });
    expect(a.allocate('s5')).toEqual({ ok: true, ip: '10.0.1.1', pool: 'second' });
    const full = a.allocate('s6');
    expect(full.ok).toBe(false);
    expect(!full.ok && full.error).toBe(
      'no free IPv4 address in pools "first" (2/2 used), "second" (2/2 used)',
    );
    // manualAssign pools serve explicit requests only, including by pool name.
    expect(a.allocateSpecific('10.0.9.2', 's6')).toEqual({ ok: true, ip: '10.0.9.2', pool: 'manual' });
    expect(a.allocate('s7', { pool: 'manual' })).toEqual({ ok: true, ip: '10.0.9.0', pool: 'manual' });
    expect(a.usage()).toEqual([
      { pool: 'first', size: 2, used: 2 },
      { pool: 'manual', size: 4, used: 2 },
      { pool: 'second', size: 2, used: 2 },
    ]);
    expect(a.ownerOf('10.0.0.1')).toBe('s4');
    expect(a.isAllocated('10.0.0.3')).toBe(false);
    expect(a.allocations().get('10.0.9.2')).toBe('s6');
  });

  it('explains why a specific address cannot be had', () => {
    const a = make([{ name: 'p', addresses: ['10.0.0.0/24'], avoidBuggyIPs: true }]);
    expect(a.allocateSpecific('10.0.0.7', 'x').ok).toBe(true);
    expect(a.allocateSpecific('10.0.0.7', 'y')).toEqual({ ok: false, error: '10.0.0.7 is in use by x' });
    expect(a.allocateSpecific('10.0.0.7', 'x')).toEqual({
      ok: false,
      error: '10.0.0.7 is already allocated to x',
    });
    expect(a.allocateSpecific('10.0.0.255', 'y')).toEqual({
      ok: false,
      error: '10.0.0.255 ends in .0 or .255 and pool "p" has avoidBuggyIPs set',
    });
    expect(a.allocateSpecific('10.0.1.1', 'y')).toEqual({
      ok: false,
      error: '10.0.1.1 is not in any address pool',
    });
    expect(a.allocateSpecific('10.0.1', 'y').ok).toBe(false);
    expect(a.release('10.0.0.8')).toBe(false);
    expect(a.release('garbage')).toBe(false);
    expect(a.poolOf('10.0.0.9')).toBe('p');
    expect(a.poolOf('10.9.0.9')).toBeUndefined();
    expect(a.allocate('z')).toEqual({ ok: true, ip: '10.0.0.1', pool: 'p' });
  });

  it('reports missing families and pools', () => {
    const a = make([{ name: 'p', addresses: ['10.0.0.0/30'] }]);
    expect(a.allocate('x', { family: 6 })).toEqual({
      ok: false,
      error: 'no IPv6 address pool available for automatic assignment',
    });
    expect(a.allocate('x', { pool: 'nope' })).toEqual({
      ok: false,
      error: 'no IPv4 address pool named "nope"',
    });
    const { allocator, errors } = VipAllocator.fromConfig([{ name: 'q', addresses: ['bad'] }]);
    expect(errors).toHaveLength(1);
    expect(allocator.allocate('x').ok).toBe(false);
  });

  it('never expands a /16 and fills it completely, skipping .0/.255', () => {
    const a = make([{ name: 'big', addresses: ['10.1.0.0/16'], avoidBuggyIPs: true }]);
    const seen = new Set<string>();
    for (;;) {
      const r = a.allocate('s');
      if (!r.ok) break;
      expect(seen.has(r.ip)).toBe(false);
      seen.add(r.ip);
    }
    expect(seen.size).toBe(65536 - 512);
    expect(seen.has('10.1.0.0')).toBe(false);
    expect(seen.has('10.1.255.255')).toBe(false);
    expect(a.usage()).toEqual([{ pool: 'big', size: 65024, used: 65024 }]);
  });

  it('uses a sparse set for huge IPv6 pools', () => {
    const a = make([{ name: 'v6', addresses: ['2001:db8::/64'], allowSubnetRouterAnycast: true }]);
    expect(a.allocate('a', { family: 6 })).toEqual({ ok: true, ip: '2001:db8::', pool: 'v6' });
    expect(a.allocateSpecific('2001:db8::1', 'b').ok).toBe(true);
    expect(a.allocate('c', { family: 6 })).toMatchObject({ ip: '2001:db8::2' });
    expect(a.allocateSpecific('2001:db8::ffff:ffff:ffff:ffff', 'd').ok).toBe(true);
    expect(a.release('2001:db8::')).toBe(true);
    expect(a.allocate('e', { family: 6 })).toMatchObject({ ip: '2001:db8::' });
    expect(a.ownerOf('2001:DB8::FFFF:FFFF:FFFF:FFFF')).toBe('d');
  });

  it('never hands out an IPv6 subnet-router anycast address unless the pool allows it', () => {
    const a = make([
      {
        name: 'small',
        addresses: ['2001:db8:1::100/126', '2001:db8:2::ffff:ffff:ffff:fffe-2001:db8:2:1::1'],
      },
      { name: 'huge', addresses: ['2001:db8:4::/63'] },
      { name: 'range', addresses: ['2001:db8:5::-2001:db8:5::2'] },
    ]);
    // The /126's own network (2001:db8:1::100) and the /64 boundary 2001:db8:2:1:: are skipped.
    const small = [1, 2, 3, 4, 5, 6].map((i) => a.allocate(`s${i}`, { family: 6, pool: 'small' }));
    expect(small.map((r) => (r.ok ? r.ip : r.error))).toEqual([
      '2001:db8:1::101',
      '2001:db8:1::102',
      '2001:db8:1::103',
      '2001:db8:2:0:ffff:ffff:ffff:fffe',
      '2001:db8:2:0:ffff:ffff:ffff:ffff',
      '2001:db8:2:1::1',
    ]);
    expect(a.allocate('s7', { family: 6, pool: 'small' })).toEqual({
      ok: false,
      error: 'no free IPv6 address in pool "small" (6/6 used)',
    });
    // A mixed pool's counts cover both families: the message says only this family is used up.
    const mixed = make([{ name: 'mixed', addresses: ['10.0.0.0/30', '2001:db8:9::1/128'] }]);
    expect(mixed.allocate('m1', { family: 6 })).toMatchObject({ ok: true, ip: '2001:db8:9::1' });
    expect(mixed.allocate('m2', { family: 6 })).toEqual({
      ok: false,
      error: 'no free IPv6 address in pool "mixed" (every IPv6 address of it in use)',
    });
    // Sparse block (2^65 addresses): both /64 networks are skipped, at the start and mid-range.
    expect(a.allocate('h1', { family: 6, pool: 'huge' })).toMatchObject({ ip: '2001:db8:4::1' });
    expect(a.allocateSpecific('2001:db8:4:1::', 'h2')).toEqual({
      ok: false,
      error:
        '2001:db8:4:1:: is an IPv6 subnet-router anycast address (all-zero host); pool "huge" hands it out only with allowSubnetRouterAnycast: true',
    });
    expect(a.allocateSpecific('2001:db8:1::100', 'x').ok).toBe(false);
    // A range (no prefix of its own) still skips the /64's all-zero host.
    expect(a.allocate('r1', { family: 6, pool: 'range' })).toMatchObject({ ip: '2001:db8:5::1' });
    expect(a.usage()).toEqual([
      { pool: 'small', size: 6, used: 6 },
      { pool: 'huge', size: 2 ** 65 - 2, used: 1 },
      { pool: 'range', size: 2, used: 1 },
    ]);
    const allowed = make([{ name: 'p', addresses: ['2001:db8:1::100/126'], allowSubnetRouterAnycast: true }]);
    expect(allowed.allocate('a', { family: 6 })).toMatchObject({ ip: '2001:db8:1::100' });
    expect(allowed.usage()).toEqual([{ pool: 'p', size: 4, used: 1 }]);
  });

  it('sparse IPv4 ranges (over 2^22 addresses) skip buggy addresses and can be exhausted logically', () => {
    const a = make([{ name: 'huge', addresses: ['10.0.0.0/8'], avoidBuggyIPs: true }]);
    expect(a.allocate('a')).toMatchObject({ ip: '10.0.0.1' });
    expect(a.allocateSpecific('10.0.0.2', 'b').ok).toBe(true);
    expect(a.allocate('c')).toMatchObject({ ip: '10.0.0.3' });
    expect(a.allocateSpecific('10.0.1.0', 'd').ok).toBe(false);
    const tiny = make([{ name: 't', addresses: ['2001:db8::/64'] }]);
    // Walk the sparse cursor to the end of a small-looking window by requesting specific addresses.
    expect(tiny.allocate('x', { family: 4 }).ok).toBe(false);
  });

  it('behaves like a simple set model under random operations', () => {
    const pools = [
      { name: 'a', addresses: ['10.0.0.250-10.0.1.5'], avoidBuggyIPs: true },
      { name: 'b', addresses: ['10.0.2.0/29'] },
    ];
    const universe: string[] = [];
    for (let n = 0x0a0000fa; n <= 0x0a000105; n++) {
      if (n % 256 !== 0 && n % 256 !== 255) universe.push(formatIPv4(n));
    }
    for (let n = 0x0a000200; n < 0x0a000208; n++) universe.push(formatIPv4(n));
    const op = fc.oneof(
      fc.constant({ kind: 'allocate' as const, index: 0 }),
      fc.record({ kind: fc.constant('release' as const), index: fc.nat(40) }),
      fc.record({ kind: fc.constant('specific' as const), index: fc.nat(40) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const a = make(pools);
        const model = new Set<string>();
        for (const o of ops) {
          if (o.kind === 'allocate') {
            const r = a.allocate('o');
            const expected = universe.find((ip) => !model.has(ip));
            if (expected === undefined) expect(r.ok).toBe(false);
            else {
              expect(r).toMatchObject({ ok: true, ip: expected });
              model.add(expected);
            }
          } else {
            const ip = universe[o.index % universe.length]!;
            if (o.kind === 'release') expect(a.release(ip)).toBe(model.delete(ip));
            else {
              const r = a.allocateSpecific(ip, 'o');
              expect(r.ok).toBe(!model.has(ip));
              model.add(ip);
            }
          }
          const used = a.usage().reduce((s, u) => s + u.used, 0);
          expect(used).toBe(model.size);
        }
      }),
    );
  });
});
