import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIPv4 } from './address.js';
import { type NextHopPlan, planNextHops } from './next-hop-plan.js';
import type { LBNode } from './next-hops.js';

const node = (i: number, ready = true): LBNode => ({ address: formatIPv4(0x0a000300 + 10 + i), ready });
const nodesOf = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => node(i + offset));
const vipsOf = (n: number, base = 0) =>
  Array.from({ length: n }, (_, i) => formatIPv4(0xac100000 + base + i));
const sessions = (k: number) => Array.from({ length: k }, (_, i) => `10.0.3.${100 + i}`);

function pairs(plan: NextHopPlan): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const sel of Object.values(plan.selections)) {
    for (const s of sel.sessions) out.set(`${sel.vip}|${s.peer}|${s.session}`, s.nextHops[0]);
  }
  return out;
}

function maxLoad(plan: NextHopPlan, peer: string): number {
  return Math.max(...Object.values(plan.load[peer] ?? {}));
}

describe('planNextHops', () => {
  it('bounds the load: 1,000 VIPs over 10 nodes, one session, busiest node <= 1.2x the mean', () => {
    const plan = planNextHops({
      vips: vipsOf(1000),
      lbNodes: nodesOf(10),
      peerSessions: [{ peer: 'tor', sessions: sessions(1) }],
      addPath: false,
    });
    expect(plan.cap).toEqual({ tor: 120 });
    expect(maxLoad(plan, 'tor')).toBeLessThanOrEqual(120);
    expect(Object.values(plan.load.tor!).reduce((a, b) => a + b, 0)).toBe(1000);
    expect(plan.moved).toBe(0);
  });

  it('ADD-PATH peers get every ready node; no ready node means withdraw', () => {
    const plan = planNextHops({
      vips: ['10.0.0.1', '10.0.0.1', '10.0.0.2'],
      lbNodes: [node(0), node(1), node(2, false)],
      peerSessions: [
        { peer: 'a', sessions: ['10.0.3.100'], addPath: true },
        { peer: 'b', sessions: ['10.0.3.100'] },
      ],
      addPath: false,
    });
    expect(Object.keys(plan.selections)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(plan.selections['10.0.0.1']!.sessions[0]!.nextHops).toHaveLength(2);
    expect(plan.selections['10.0.0.1']!.sessions[1]!.nextHops).toHaveLength(1);
    const none = planNextHops({
      vips: ['10.0.0.1', 'zz', 'aa'],
      lbNodes: [node(0, false)],
      peerSessions: [{ peer: 'b', sessions: ['x'] }],
      addPath: false,
    });
    expect(Object.keys(none.selections)).toEqual(['10.0.0.1', 'aa', 'zz']);
    expect(none.selections['10.0.0.1']!.sessions[0]!.nextHops).toEqual([]);
  });

  it('more sessions than nodes: every node serves each VIP, as evenly as possible', () => {
    const plan = planNextHops({
      vips: vipsOf(50),
      lbNodes: nodesOf(2),
      peerSessions: [{ peer: 'tor', sessions: sessions(3) }],
      addPath: false,
    });
    for (const sel of Object.values(plan.selections)) {
      expect(new Set(sel.sessions.map((s) => s.nextHops[0])).size).toBe(2);
    }
    expect(maxLoad(plan, 'tor')).toBeLessThanOrEqual(90);
  });

  it('properties: k distinct next hops, bounded load, order independence, stability', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 300 }),
        fc.nat(10_000),
        (n, k, v, base) => {
          const input = {
            vips: vipsOf(v, base),
            lbNodes: nodesOf(n),
            peerSessions: [{ peer: 'tor', sessions: sessions(k) }],
            addPath: false,
          };
          const plan = planNextHops(input);
          for (const sel of Object.values(plan.selections)) {
            const hops = sel.sessions.map((s) => s.nextHops[0]);
            expect(new Set(hops).size).toBe(Math.min(k, n));
          }
          if (v > 0) expect(maxLoad(plan, 'tor')).toBeLessThanOrEqual(plan.cap.tor!);
          const shuffled = planNextHops({
            ...input,
            vips: [...input.vips].reverse(),
            lbNodes: [...input.lbNodes].reverse(),
          });
          expect(shuffled).toEqual(plan);
          const again = planNextHops({ ...input, previous: plan.selections });
          expect(again.selections).toEqual(plan.selections);
          expect(again.moved).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('spread: 1,000 VIPs over 10 nodes stay within 1.3x of the mean for any k and node set', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.nat(60_000), fc.nat(1000), (k, base, nodeBase) => {
        const plan = planNextHops({
          vips: vipsOf(1000, base),
          lbNodes: nodesOf(10, nodeBase),
          peerSessions: [{ peer: 'tor', sessions: sessions(k) }],
          addPath: false,
        });
        expect(maxLoad(plan, 'tor')).toBeLessThanOrEqual(1.3 * ((1000 * k) / 10));
      }),
      { numRuns: 30 },
    );
  });

  it('new VIPs leave the others where they are; deleted VIPs move only pairs of over-cap nodes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(50),
        (n, k, cut) => {
          const base = {
            lbNodes: nodesOf(n),
            peerSessions: [{ peer: 'tor', sessions: sessions(k) }],
            addPath: false,
          };
          const before = planNextHops({ ...base, vips: vipsOf(200) });
          // Only additions: the cap grows, nothing moves.
          const grown = planNextHops({
            ...base,
            vips: [...vipsOf(200), ...vipsOf(40, 5000)],
            previous: before.selections,
          });
          expect(grown.moved).toBe(0);
          // Deletions too: the cap may shrink; only pairs of nodes now above it may move.
          const survivors = vipsOf(200).slice(cut);
          const after = planNextHops({
            ...base,
            vips: [...survivors, ...vipsOf(40, 5000)],
            previous: before.selections,
          });
          const survivorLoad = new Map<string, number>();
          for (const vip of survivors) {
            for (const s of before.selections[vip]!.sessions) {
              survivorLoad.set(s.nextHops[0]!, (survivorLoad.get(s.nextHops[0]!) ?? 0) + 1);
            }
          }
          for (const vip of survivors) {
            before.selections[vip]!.sessions.forEach((s, i) => {
              const from = s.nextHops[0]!;
              if (after.selections[vip]!.sessions[i]!.nextHops[0] !== from) {
                expect(survivorLoad.get(from)!).toBeGreaterThan(after.cap.tor!);
              }
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a leaving node moves only the pairs that used it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.nat(), (n, k, pick) => {
        const base = {
          vips: vipsOf(300),
          peerSessions: [{ peer: 'tor', sessions: sessions(k) }],
          addPath: false,
        };
        const before = planNextHops({ ...base, lbNodes: nodesOf(n) });
        const gone = node(pick % n).address;
        const after = planNextHops({
          ...base,
          lbNodes: nodesOf(n).filter((x) => x.address !== gone),
          previous: before.selections,
        });
        const b = pairs(before);
        let expectedMoves = 0;
        for (const [key, hop] of pairs(after)) {
          if (b.get(key) === gone) {
            expectedMoves++;
            expect(hop).not.toBe(gone);
          } else expect(hop).toBe(b.get(key));
        }
        expect(after.moved).toBe(expectedMoves);
      }),
      { numRuns: 40 },
    );
  });

  it('a joining node takes about 1/n of the pairs; almost nothing else moves', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 1, max: 3 }), (n, k) => {
        fc.pre(k < n);
        const base = {
          vips: vipsOf(1000),
          peerSessions: [{ peer: 'tor', sessions: sessions(k) }],
          addPath: false,
        };
        const before = planNextHops({ ...base, lbNodes: nodesOf(n) });
        const joined = node(40).address;
        const after = planNextHops({
          ...base,
          lbNodes: [...nodesOf(n), node(40)],
          previous: before.selections,
        });
        const b = pairs(before);
        let toNew = 0;
        let elsewhere = 0;
        for (const [key, hop] of pairs(after)) {
          if (hop === b.get(key)) continue;
          if (hop === joined) toNew++;
          else elsewhere++;
        }
        const total = 1000 * k;
        expect(toNew).toBeGreaterThan((total / (n + 1)) * 0.6);
        expect(toNew).toBeLessThanOrEqual(after.cap.tor!);
        expect(elsewhere).toBeLessThan(total * 0.03);
      }),
      { numRuns: 20 },
    );
  });
});
