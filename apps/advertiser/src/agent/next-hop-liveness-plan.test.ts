import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideNextHops,
  type HopObservation,
  INITIAL_LIVENESS,
  type LivenessDecision,
  type LivenessState,
  withoutWithdrawn,
} from './next-hop-liveness-plan.js';

const settings = { holdDownMs: 3_000, isolationWindowMs: 1_800 };
const DETECT = 900;

/** A session that is Up and hears its peer every 300 ms (last packet `ago` ms before `now`). */
function up(address: string, now: number, since = 0, ago = 100): HopObservation {
  return { address, state: 'Up', wasUp: true, since, lastReceivedAt: now - ago, detectionTimeMs: DETECT };
}

function downAt(address: string, since: number, lastReceivedAt = since - DETECT): HopObservation {
  return { address, state: 'Down', wasUp: true, since, lastReceivedAt, detectionTimeMs: DETECT };
}

function decide(state: LivenessState, now: number, hops: HopObservation[], selfNextHops = 0) {
  return decideNextHops(state, { now, hops, selfNextHops, settings });
}

describe('decideNextHops: withdraw and hold-down', () => {
  it('announces next hops whose session was never Up (unverified), and Up ones', () => {
    const d = decide(INITIAL_LIVENESS, 1_000, [
      { address: '10.0.1.11', state: 'Starting', wasUp: false, since: 0, detectionTimeMs: 0 },
      { address: '10.0.1.12', state: 'Down', wasUp: false, since: 0, detectionTimeMs: 0 },
      up('10.0.1.13', 1_000),
    ]);
    expect([...d.state.withdrawn]).toEqual([]);
    expect(d.changes).toEqual([]);
    expect(Object.fromEntries(d.verdicts)).toEqual({
      '10.0.1.11': 'unverified',
      '10.0.1.12': 'unverified',
      '10.0.1.13': 'announced',
    });
  });

  it('withdraws a next hop at once when its session goes Down, with the reason', () => {
    const now = 10_000;
    const d = decide(INITIAL_LIVENESS, now, [
      downAt('10.0.1.11', now),
      up('10.0.1.12', now),
      up('10.0.1.13', now),
    ]);
    expect([...d.state.withdrawn]).toEqual(['10.0.1.11']);
    expect(d.changes).toEqual([{ hop: '10.0.1.11', action: 'withdraw', reason: 'bfd-down' }]);
    expect(d.verdicts.get('10.0.1.11')).toBe('withdrawn');
    expect(d.isolationChange).toBeUndefined();
  });

  it('keeps it withdrawn while Up for less than the hold-down, then announces it', () => {
    const withdrawn: LivenessState = { withdrawn: new Set(['10.0.1.11']) };
    const others = (now: number) => [up('10.0.1.12', now), up('10.0.1.13', now)];
    const early = decide(withdrawn, 12_000, [up('10.0.1.11', 12_000, 10_000), ...others(12_000)]);
    expect([...early.state.withdrawn]).toEqual(['10.0.1.11']);
    expect(early.verdicts.get('10.0.1.11')).toBe('hold-down');
    expect(early.changes).toEqual([]);
    expect(early.wakeAt).toBe(13_000);
    const late = decide(early.state, 13_000, [up('10.0.1.11', 13_000, 10_000), ...others(13_000)]);
    expect([...late.state.withdrawn]).toEqual([]);
    expect(late.changes).toEqual([{ hop: '10.0.1.11', action: 'announce', reason: 'hold-down-expired' }]);
  });

  it('keeps a withdrawn next hop withdrawn while its session restarts', () => {
    const withdrawn: LivenessState = { withdrawn: new Set(['10.0.1.11']) };
    const d = decide(withdrawn, 5_000, [
      { address: '10.0.1.11', state: 'Starting', wasUp: false, since: 4_000, detectionTimeMs: 0 },
      up('10.0.1.12', 5_000),
      up('10.0.1.13', 5_000),
    ]);
    expect([...d.state.withdrawn]).toEqual(['10.0.1.11']);
    expect(d.changes).toEqual([]);
  });

  it("does not withdraw on the peer's AdminDown (a clean stop of its agent), and re-announces on it", () => {
    const stopped: HopObservation = { ...downAt('10.0.1.11', 5_000), peerAdminDown: true };
    const fresh = decide(INITIAL_LIVENESS, 5_000, [stopped, up('10.0.1.12', 5_000)]);
    expect([...fresh.state.withdrawn]).toEqual([]);
    expect(fresh.verdicts.get('10.0.1.11')).toBe('peer-admin-down');
    const wasWithdrawn = decide({ withdrawn: new Set(['10.0.1.11']) }, 5_000, [
      stopped,
      up('10.0.1.12', 5_000),
    ]);
    expect(wasWithdrawn.changes).toEqual([
      { hop: '10.0.1.11', action: 'announce', reason: 'peer-admin-down' },
    ]);
  });

  it('forgets a withdrawn next hop that left the set, without a change', () => {
    const d = decide({ withdrawn: new Set(['10.0.1.11']) }, 5_000, [up('10.0.1.12', 5_000)]);
    expect([...d.state.withdrawn]).toEqual([]);
    expect(d.changes).toEqual([]);
  });
});

