import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4 } from './address.js';
import { rendezvousTopK } from './hash.js';
import {
  createNextHopSelector,
  type LBNode,
  type NextHopSelection,
  type PeerSessions,
  placeSessions,
  selectNextHops,
} from './next-hops.js';

const lb = (n: number, ready = true): LBNode => ({ name: `lb-${n}`, address: `10.0.3.${10 + n}`, ready });
const nodes = (count: number) => Array.from({ length: count }, (_, i) => lb(i));

function hopsOf(sel: NextHopSelection): Map<string, string[]> {
  return new Map(sel.sessions.map((s) => [`${s.peer}|${s.session}`, s.nextHops]));
}

describe('selectNextHops', () => {
  it('spec example 03: a peer with two sessions gets two distinct LB nodes', () => {
    const r = selectNextHops({
      vip: '10.0.0.2',
      lbNodes: [lb(0), lb(1)],
      peerSessions: [{ peer: 'bgppeer1', sessions: ['10.0.3.101', '10.0.3.100'] }],
      addPath: false,
    });
    expect(r.vip).toBe('10.0.0.2');
    expect(r.sessions.map((s) => s.session)).toEqual(['10.0.3.100', '10.0.3.101']);
    expect(r.sessions.map((s) => s.index)).toEqual([0, 1]);
    expect(new Set(r.sessions.flatMap((s) => s.nextHops))).toEqual(new Set(['10.0.3.10', '10.0.3.11']));
    // Session i carries the i-th rendezvous choice: the node agent can compute the same thing.
    const top = rendezvousTopK('10.0.0.2', ['10.0.3.11', '10.0.3.10'], 2);
    expect(r.sessions.map((s) => s.nextHops[0])).toEqual(top);
  });

  it('with ADD-PATH every ready load-balancer node is a path; not-ready nodes never are', () => {
    const r = selectNextHops({
      vip: '10.0.0.2',
      lbNodes: [lb(0), lb(1, false), lb(2), lb(2)],
      peerSessions: [
        { peer: 'p', sessions: ['10.0.3.100'] },
        { peer: 'q', sessions: ['10.0.3.100'], addPath: false },
      ],
      addPath: true,
    });
    expect(new Set(r.sessions[0]!.nextHops)).toEqual(new Set(['10.0.3.10', '10.0.3.12']));
    expect(r.sessions[0]!.nextHops).toHaveLength(2);
    expect(r.sessions[1]!.nextHops).toHaveLength(1);
  });

  it('withdraws (no next hops) when no load-balancer node is ready', () => {
    const r = selectNextHops({
      vip: '10.0.0.2',
      lbNodes: [lb(0, false)],
      peerSessions: [{ peer: 'p', sessions: ['a', 'b'] }],
      addPath: false,
    });
    expect(r.sessions.map((s) => s.nextHops)).toEqual([[], []]);
  });

  it('more sessions than nodes: sessions wrap around so every session still announces', () => {
    const r = selectNextHops({
      vip: '10.0.0.2',
      lbNodes: nodes(2),
      peerSessions: [{ peer: 'p', sessions: ['10.0.3.100', '10.0.3.101', '10.0.3.102'] }],
      addPath: false,
    });
    const hops = r.sessions.map((s) => s.nextHops[0]);
    expect(hops[2]).toBe(hops[0]);
    expect(hops[0]).not.toBe(hops[1]);
    // With history, a kept session frees the wrap-around from rank order.
    const again = selectNextHops({
      vip: '10.0.0.2',
      lbNodes: nodes(2),
      peerSessions: [{ peer: 'p', sessions: ['10.0.3.100', '10.0.3.101', '10.0.3.102'] }],
      addPath: false,
      previous: r,
    });
    expect(again).toEqual(r);
  });

  it('placeSessions: with more sessions than nodes every node still serves the VIP', () => {
    // Previous [A, B, A, B] over nodes A, B, C: C must get a session, only one node is doubled.
    expect(placeSessions(['A', 'B', 'C'], 4, ['A', 'B', 'A', 'B'])).toEqual(['A', 'B', 'A', 'C']);
    expect(placeSessions(['A', 'B', 'C'], 4, [])).toEqual(['A', 'B', 'C', 'A']);
    expect(placeSessions(['A', 'B', 'C'], 2, ['C', 'gone'])).toEqual(['C', 'A']);
    expect(placeSessions(['A', 'B'], 2, ['B', 'B'])).toEqual(['B', 'A']);
  });

  it('matches previous sessions by peer and session id, whatever their order', () => {
    const input = {
      vip: '10.0.0.9',
      lbNodes: nodes(6),
      peerSessions: [{ peer: 'p', sessions: ['10.0.3.100', '10.0.3.101', '10.0.3.102'] }],
      addPath: false,
    };
    const first = selectNextHops(input);
    const scrambled: NextHopSelection = {
      vip: first.vip,
      sessions: [...first.sessions].reverse().map((s) => ({ ...s, index: 99 })),
    };
    const gone = first.sessions[0]!.nextHops[0]!;
    const after = selectNextHops({
      ...input,
      lbNodes: nodes(6).filter((n) => n.address !== gone),
      previous: scrambled,
    });
    expect(after.sessions[1]!.nextHops).toEqual(first.sessions[1]!.nextHops);
    expect(after.sessions[2]!.nextHops).toEqual(first.sessions[2]!.nextHops);
    expect(after.sessions[0]!.nextHops[0]).not.toBe(gone);
  });

  it('reuses prepared work only while nodes and sessions are unchanged, even if mutated in place', () => {
    const lbNodes = nodes(4);
    const peerSessions = [{ peer: 'p', sessions: ['10.0.3.100', '10.0.3.101'] }];
    const vip = '10.0.0.7';
    const a = selectNextHops({ vip, lbNodes, peerSessions, addPath: false });
    expect(createNextHopSelector({ lbNodes, peerSessions, addPath: false }).select(vip)).toEqual(a);
    const used = a.sessions[0]!.nextHops[0]!;
    lbNodes.find((n) => n.address === used)!.ready = false; // in place
    const b = selectNextHops({ vip, lbNodes, peerSessions, addPath: false });
    expect(b.sessions.flatMap((s) => s.nextHops)).not.toContain(used);
    peerSessions[0]!.sessions.push('10.0.3.102'); // in place
    expect(selectNextHops({ vip, lbNodes, peerSessions, addPath: false }).sessions).toHaveLength(3);
    expect(selectNextHops({ vip, lbNodes, peerSessions, addPath: true }).sessions[0]!.nextHops).toHaveLength(
      3,
    );
    expect(
      selectNextHops({ vip, lbNodes, peerSessions: [{ ...peerSessions[0]!, peer: 'q' }], addPath: false })
        .sessions[0]!.peer,
    ).toBe('q');
    expect(
      selectNextHops({ vip, lbNodes: lbNodes.slice(1), peerSessions, addPath: false }).sessions,
    ).toHaveLength(3);
  });

  it('sorts sessions by address, non-addresses last, and de-duplicates them', () => {
    const r = selectNextHops({
      vip: 'not-an-ip',
      lbNodes: nodes(4),
      peerSessions: [{ peer: 'p', sessions: ['z', '10.0.3.20', '10.0.3.3', 'a', '10.0.3.3', '::1'] }],
      addPath: false,
    });
    expect(r.vip).toBe('not-an-ip');
    expect(r.sessions.map((s) => s.session)).toEqual(['10.0.3.3', '10.0.3.20', '::1', 'a', 'z']);
  });
});

