import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignFloatingIPs, type FloatingIPNode } from './floating-ips.js';
import { heldSinceOf, leaseFreshness } from './lease-freshness.js';

const T0 = Date.parse('2026-12-05T00:00:00Z');
const at = (s: number) => T0 + s * 1000;

describe('leaseFreshness (pure, fake time)', () => {
  const base = { holders: { '10.0.1.100': 'a' }, expirySeconds: 3 };

  it('a holder renewing within the expiry is fresh; the deadline is the last renewal + expiry', () => {
    const r = leaseFreshness({
      ...base,
      leases: { '10.0.1.100': { holder: 'a', renewedAt: at(10) } },
      heldSince: { '10.0.1.100': at(0) },
      now: at(12.9),
    });
    expect(r.expired.size).toBe(0);
    expect(r.deadline).toBe(at(13));
  });

  it('expires exactly at last renewal + expiry, and says who and for how long', () => {
    const r = leaseFreshness({
      ...base,
      leases: { '10.0.1.100': { holder: 'a', renewedAt: at(10) } },
      now: at(13),
    });
    expect([...r.expired]).toEqual([
      ['10.0.1.100', 'node a has not renewed the Lease of floating IP 10.0.1.100 for 3.0 s (expiry 3.0 s)'],
    ]);
    expect(r.deadline).toBeNull();
    expect(r.expiredAt.get('10.0.1.100')).toBe(at(13));
  });

  it('a new holder gets the expiry from when it was given the IP to claim the Lease', () => {
    const leases = { '10.0.1.100': { holder: 'old', renewedAt: at(0) } };
    const heldSince = { '10.0.1.100': at(100) };
    expect(leaseFreshness({ ...base, leases, heldSince, now: at(102) }).expired.size).toBe(0);
    const late = leaseFreshness({ ...base, leases, heldSince, now: at(103.5) });
    expect(late.expired.get('10.0.1.100')).toMatch(/has not claimed .* held by old/);
    // Another node renewing the Lease is no sign of life of the holder.
    const other = leaseFreshness({
      ...base,
      leases: { '10.0.1.100': { holder: 'old', renewedAt: at(103) } },
      heldSince,
      now: at(103.5),
    });
    expect(other.expired.has('10.0.1.100')).toBe(true);
  });

  it('never expires before the Lease own leaseDurationSeconds (the holder fences on that)', () => {
    const leases = { '10.0.1.100': { holder: 'a', renewedAt: at(0), durationSeconds: 5 } };
    expect(leaseFreshness({ ...base, leases, now: at(4.9) }).expired.size).toBe(0);
    expect(leaseFreshness({ ...base, leases, now: at(5) }).expired.size).toBe(1);
  });

  it('no Lease, no holder, no known time, expiry 0: nothing is proven expired', () => {
    expect(leaseFreshness({ ...base, leases: {}, now: at(100) }).expired.size).toBe(0);
    expect(
      leaseFreshness({
        holders: { '10.0.1.100': null },
        leases: { '10.0.1.100': { holder: 'a', renewedAt: at(0) } },
        expirySeconds: 3,
        now: at(100),
      }).expired.size,
    ).toBe(0);
    // The Lease names another node and we do not know since when `a` holds the IP.
    expect(
      leaseFreshness({ ...base, leases: { '10.0.1.100': { holder: 'b', renewedAt: at(0) } }, now: at(100) })
        .expired.size,
    ).toBe(0);
    expect(
      leaseFreshness({
        ...base,
        expirySeconds: 0,
        leases: { '10.0.1.100': { holder: 'a', renewedAt: at(0) } },
        now: at(100),
      }).expired.size,
    ).toBe(0);
  });

  it('bad input is reported, not thrown', () => {
    const bad = leaseFreshness({ ...base, expirySeconds: -1, leases: {}, now: at(0) });
    expect(bad.warnings).toEqual(['lease expiry must be a number >= 0, got -1; Lease path off']);
    const badTime = leaseFreshness({
      ...base,
      leases: { '10.0.1.100': { holder: 'a', renewedAt: 'yesterday' } },
      heldSince: { '10.0.1.100': at(0) },
      now: at(1),
    });
    expect(badTime.warnings[0]).toMatch(/renewal time yesterday is not a valid time/);
    expect(badTime.deadline).toBe(at(3)); // falls back to heldSince
    expect(leaseFreshness({ ...base, leases: {}, now: 'never' }).expired.size).toBe(0);
  });

  it('IP keys are compared canonically (IPv6 spellings)', () => {
    const r = leaseFreshness({
      holders: { '2001:db8::0001': 'a' },
      leases: { '2001:db8::1': { holder: 'a', renewedAt: at(0) } },
      expirySeconds: 3,
      now: at(4),
    });
    expect([...r.expired.keys()]).toEqual(['2001:db8::1']);
  });
});