describe('decideNextHops: the self-isolation guard', () => {
  it('withdraws one of three (not most)', () => {
    const now = 20_000;
    const d = decide(INITIAL_LIVENESS, now, [downAt('a', now), up('b', now), up('c', now)]);
    expect(d.isolationChange).toBeUndefined();
    expect([...d.state.withdrawn]).toEqual(['a']);
  });

  it('suspects itself when most next hops are Down at once: keeps them and reports it', () => {
    const now = 20_000;
    const d = decide(INITIAL_LIVENESS, now, [downAt('a', now - 100), downAt('b', now), up('c', now)]);
    expect(d.isolationChange).toEqual({ to: 'suspected', failing: ['a', 'b'], counted: 3 });
    expect([...d.state.withdrawn]).toEqual([]);
    expect(d.verdicts.get('a')).toBe('kept-isolated');
    expect(d.changes).toEqual([]);
  });

  it('counts a silent Up session as failing: the first Down of a cut-off holder withdraws nothing', () => {
    const now = 20_000;
    // Cut at 19_100: a's detection fired now; b and c have heard nothing for 600-800 ms.
    const d = decide(INITIAL_LIVENESS, now, [downAt('a', now), up('b', now, 0, 600), up('c', now, 0, 800)]);
    expect(d.isolationChange?.to).toBe('suspected');
    expect([...d.state.withdrawn]).toEqual([]);
    expect(d.changes).toEqual([]);
  });

  it('re-announces a next hop withdrawn a moment before the guard began', () => {
    const now = 20_000;
    const first = decide(INITIAL_LIVENESS, now, [downAt('a', now), up('b', now, 0, 300), up('c', now)]);
    expect([...first.state.withdrawn]).toEqual(['a']);
    // b was not silent enough at first; the decision asks to be woken when it would be.
    expect(first.wakeAt).toBe(now - 300 + DETECT / 2 + 1);
    const second = decide(first.state, now + 200, [
      downAt('a', now),
      downAt('b', now + 200),
      up('c', now + 200),
    ]);
    expect(second.isolationChange?.to).toBe('suspected');
    expect(second.changes).toEqual([{ hop: 'a', action: 'announce', reason: 'isolation-suspected' }]);
  });

  it('counts this node as an alive next hop: one of two others Down is withdrawn', () => {
    const now = 20_000;
    expect(decide(INITIAL_LIVENESS, now, [downAt('a', now), up('b', now)], 1).state.withdrawn).toEqual(
      new Set(['a']),
    );
    // Without this node among the next hops, the same is half, still not most.
    expect(decide(INITIAL_LIVENESS, now, [downAt('a', now), up('b', now)]).state.withdrawn).toEqual(
      new Set(['a']),
    );
    // The only other next hop of a node that is one itself: one of two.
    expect(decide(INITIAL_LIVENESS, now, [downAt('a', now)], 1).state.withdrawn).toEqual(new Set(['a']));
  });

  it('counts this node once per family it is a next hop in: a dual-stack peer dying is half, and withdrawn', () => {
    const now = 20_000;
    // Two dual-stack load-balancer nodes, this one and b: b's IPv4 and IPv6 next hops die
    // together. Against this node's two next hops that is two of four (as one of two for IPv4
    // alone), not most: withdrawn.
    const bDead = [downAt('10.0.1.11', now), downAt('2001:db8:1::11', now)];
    const d = decide(INITIAL_LIVENESS, now, bDead, 2);
    expect(d.isolationChange).toBeUndefined();
    expect(d.state.withdrawn).toEqual(new Set(['10.0.1.11', '2001:db8:1::11']));
    // Counting this node once, two of three would have looked like self-isolation.
    expect(decide(INITIAL_LIVENESS, now, bDead, 1).isolationChange?.to).toBe('suspected');
  });

  it('counts a next hop not yet seen Up as not failing: a new holder withdraws the one that died', () => {
    const now = 20_000;
    // Just took over: the session to a is still starting, b was Up and dies.
    const starting: HopObservation = {
      address: 'a',
      state: 'Down',
      wasUp: false,
      since: now - 5_000,
      detectionTimeMs: 0,
    };
    const d = decide(INITIAL_LIVENESS, now, [starting, downAt('b', now)]);
    expect(d.isolationChange).toBeUndefined();
    expect(d.state.withdrawn).toEqual(new Set(['b']));
  });

  it('a Down the peer signalled waits for the settle time, then is withdrawn', () => {
    const now = 20_000;
    const signaled = (address: string, since: number): HopObservation => ({
      ...downAt(address, since, since - 50),
      peerSignaledDown: true,
    });
    const withSettle = { ...settings, signaledSettleMs: 450 };
    const first = decideNextHops(INITIAL_LIVENESS, {
      now,
      hops: [signaled('a', now), up('b', now), up('c', now)],
      selfNextHops: 0,
      settings: withSettle,
    });
    expect(first.state.withdrawn.size).toBe(0);
    expect(first.verdicts.get('a')).toBe('settling');
    expect(first.wakeAt).toBeLessThanOrEqual(now + 450);
    const later = decideNextHops(first.state, {
      now: now + 450,
      hops: [signaled('a', now), up('b', now + 450), up('c', now + 450)],
      selfNextHops: 0,
      settings: withSettle,
    });
    expect(later.changes).toEqual([{ hop: 'a', action: 'withdraw', reason: 'bfd-down' }]);
  });

  it('a one-way cut (every peer signals Down while its packets still arrive): the guard, no withdrawal', () => {
    const now = 20_000;
    const withSettle = { ...settings, signaledSettleMs: 450 };
    const hops = (t: number, bDown: boolean): HopObservation[] => [
      { ...downAt('a', now, t - 20), peerSignaledDown: true },
      bDown ? { ...downAt('b', now + 200, t - 20), peerSignaledDown: true } : up('b', t),
    ];
    const first = decideNextHops(INITIAL_LIVENESS, {
      now,
      hops: hops(now, false),
      selfNextHops: 0,
      settings: withSettle,
    });
    expect(first.changes).toEqual([]);
    const second = decideNextHops(first.state, {
      now: now + 200,
      hops: hops(now + 200, true),
      selfNextHops: 0,
      settings: withSettle,
    });
    expect(second.isolationChange?.to).toBe('suspected');
    expect(second.changes).toEqual([]);
    expect(second.state.withdrawn.size).toBe(0);
  });

  it('a next hop dead for longer than the window is not evidence: a later Down is withdrawn', () => {
    const now = 60_000;
    const d = decide({ withdrawn: new Set(['a']) }, now, [
      downAt('a', 10_000),
      downAt('b', now),
      up('c', now),
    ]);
    expect(d.isolationChange).toBeUndefined();
    expect(d.state.withdrawn).toEqual(new Set(['a', 'b']));
  });

  it('holds while most counted next hops fail, and clears when most are back', () => {
    const t = 20_000;
    const isolated = decide(INITIAL_LIVENESS, t, [downAt('a', t), downAt('b', t), downAt('c', t)]);
    expect(isolated.isolationChange).toEqual({ to: 'suspected', failing: ['a', 'b', 'c'], counted: 3 });
    // Minutes later, still cut off: still kept (the window only decides how the guard starts).
    const later = decide(isolated.state, t + 120_000, [downAt('a', t), downAt('b', t), downAt('c', t)]);
    expect(later.isolationChange).toBeUndefined();
    expect(later.state.withdrawn.size).toBe(0);
    expect(later.state.isolation).toBeDefined();
    // Two of three back: cleared; the one still Down is withdrawn now.
    const back = decide(later.state, t + 130_000, [
      up('a', t + 130_000, t + 129_000),
      up('b', t + 130_000, t + 129_000),
      downAt('c', t),
    ]);
    expect(back.isolationChange).toEqual({ to: 'cleared', failing: ['c'], counted: 3 });
    expect(back.changes).toEqual([{ hop: 'c', action: 'withdraw', reason: 'bfd-down' }]);
    expect(back.state.withdrawn).toEqual(new Set(['c']));
  });
});

