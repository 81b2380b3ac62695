// Properties of IPv6 and mixed-family pools: the allocator against a set model, the
// subnet-router anycast rule against brute force, and Service allocation (no duplicate, sticky,
// release) over IPv6 pools.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Family, formatAddress, parseAddress } from './address.js';
import { parsePoolEntry } from './pool-entry.js';
import { parsePools } from './pools.js';
import { allocateServiceVIPs, type ServiceVIPRequest } from './service-vips.js';
import { countSubnetRouterAnycast, isSubnetRouterAnycast } from './subnet-router-anycast.js';
import { VipAllocator } from './vip-allocator.js';

const MIXED_POOLS = [
  // Crosses a /64 boundary (2001:db8:0:1:: is skipped) and holds IPv4 too.
  { name: 'mixed', addresses: ['2001:db8::ffff:ffff:ffff:fffc-2001:db8:0:1::3', '10.0.0.1-10.0.0.4'] },
  // A CIDR whose own network (2001:db8:9::10) is skipped.
  { name: 'cidr', addresses: ['2001:db8:9::10/125'] },
];

function value(text: string): bigint {
  const p = parseAddress(text);
  if (!p.ok) throw new Error(p.error);
  return p.value.value;
}

/** Every allocatable address of MIXED_POOLS, per family, in allocation order. */
function universe(family: Family): string[] {
  const out: string[] = [];
  for (const pool of MIXED_POOLS) {
    for (const entry of pool.addresses) {
      const r = parsePoolEntry(entry);
      if (!r.ok) throw new Error(r.error);
      if (r.value.family !== family) continue;
      for (let v = r.value.first; v <= r.value.last; v++) {
        if (!isSubnetRouterAnycast(r.value, v)) out.push(formatAddress(family, v));
      }
    }
  }
  return out;
}

describe('IPv6 and mixed pools', () => {
  it('the allocator behaves like a set model per family (no duplicate, lowest free, release frees)', () => {
    const all = { 4: universe(4), 6: universe(6) };
    expect(all[6]).toHaveLength(4 + 3 + 7);
    expect(all[6]).not.toContain('2001:db8:0:1::');
    expect(all[6]).not.toContain('2001:db8:9::10');
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('allocate' as const),
        family: fc.constantFrom<Family>(4, 6),
        index: fc.nat(),
      }),
      fc.record({
        kind: fc.constant('release' as const),
        family: fc.constantFrom<Family>(4, 6),
        index: fc.nat(40),
      }),
      fc.record({
        kind: fc.constant('specific' as const),
        family: fc.constantFrom<Family>(4, 6),
        index: fc.nat(40),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const { allocator, errors } = VipAllocator.fromConfig(MIXED_POOLS);
        expect(errors).toEqual([]);
        const model = new Set<string>();
        for (const o of ops) {
          const list = all[o.family];
          if (o.kind === 'allocate') {
            const r = allocator.allocate('o', { family: o.family });
            const expected = list.find((ip) => !model.has(ip));
            if (expected === undefined) expect(r.ok).toBe(false);
            else {
              expect(r).toMatchObject({ ok: true, ip: expected });
              model.add(expected);
            }
            continue;
          }
          const ip = list[o.index % list.length]!;
          if (o.kind === 'release') expect(allocator.release(ip)).toBe(model.delete(ip));
          else {
            expect(allocator.allocateSpecific(ip, 'o').ok).toBe(!model.has(ip));
            model.add(ip);
          }
        }
        expect(new Set(allocator.allocations().keys())).toEqual(model);
        const used = allocator.usage().reduce((s, u) => s + u.used, 0);
        expect(used).toBe(model.size);
      }),
    );
  });

  it('a sparse /64 behaves like a set model too (released holes first, lowest free)', () => {
    // 2001:db8:7:: is the subnet-router anycast address; 100 operations stay below ::c8.
    const list = Array.from({ length: 200 }, (_, i) => `2001:db8:7::${(i + 1).toString(16)}`);
    const op = fc.record({ kind: fc.constantFrom('allocate', 'release', 'specific'), index: fc.nat(59) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), (ops) => {
        const { allocator } = VipAllocator.fromConfig([{ name: 'p', addresses: ['2001:db8:7::/64'] }]);
        const model = new Set<string>();
        for (const o of ops) {
          const ip = list[o.index]!;
          if (o.kind === 'allocate') {
            const expected = list.find((x) => !model.has(x))!;
            expect(allocator.allocate('o', { family: 6 })).toMatchObject({ ok: true, ip: expected });
            model.add(expected);
          } else if (o.kind === 'release') expect(allocator.release(ip)).toBe(model.delete(ip));
          else {
            expect(allocator.allocateSpecific(ip, 'o').ok).toBe(!model.has(ip));
            model.add(ip);
          }
        }
        expect(new Set(allocator.allocations().keys())).toEqual(model);
      }),
    );
  });

  it('pool sizes count exactly the addresses the allocator can hand out', () => {
    const parsed = parsePools(MIXED_POOLS);
    expect(parsed.pools.map((p) => p.size)).toEqual([7 + 4, 7]);
  });

  it('countSubnetRouterAnycast matches brute force near /64 boundaries', () => {
    const base = value('2001:db8::');
    fc.assert(
      fc.property(
        fc.bigInt({ min: -20n, max: 20n }),
        fc.nat(40),
        fc.option(fc.integer({ min: 122, max: 128 }), { nil: undefined }),
        (offset, length, prefix) => {
          let first = base + (1n << 64n) + offset;
          let last = first + BigInt(length);
          if (prefix !== undefined) {
            const host = BigInt(128 - prefix);
            first = (first >> host) << host;
            last = first + (1n << host) - 1n;
          }
          const range = { family: 6 as const, first, last, prefix };
          let n = 0n;
          for (let v = first; v <= last; v++) if (isSubnetRouterAnycast(range, v)) n++;
          expect(countSubnetRouterAnycast(range)).toBe(n);
        },
      ),
    );
    expect(countSubnetRouterAnycast({ family: 6, first: 0n, last: 5n })).toBe(1n);
    expect(countSubnetRouterAnycast({ family: 4, first: 0n, last: 5n, prefix: 29 })).toBe(0n);
  });
});

