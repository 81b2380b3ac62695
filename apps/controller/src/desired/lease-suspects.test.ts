import { describe, expect, it } from 'vitest';
import type { NodeView } from '../nodes.js';
import { leaseSuspects, SUSPECT_HOLD_MS } from './lease-suspects.js';

const T = 1_000_000_000;
const view = (name: string, since = T - 3_600_000): NodeView => ({
  name,
  internalIPs: [],
  cidrs: [],
  ready: true,
  since,
  excluded: false,
  draining: undefined,
});
const views = [view('a'), view('b'), view('c')];

describe('leaseSuspects (pure)', () => {
  const base = {
    holders: { '10.0.3.100': 'a', '10.0.3.101': 'b' },
    heldSince: new Map([
      ['10.0.3.100', { holder: 'a', since: T - 60_000 }],
      ['10.0.3.101', { holder: 'b', since: T - 60_000 }],
    ]),
    expirySeconds: 3,
    views,
    previous: undefined,
  };

  it('a holder whose Lease expired is a suspect; a renewing one is not; the hold bounds it', () => {
    const r = leaseSuspects({
      ...base,
      leases: {
        '10.0.3.100': { holder: 'a', renewedAt: T - 3_000 },
        '10.0.3.101': { holder: 'b', renewedAt: T - 500 },
      },
      now: T,
    });
    expect([...r.suspects]).toEqual([['a', T]]);
    expect(r.recheckAt).toBe(T + SUSPECT_HOLD_MS);
  });

  it('stays a suspect after its floating IP moved away, until the hold, a Ready change or a renewal', () => {
    const previous = new Map([['a', T]]);
    /** After the move: c and b hold the floating IPs and renew them (last seen 500 ms before `now`). */
    const moved = (now: number, extra: Record<string, { holder: string; renewedAt: number }> = {}) =>
      leaseSuspects({
        ...base,
        holders: { '10.0.3.100': 'c', '10.0.3.101': 'b' },
        leases: {
          '10.0.3.100': { holder: 'c', renewedAt: now - 500 },
          '10.0.3.101': { holder: 'b', renewedAt: now - 500 },
          ...extra,
        },
        previous,
        now,
      }).suspects;
    expect([...moved(T + 2_000)]).toEqual([['a', T]]);
    expect(moved(T + SUSPECT_HOLD_MS - 1).size).toBe(1);
    expect(moved(T + SUSPECT_HOLD_MS).size).toBe(0);
    // Claimed a Lease again after the suspicion began.
    expect(moved(T + 6_000, { '10.0.3.102': { holder: 'a', renewedAt: T + 5_000 } }).size).toBe(0);
    // Went NotReady and back (the Ready condition changed after the suspicion began); node gone.
    const now = T + 20_000;
    const leases = {
      '10.0.3.100': { holder: 'c', renewedAt: now - 500 },
      '10.0.3.101': { holder: 'b', renewedAt: now - 500 },
    };
    const holders = { '10.0.3.100': 'c', '10.0.3.101': 'b' };
    const changed = [view('a', T + 10_000), view('b'), view('c')];
    expect(leaseSuspects({ ...base, holders, leases, views: changed, previous, now }).suspects.size).toBe(0);
    expect(
      leaseSuspects({ ...base, holders, leases, views: [view('b'), view('c')], previous, now }).suspects.size,
    ).toBe(0);
  });

  it('Lease path off or no Leases seen: nobody is a suspect', () => {
    expect(leaseSuspects({ ...base, leases: undefined, now: T }).suspects.size).toBe(0);
    expect(
      leaseSuspects({
        ...base,
        expirySeconds: 0,
        leases: { '10.0.3.100': { holder: 'a', renewedAt: T - 60_000 } },
        now: T,
      }).suspects.size,
    ).toBe(0);
  });
});