describe('heldSinceOf', () => {
  it('keeps the time of an unchanged holder and starts a new one now', () => {
    const first = heldSinceOf({ '10.0.1.100': 'a', '10.0.1.101': 'b', bad: null }, undefined, at(0));
    expect([...first]).toEqual([
      ['10.0.1.100', { holder: 'a', since: at(0) }],
      ['10.0.1.101', { holder: 'b', since: at(0) }],
    ]);
    const next = heldSinceOf({ '10.0.1.100': 'a', '10.0.1.101': 'c' }, first, at(5));
    expect(next.get('10.0.1.100')).toEqual({ holder: 'a', since: at(0) });
    expect(next.get('10.0.1.101')).toEqual({ holder: 'c', since: at(5) });
  });
});

describe('assignFloatingIPs with Leases (the fast path)', () => {
  const node = (name: string, address: string): FloatingIPNode => ({
    name,
    addresses: [address],
    ready: true,
    readySince: at(-3600),
  });
  const nodes = [node('a', '10.0.1.10/24'), node('b', '10.0.1.11/24'), node('c', '10.0.1.12/24')];
  const fips = ['10.0.1.100', '10.0.1.101'];
  const previous = { '10.0.1.100': 'a', '10.0.1.101': 'b' };
  const input = (now: number, leases: Record<string, { holder: string; renewedAt: number }>) => ({
    floatingIPs: fips,
    nodes,
    previous,
    now,
    graceSeconds: 30,
    leases,
    heldSince: { '10.0.1.100': at(0), '10.0.1.101': at(0) },
    leaseExpirySeconds: 3,
  });

  it('a holder whose Lease expired loses the IP at once, though its Node is still Ready', () => {
    const leases = {
      '10.0.1.100': { holder: 'a', renewedAt: at(10) },
      '10.0.1.101': { holder: 'b', renewedAt: at(12.5) },
    };
    const fresh = assignFloatingIPs(input(at(12.9), leases));
    expect(fresh.moves).toEqual([]);
    expect(fresh.leaseDeadline).toBe(at(13));
    const r = assignFloatingIPs(input(at(13), leases));
    // Not to b (it holds one already: spread), and never back to a (a suspect).
    expect(r.moves).toEqual([
      { ip: '10.0.1.100', from: 'a', to: 'c', reason: 'lease-expired', dueAt: at(13) },
    ]);
    expect(r.leaseDeadline).toBe(at(15.5));
  });

  it('a node with an expired Lease gets no new floating IP, even as the least loaded node', () => {
    const two = [node('a', '10.0.1.10/24'), node('b', '10.0.1.11/24')];
    const r = assignFloatingIPs({
      ...input(at(20), {
        '10.0.1.100': { holder: 'a', renewedAt: at(10) },
        '10.0.1.101': { holder: 'b', renewedAt: at(19) },
      }),
      nodes: two,
      floatingIPs: [...fips, '10.0.1.102'],
    });
    expect(r.assignments).toEqual({ '10.0.1.100': 'b', '10.0.1.101': 'b', '10.0.1.102': 'b' });
  });

  it('when no other node can take it, the IP stays with its holder and a warning says why', () => {
    const r = assignFloatingIPs({
      ...input(at(20), {
        '10.0.1.100': { holder: 'a', renewedAt: at(10) },
        '10.0.1.101': { holder: 'b', renewedAt: at(10) },
      }),
      nodes: nodes.slice(0, 2),
    });
    expect(r.assignments).toEqual(previous);
    expect(r.moves).toEqual([]);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/no other ready node can take it; it stays on a$/);
  });

  it('without Leases (old agents, Lease path off) only NotReady moves anything', () => {
    const r = assignFloatingIPs({ ...input(at(1000), {}), leases: undefined });
    expect(r.moves).toEqual([]);
    expect(r.leaseDeadline).toBeNull();
  });

  it('property: never moves a floating IP while its holder renewed within the expiry', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        (lastA, sinceNow, expiry) => {
          const now = at(lastA + sinceNow);
          const r = assignFloatingIPs({
            ...input(now, {
              '10.0.1.100': { holder: 'a', renewedAt: at(lastA) },
              '10.0.1.101': { holder: 'b', renewedAt: now },
            }),
            heldSince: { '10.0.1.100': at(0), '10.0.1.101': at(0) },
            leaseExpirySeconds: expiry,
          });
          const moved = r.moves.some((m) => m.ip === '10.0.1.100');
          expect(moved).toBe(now - at(lastA) >= expiry * 1000);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