/** Drives one decision per event, as the executor does, and counts route changes. */
function simulate(
  events: { at: number; state: 'Up' | 'Down' }[],
  endAt: number,
): { changes: LivenessDecision['changes']; final: LivenessState } {
  let state = INITIAL_LIVENESS;
  let hop: HopObservation = {
    address: 'x',
    state: 'Up',
    wasUp: true,
    since: 0,
    lastReceivedAt: 0,
    detectionTimeMs: DETECT,
  };
  const changes: LivenessDecision['changes'] = [];
  let wakeAt: number | undefined;
  const step = (now: number) => {
    const others = [up('y', now), up('z', now)];
    const d = decideNextHops(state, { now, hops: [hop, ...others], selfNextHops: 0, settings });
    state = d.state;
    changes.push(...d.changes);
    wakeAt = d.wakeAt;
  };
  for (const e of events) {
    while (wakeAt !== undefined && wakeAt <= e.at) step(wakeAt);
    hop = {
      ...hop,
      state: e.state,
      since: e.at,
      lastReceivedAt: e.state === 'Up' ? e.at : hop.lastReceivedAt,
    };
    step(e.at);
  }
  while (wakeAt !== undefined && wakeAt <= endAt) step(wakeAt);
  step(endAt);
  return { changes, final: state };
}

