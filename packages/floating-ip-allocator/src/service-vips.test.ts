import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inSubnet } from './address.js';
import { parsePools } from './pools.js';
import { allocateServiceVIPs, type ServiceVIPRequest } from './service-vips.js';

// The pool of the spec's examples: pool1 10.0.0.1-10.0.0.4, ingressVIP 10.0.0.1, controlPlaneVIP 10.0.0.8.
const examplePools = [{ name: 'pool1', addresses: ['10.0.0.1-10.0.0.4'] }];
const t = (day: number) => `2026-01-${String(day).padStart(2, '0')}T00:00:00Z`;

describe('allocateServiceVIPs', () => {
  it('example cluster: ingress gets the ingressVIP, others the lowest free addresses, then errors', () => {
    const r = allocateServiceVIPs({
      pools: examplePools,
      ingressVIP: '10.0.0.1',
      controlPlaneVIP: '10.0.0.8',
      ingressService: 'gke-system/istio-ingress',
      services: [
        { key: 'default/web', creationTimestamp: t(2) },
        { key: 'gke-system/istio-ingress', creationTimestamp: t(1) },
        { key: 'default/db', creationTimestamp: t(3) },
        { key: 'default/api', creationTimestamp: t(4) },
        { key: 'default/late', creationTimestamp: t(5) },
      ],
    });
    expect(r.allocations).toEqual({
      'gke-system/istio-ingress': '10.0.0.1',
      'default/web': '10.0.0.2',
      'default/db': '10.0.0.3',
      'default/api': '10.0.0.4',
    });
    expect(r.errors).toEqual({ 'default/late': 'no free IPv4 address in pool "pool1" (4/4 used)' });
    expect(r.poolUsage).toEqual([{ pool: 'pool1', size: 4, used: 4 }]);
    expect(r.conflicts).toEqual([]);
    expect(r.poolErrors).toEqual([]);
  });

  it('honours a free requested IP and explains an unavailable one', () => {
    const r = allocateServiceVIPs({
      pools: [...examplePools, { name: 'manual', addresses: ['10.0.5.0/30'], manualAssign: true }],
      ingressVIP: '10.0.0.1',
      controlPlaneVIP: '10.0.0.4',
      services: [
        { key: 'a/want3', creationTimestamp: t(1), requestedIP: '10.0.0.3' },
        { key: 'a/want3-too', creationTimestamp: t(2), requestedIP: '10.0.0.3' },
        { key: 'a/outside', creationTimestamp: t(3), requestedIP: '192.168.1.1' },
        { key: 'a/cp', creationTimestamp: t(4), requestedIP: '10.0.0.4' },
        { key: 'a/ingress', creationTimestamp: t(5), requestedIP: '10.0.0.1' },
        { key: 'a/bad', creationTimestamp: t(6), requestedIP: '10.0.0.300' },
        { key: 'a/manual', creationTimestamp: t(7), requestedIP: '10.0.5.2' },
        { key: 'a/auto', creationTimestamp: t(8) },
      ],
    });
    expect(r.allocations).toEqual({ 'a/want3': '10.0.0.3', 'a/manual': '10.0.5.2', 'a/auto': '10.0.0.2' });
    expect(r.errors).toEqual({
      'a/want3-too': 'requested IP not available: 10.0.0.3 is in use by a/want3',
      'a/outside': 'requested IP not available: 192.168.1.1 is not in any address pool',
      'a/cp': 'requested IP 10.0.0.4 is the control-plane VIP and is never assigned to a Service',
      'a/ingress': 'requested IP 10.0.0.1 is the ingressVIP, reserved for the ingress Service',
      'a/bad': 'requested IP is invalid: "10.0.0.300" is not a valid IPv4 (a.b.c.d) or IPv6 address',
    });
  });

  it('manualAssign pools serve only explicit requests; avoidBuggyIPs skips .0 and .255', () => {
    const r = allocateServiceVIPs({
      pools: [
        { name: 'manual', addresses: ['10.0.9.0/24'], manualAssign: true },
        { name: 'auto', addresses: ['10.0.0.255-10.0.1.1'], avoidBuggyIPs: true },
      ],
      services: [
        { key: 'a/1', creationTimestamp: t(1) },
        { key: 'a/2', creationTimestamp: t(2) },
        { key: 'a/3', creationTimestamp: t(3) },
        { key: 'a/zero', creationTimestamp: t(4), requestedIP: '10.0.1.0' },
      ],
    });
    expect(r.allocations).toEqual({ 'a/1': '10.0.1.1' });
    expect(r.errors['a/2']).toBe('no free IPv4 address in pool "auto" (1/1 used)');
    expect(r.errors['a/zero']).toMatch(/ends in \.0 or \.255/);
  });

  it('keeps addresses from status across restarts and resolves conflicts oldest first', () => {
    const r = allocateServiceVIPs({
      pools: examplePools,
      services: [
        { key: 'ns/young', creationTimestamp: t(9), currentIP: '10.0.0.3' },
        { key: 'ns/old', creationTimestamp: t(1), currentIP: '10.0.0.3' },
        { key: 'ns/b', creationTimestamp: t(5), currentIP: '10.0.0.3' },
        { key: 'ns/keep', creationTimestamp: t(7), currentIP: '10.0.0.4' },
        { key: 'ns/new', creationTimestamp: t(2) },
      ],
    });
    expect(r.allocations).toEqual({
      'ns/old': '10.0.0.3',
      'ns/keep': '10.0.0.4',
      'ns/new': '10.0.0.1',
      'ns/b': '10.0.0.2',
    });
    expect(r.errors).toEqual({ 'ns/young': 'no free IPv4 address in pool "pool1" (4/4 used)' });
    expect(r.conflicts).toEqual([
      {
        ip: '10.0.0.3',
        winner: 'ns/old',
        losers: ['ns/b', 'ns/young'],
        reason: '3 Services report 10.0.0.3 in their status; ns/old is the oldest and keeps it',
      },
    ]);
  });

  it('equal timestamps are ordered by key; missing timestamps count as newest', () => {
    const r = allocateServiceVIPs({
      pools: examplePools,
      services: [
        { key: 'b/x', creationTimestamp: t(1), currentIP: '10.0.0.2' },
        { key: 'a/x', creationTimestamp: t(1), currentIP: '10.0.0.2' },
        { key: 'a/none', currentIP: '10.0.0.3' },
        { key: 'a/dated', creationTimestamp: 5, currentIP: '10.0.0.3' },
      ],
    });
    expect(r.conflicts.map((c) => c.winner)).toEqual(['a/x', 'a/dated']);
  });

  it('drops a status address that is no longer valid for the Service', () => {
    const r = allocateServiceVIPs({
      pools: [{ name: 'p', addresses: ['10.0.0.0/30'], avoidBuggyIPs: true }],
      controlPlaneVIP: '10.0.0.1',
      services: [
        { key: 'a/removed-pool', creationTimestamp: t(1), currentIP: '10.9.9.9' },
        { key: 'a/cp', creationTimestamp: t(2), currentIP: '10.0.0.1' },
        { key: 'a/changed-request', creationTimestamp: t(3), currentIP: '10.0.0.2', requestedIP: '10.0.0.3' },
        { key: 'a/garbage', creationTimestamp: t(4), currentIP: 'garbage' },
        { key: 'a/buggy', creationTimestamp: t(5), currentIP: '10.0.0.0' },
      ],
    });
    expect(r.allocations).toEqual({ 'a/changed-request': '10.0.0.3', 'a/removed-pool': '10.0.0.2' });
    expect(Object.keys(r.errors).sort()).toEqual(['a/buggy', 'a/cp', 'a/garbage']);
  });

  it('ingress Service: reserved address, request mismatch, misconfiguration', () => {
    const base = { pools: examplePools, controlPlaneVIP: '10.0.0.8' };
    expect(
      allocateServiceVIPs({
        ...base,
        ingressVIP: '10.0.0.2',
        services: [
          { key: 'x/ing', ingress: true, requestedIP: '10.0.0.2', currentIP: '10.0.0.2' },
          { key: 'x/ing2', ingress: true },
          { key: 'x/other', currentIP: '10.0.0.2' },
          { key: 'x/mismatch', ingress: true, requestedIP: '10.0.0.3' },
        ],
      }),
    ).toMatchObject({
      allocations: { 'x/ing': '10.0.0.2', 'x/other': '10.0.0.1' },
      errors: {
        'x/ing2': 'ingressVIP 10.0.0.2 is already used by another ingress Service',
        'x/mismatch': 'the ingress Service must use the ingressVIP 10.0.0.2, not 10.0.0.3',
      },
    });
    const outside = allocateServiceVIPs({
      ...base,
      ingressVIP: '10.9.0.1',
      services: [{ key: 'x/ing', ingress: true }],
    });
    expect(outside.errors['x/ing']).toBe(
      'ingressVIP 10.9.0.1 cannot be used: 10.9.0.1 is not in any address pool',
    );
    expect(outside.poolErrors).toHaveLength(1);
    expect(
      allocateServiceVIPs({ ...base, services: [{ key: 'x/ing', ingress: true }] }).errors['x/ing'],
    ).toBe('this is the ingress Service but no ingressVIP is configured');
    expect(
      allocateServiceVIPs({ ...base, ingressVIP: '10.0.0.8', controlPlaneVIP: '10.0.0.8', services: [] })
        .poolErrors,
    ).toEqual([{ pool: '', message: 'ingressVIP 10.0.0.8 equals the controlPlaneVIP' }]);
    const bad = allocateServiceVIPs({ ...base, ingressVIP: 'x', controlPlaneVIP: 'y', services: [] });
    expect(bad.poolErrors.map((e) => e.message)).toEqual([
      'controlPlaneVIP "y" is not a valid address',
      'ingressVIP "x" is not a valid address',
    ]);
  });

  it('accepts pre-parsed pools, IPv6 pools, and reports pool errors', () => {
    const parsed = parsePools([{ name: 'v6', addresses: ['2001:db8::/120'] }]).pools;
    const r = allocateServiceVIPs({ pools: parsed, services: [{ key: 'a/b', family: 6 }, { key: 'a/c' }] });
    expect(r.allocations).toEqual({ 'a/b': '2001:db8::1' }); // 2001:db8:: is the subnet-router anycast
    expect(r.errors['a/c']).toBe('no IPv4 address pool available for automatic assignment');
    const e = allocateServiceVIPs({ pools: [{ name: 'p', addresses: ['10.0.0.9-10.0.0.1'] }], services: [] });
    expect(e.poolErrors[0]!.message).toMatch(/written backwards/);
    expect(allocateServiceVIPs({ pools: [], services: [{ key: 'a/b' }] }).errors['a/b']).toMatch(/no IPv4/);
  });

  it('survives garbage input shapes', () => {
    const r = allocateServiceVIPs({
      pools: undefined as unknown as [],
      services: [null, { key: 7 }, { key: '' }, { key: 'a/b' }] as unknown as ServiceVIPRequest[],
    });
    expect(r.errors).toEqual({ 'a/b': 'no IPv4 address pool available for automatic assignment' });
    expect(allocateServiceVIPs({ pools: [], services: undefined as unknown as [] }).allocations).toEqual({});
  });

  it('ignores a duplicate Service key', () => {
    const r = allocateServiceVIPs({ pools: examplePools, services: [{ key: 'a/b' }, { key: 'a/b' }] });
    expect(r.allocations).toEqual({ 'a/b': '10.0.0.1' });
    expect(r.poolUsage[0]!.used).toBe(1);
  });
});