// ------------------------------------------------------- Service VIPs over IPv6 pools

const V6_POOLS = [
  { name: 'v6', addresses: ['2001:db8:1::/125'] },
  { name: 'v6b', addresses: ['2001:db8:2::1-2001:db8:2::4'] },
];
const V6_CANDIDATES = [
  ...Array.from({ length: 8 }, (_, i) => `2001:db8:1::${i}`),
  ...Array.from({ length: 5 }, (_, i) => `2001:db8:2::${i}`),
  '2001:DB8:1:0::3',
  '2001:db8:ff::1',
];
const v6Services = fc.uniqueArray(
  fc.record({
    key: fc.stringMatching(/^[a-c]\/[a-z]{1,3}$/),
    creationTimestamp: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    requestedIP: fc.option(fc.constantFrom(...V6_CANDIDATES), { nil: undefined, freq: 4 }),
    currentIP: fc.option(fc.constantFrom(...V6_CANDIDATES), { nil: undefined, freq: 2 }),
    family: fc.constant<Family>(6),
  }),
  { maxLength: 16, selector: (s) => s.key },
);
const clean = (s: ServiceVIPRequest): ServiceVIPRequest =>
  Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as ServiceVIPRequest;
const input = (services: ServiceVIPRequest[]) => ({
  pools: V6_POOLS,
  services: services.map(clean),
  controlPlaneVIP: '2001:db8:2::2',
});

describe('Service VIPs over IPv6 pools', () => {
  it('never hands out one VIP twice, the control-plane VIP, or the subnet-router anycast address', () => {
    fc.assert(
      fc.property(v6Services, (services) => {
        const r = allocateServiceVIPs(input(services));
        const ips = Object.values(r.allocations);
        expect(new Set(ips).size).toBe(ips.length);
        expect(ips).not.toContain('2001:db8:2::2');
        expect(ips).not.toContain('2001:db8:1::');
        for (const ip of ips) expect(ip).toMatch(/^2001:db8:[12]::[1-7]$/);
        for (const s of services) expect(r.allocations[s.key] ?? r.errors[s.key]).toBeTypeOf('string');
      }),
    );
  });

  it('is sticky, and a released VIP goes to a newcomer', () => {
    fc.assert(
      fc.property(v6Services, fc.array(fc.boolean()), (services, keep) => {
        const first = allocateServiceVIPs(input(services));
        const withStatus = services.map((s) => ({ ...s, currentIP: first.allocations[s.key] }));
        expect(allocateServiceVIPs(input(withStatus)).allocations).toEqual(first.allocations);
        const survivors = withStatus.filter((_, i) => keep[i] ?? true);
        const next = allocateServiceVIPs(input([...survivors, { key: 'z/new', family: 6 }]));
        for (const s of survivors) {
          if (first.allocations[s.key] !== undefined)
            expect(next.allocations[s.key]).toBe(first.allocations[s.key]);
        }
        // The newcomer gets the lowest free address, which a released Service may have held.
        const taken = new Set(survivors.map((s) => next.allocations[s.key]).filter((x) => x !== undefined));
        const free = ['2001:db8:1::1', '2001:db8:1::2', '2001:db8:1::3', '2001:db8:1::4', '2001:db8:1::5']
          .concat(['2001:db8:1::6', '2001:db8:1::7', '2001:db8:2::1', '2001:db8:2::3', '2001:db8:2::4'])
          .find((ip) => !taken.has(ip));
        expect(next.allocations['z/new']).toBe(free);
      }),
    );
  });
});