describe('decideNextHops: flapping (fake time)', () => {
  it('10 flaps in 10 s change the route twice: withdrawn once, announced once after the hold-down', () => {
    const events: { at: number; state: 'Up' | 'Down' }[] = [];
    for (let i = 0; i < 10; i++) {
      events.push({ at: 1_000 + i * 1_000, state: 'Down' }, { at: 1_500 + i * 1_000, state: 'Up' });
    }
    const { changes, final } = simulate(events, 20_000);
    expect(changes).toEqual([
      { hop: 'x', action: 'withdraw', reason: 'bfd-down' },
      { hop: 'x', action: 'announce', reason: 'hold-down-expired' },
    ]);
    expect(final.withdrawn.size).toBe(0);
  });

  it('property: any flap sequence changes the route at most twice per hold-down-long Up period, never announcing early', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4_000 }), { minLength: 1, maxLength: 30 }), (gaps) => {
        const events: { at: number; state: 'Up' | 'Down' }[] = [];
        let t = 1_000;
        gaps.forEach((gap, i) => {
          t += gap;
          events.push({ at: t, state: i % 2 === 0 ? 'Down' : 'Up' });
        });
        const { changes } = simulate(events, t + 10_000);
        // An announce needs an Up period of at least the hold-down (the last one lasts 10 s), and
        // every withdraw after the first needs an announce before it.
        const longUps = events.filter(
          (e, i) => e.state === 'Up' && (events[i + 1]?.at ?? t + 10_000) - e.at >= settings.holdDownMs,
        ).length;
        const announces = changes.filter((c) => c.action === 'announce').length;
        expect(announces).toBeLessThanOrEqual(longUps);
        expect(changes.length).toBeLessThanOrEqual(2 * longUps + 1);
        // Withdraw and announce alternate, starting with a withdraw.
        changes.forEach((c, i) => {
          expect(c.action).toBe(i % 2 === 0 ? 'withdraw' : 'announce');
        });
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('property: never withdraws a next hop that never came Up, nor more than half of those seen Up at once', () => {
    const hopArb = fc.record({
      state: fc.constantFrom('AdminDown', 'Down', 'Init', 'Up', 'Starting' as const),
      wasUp: fc.boolean(),
      sinceAgo: fc.integer({ min: 0, max: 5_000 }),
      silentMs: fc.integer({ min: 0, max: 2_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(hopArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 }),
        (raw, self) => {
          const now = 100_000;
          const hops: HopObservation[] = raw.map((h, i) => ({
            address: `10.0.1.${i + 10}`,
            state: h.state,
            wasUp: h.wasUp || h.state === 'Up',
            since: now - h.sinceAgo,
            lastReceivedAt: now - h.silentMs,
            detectionTimeMs: DETECT,
          }));
          const d = decide(INITIAL_LIVENESS, now, hops, self);
          for (const h of hops) if (!h.wasUp) expect(d.state.withdrawn.has(h.address)).toBe(false);
          // From a clean start, what is withdrawn "at once" (within the window) is never most.
          const recent = hops.filter((h) => h.wasUp && now - h.since <= settings.isolationWindowMs);
          const recentWithdrawn = recent.filter((h) => d.state.withdrawn.has(h.address)).length;
          const counted = hops.filter(
            (h) =>
              !h.wasUp ||
              h.state === 'Up' ||
              h.state === 'Starting' ||
              now - h.since <= settings.isolationWindowMs,
          ).length;
          expect(recentWithdrawn * 2).toBeLessThanOrEqual(counted + self);
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('withoutWithdrawn', () => {
  it('leaves withdrawn next hops out, and returns the same list when none is', () => {
    const paths = [{ nextHop: 'a' }, { nextHop: 'b' }];
    expect(withoutWithdrawn(paths, new Set())).toBe(paths);
    expect(withoutWithdrawn(paths, new Set(['c']))).toBe(paths);
    expect(withoutWithdrawn(paths, new Set(['a']))).toEqual([{ nextHop: 'b' }]);
  });
});