// ---------------------------------------------------------------- properties

const POOLS = [
  { name: 'p1', addresses: ['10.0.0.1-10.0.0.6'] },
  { name: 'p2', addresses: ['10.0.1.0/29'], avoidBuggyIPs: true },
  { name: 'm', addresses: ['10.0.2.0/30'], manualAssign: true },
];
const CANDIDATE_IPS = [
  ...Array.from({ length: 8 }, (_, i) => `10.0.0.${i}`),
  ...Array.from({ length: 8 }, (_, i) => `10.0.1.${i}`),
  ...Array.from({ length: 4 }, (_, i) => `10.0.2.${i}`),
  '10.9.9.9',
];
const serviceArb = fc.uniqueArray(
  fc.record({
    key: fc.stringMatching(/^[a-c]\/[a-z]{1,3}$/),
    creationTimestamp: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
    requestedIP: fc.option(fc.constantFrom(...CANDIDATE_IPS), { nil: undefined, freq: 4 }),
    currentIP: fc.option(fc.constantFrom(...CANDIDATE_IPS), { nil: undefined, freq: 2 }),
    ingress: fc.option(fc.constant(true), { nil: undefined, freq: 10 }),
  }),
  { maxLength: 24, selector: (s) => s.key },
);
const clean = (s: ServiceVIPRequest): ServiceVIPRequest =>
  Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as ServiceVIPRequest;