// ---------------------------------------------------------------- properties

const scenario = fc.record({
  vip: fc.ipV4(),
  nodeCount: fc.integer({ min: 0, max: 12 }),
  notReady: fc.array(fc.nat(11), { maxLength: 4 }),
  peers: fc.uniqueArray(
    fc.record({ peer: fc.constantFrom('tor-a', 'tor-b', 'tor-c'), k: fc.integer({ min: 1, max: 6 }) }),
    { minLength: 1, maxLength: 3, selector: (p) => p.peer },
  ),
});
function build(s: { nodeCount: number; notReady: number[]; peers: { peer: string; k: number }[] }) {
  const lbNodes = Array.from({ length: s.nodeCount }, (_, i) => lb(i, !s.notReady.includes(i)));
  const peerSessions: PeerSessions[] = s.peers.map((p) => ({
    peer: p.peer,
    sessions: Array.from({ length: p.k }, (_, i) => `10.0.3.${100 + i}`),
  }));
  return { lbNodes, peerSessions };
}

describe('properties', () => {
  it('k sessions to a peer get k distinct ready next hops whenever k <= ready nodes', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { lbNodes, peerSessions } = build(s);
        const ready = new Set(lbNodes.filter((n) => n.ready).map((n) => n.address));
        const r = selectNextHops({ vip: s.vip, lbNodes, peerSessions, addPath: false });
        for (const p of peerSessions) {
          const hops = r.sessions.filter((x) => x.peer === p.peer).flatMap((x) => x.nextHops);
          for (const h of hops) expect(ready.has(h)).toBe(true);
          if (ready.size === 0) expect(hops).toEqual([]);
          else expect(hops).toHaveLength(p.sessions.length);
          if (p.sessions.length <= ready.size) expect(new Set(hops).size).toBe(p.sessions.length);
          else expect(new Set(hops).size).toBe(ready.size);
        }
      }),
    );
  });

  it('is independent of the order of nodes, peers and sessions', () => {
    fc.assert(
      fc.property(scenario, fc.boolean(), (s, addPath) => {
        const { lbNodes, peerSessions } = build(s);
        const a = selectNextHops({ vip: s.vip, lbNodes, peerSessions, addPath });
        const b = selectNextHops({
          vip: s.vip,
          lbNodes: [...lbNodes].reverse(),
          peerSessions: [...peerSessions]
            .reverse()
            .map((p) => ({ ...p, sessions: [...p.sessions].reverse() })),
          addPath,
        });
        expect(b).toEqual(a);
      }),
    );
  });

  it('a leaving node changes only the sessions that used it (with history)', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        const { lbNodes, peerSessions } = build({ ...s, notReady: [] });
        fc.pre(lbNodes.length > 1);
        const before = selectNextHops({ vip: s.vip, lbNodes, peerSessions, addPath: false });
        const gone = lbNodes[pick % lbNodes.length]!;
        const after = selectNextHops({
          vip: s.vip,
          lbNodes: lbNodes.filter((n) => n !== gone),
          peerSessions,
          addPath: false,
          previous: before,
        });
        const a = hopsOf(before);
        for (const [key, hops] of hopsOf(after)) {
          if (a.get(key)![0] !== gone.address) expect(hops).toEqual(a.get(key));
          else expect(hops[0]).not.toBe(gone.address);
        }
      }),
    );
  });

  it('without history, a leaving node only replaces itself in each peer next-hop set', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, pick) => {
        const { lbNodes, peerSessions } = build({ ...s, notReady: [] });
        fc.pre(lbNodes.length > Math.max(...peerSessions.map((p) => p.sessions.length)));
        const gone = lbNodes[pick % lbNodes.length]!;
        const before = selectNextHops({ vip: s.vip, lbNodes, peerSessions, addPath: false });
        const after = selectNextHops({
          vip: s.vip,
          lbNodes: lbNodes.filter((n) => n !== gone),
          peerSessions,
          addPath: false,
        });
        for (const p of peerSessions) {
          const setOf = (sel: NextHopSelection) =>
            new Set(sel.sessions.filter((x) => x.peer === p.peer).flatMap((x) => x.nextHops));
          const b = setOf(before);
          const a = setOf(after);
          const removed = [...b].filter((h) => !a.has(h));
          const added = [...a].filter((h) => !b.has(h));
          if (b.has(gone.address)) {
            expect(removed).toEqual([gone.address]);
            expect(added).toHaveLength(1);
          } else {
            expect(removed).toEqual([]);
            expect(added).toEqual([]);
          }
        }
      }),
    );
  });

  it('a joining node takes about 1/n of the VIP/session pairs, and nothing else moves', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(1000),
        (n, k, base) => {
          const vips = Array.from({ length: 400 }, (_, i) => formatIPv4(0xac100000 + base * 400 + i));
          const peerSessions = [
            { peer: 'tor', sessions: Array.from({ length: k }, (_, i) => `10.0.3.${100 + i}`) },
          ];
          const joined = lb(50);
          let moved = 0;
          let pairs = 0;
          for (const vip of vips) {
            const before = selectNextHops({ vip, lbNodes: nodes(n), peerSessions, addPath: false });
            const after = selectNextHops({
              vip,
              lbNodes: [...nodes(n), joined],
              peerSessions,
              addPath: false,
              previous: before,
            });
            const b = hopsOf(before);
            for (const [key, hops] of hopsOf(after)) {
              pairs++;
              if (hops[0] !== b.get(key)![0]) {
                moved++;
                expect(hops[0]).toBe(joined.address);
              }
            }
          }
          // Each pair moves with probability 1/(n+1) when k <= n (the newcomer enters the top k
          // with probability k/(n+1) and then replaces exactly one of the k sessions).
          const expected = pairs / (n + 1);
          if (k <= n) {
            expect(moved).toBeLessThan(expected * 1.6 + 12);
            expect(moved).toBeGreaterThan(expected * 0.4 - 12);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('spreads next hops evenly: 1,000 VIPs over 10 nodes, every node within 1.3x of the mean (k >= 2)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.nat(60_000), fc.nat(1000), (k, base, nodeSeed) => {
        const lbNodes = Array.from({ length: 10 }, (_, i) => ({
          address: formatIPv4(0x0a000000 + nodeSeed * 16 + i),
          ready: true,
        }));
        const peerSessions = [
          { peer: 'tor', sessions: Array.from({ length: k }, (_, i) => `10.0.3.${100 + i}`) },
        ];
        const load = new Map<string, number>();
        for (let v = 0; v < 1000; v++) {
          const vip = formatIPv4(0xac100000 + base + v);
          for (const s of selectNextHops({ vip, lbNodes, peerSessions, addPath: false }).sessions) {
            load.set(s.nextHops[0]!, (load.get(s.nextHops[0]!) ?? 0) + 1);
          }
        }
        const mean = (1000 * k) / 10;
        expect(Math.max(...load.values())).toBeLessThanOrEqual(1.3 * mean);
      }),
      { numRuns: 40 },
    );
  });
});