const vipInput = (services: ServiceVIPRequest[]) => ({
  pools: POOLS,
  services: services.map(clean),
  ingressVIP: '10.0.0.3',
  controlPlaneVIP: '10.0.0.5',
});

describe('properties', () => {
  it('never hands out the same VIP twice, the control-plane VIP, or the ingress VIP to a non-ingress Service', () => {
    fc.assert(
      fc.property(serviceArb, (services) => {
        const r = allocateServiceVIPs(vipInput(services));
        const ips = Object.values(r.allocations);
        expect(new Set(ips).size).toBe(ips.length);
        expect(ips).not.toContain('10.0.0.5');
        for (const [key, ip] of Object.entries(r.allocations)) {
          const s = services.find((x) => x.key === key)!;
          if (ip === '10.0.0.3') expect(s.ingress).toBe(true);
          expect(r.errors[key]).toBeUndefined();
          // Inside a pool; not a buggy address of p2; manual pool only on request (or sticky status).
          expect(POOLS.some((p) => p.addresses.some((a) => inRange(ip, a)))).toBe(true);
          if (inSubnet(ip, '10.0.1.0/29')) expect(['10.0.1.0', '10.0.1.255']).not.toContain(ip);
          if (inSubnet(ip, '10.0.2.0/30')) expect([s.requestedIP, s.currentIP]).toContain(ip);
        }
        // Every Service gets an answer: an address or a reason.
        for (const s of services) expect(r.allocations[s.key] ?? r.errors[s.key]).toBeTypeOf('string');
        const used = r.poolUsage.reduce((n, u) => n + u.used, 0);
        expect(used).toBe(ips.length + 1 /* controlPlane VIP */ + (ips.includes('10.0.0.3') ? 0 : 1));
      }),
    );
  });

  it('honours every request that is free, valid and not reserved', () => {
    fc.assert(
      fc.property(serviceArb, (services) => {
        const r = allocateServiceVIPs(vipInput(services));
        for (const s of services) {
          if (!s.requestedIP || s.ingress) continue;
          const got = r.allocations[s.key];
          if (got !== undefined) expect(got).toBe(s.requestedIP);
          else expect(r.errors[s.key]).toMatch(/^requested IP/);
        }
      }),
    );
  });

  it('is independent of input order', () => {
    fc.assert(
      fc.property(serviceArb, fc.integer(), (services, seed) => {
        const shuffled = [...services].sort(
          (a, b) => ((a.key.charCodeAt(2) * seed) % 7) - ((b.key.charCodeAt(2) * seed) % 7),
        );
        expect(allocateServiceVIPs(vipInput(shuffled))).toEqual(allocateServiceVIPs(vipInput(services)));
      }),
    );
  });

  it('is sticky: feeding allocations back as status changes nothing, even when other Services come and go', () => {
    fc.assert(
      fc.property(serviceArb, serviceArb, fc.array(fc.boolean()), (services, extra, keep) => {
        const first = allocateServiceVIPs(vipInput(services));
        const withStatus = services.map((s) => ({ ...s, currentIP: first.allocations[s.key] }));
        expect(allocateServiceVIPs(vipInput(withStatus)).allocations).toEqual(first.allocations);
        // Unrelated changes: delete some Services, add new ones (without status).
        const survivors = withStatus.filter((_, i) => keep[i] ?? true);
        const newcomers = extra
          .filter((e) => !services.some((s) => s.key === e.key))
          .map((e) => ({ ...e, currentIP: undefined, ingress: undefined }));
        const next = allocateServiceVIPs(vipInput([...survivors, ...newcomers]));
        for (const s of survivors) {
          if (first.allocations[s.key] !== undefined)
            expect(next.allocations[s.key]).toBe(first.allocations[s.key]);
        }
      }),
    );
  });
});

function inRange(ip: string, entry: string): boolean {
  if (entry.includes('/')) return inSubnet(ip, entry);
  const [a, b] = entry.split('-') as [string, string];
  const n = (x: string) => x.split('.').reduce((s, o) => s * 256 + Number(o), 0);
  return n(ip) >= n(a) && n(ip) <= n(b);
}
