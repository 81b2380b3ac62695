/**
 * Properties of the per-session choice without ADD-PATH for externalTrafficPolicy: Local routes,
 * whose paths are only the load-balancer nodes with ready endpoints (each with its own link
 * bandwidth): the chosen path is always one of them, the k sessions of a peer take distinct ones
 * while there are enough, different VIPs spread over them, and endpoint churn moves a session
 * only when it must (its node left the set, or a joining node won the VIP's ranking).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathSpec } from '../shared/index.js';
import { NextHopChooser } from './next-hops.js';

const NODES = ['10.0.3.10', '10.0.3.11', '10.0.3.12', '10.0.3.13', '10.0.3.14', '10.0.3.15'];
const PEER = '10.0.3.254';
const FIPS = ['10.0.3.100', '10.0.3.101'];

function chooser(): NextHopChooser {
  const c = new NextHopChooser();
  c.setClusterSessions(FIPS.map((floatingIP) => ({ spec: { floatingIP, peerIP: PEER } })));
  return c;
}

/** A Local route's paths: endpoint node -> ready endpoints, as the route planner builds them. */
function paths(endpoints: ReadonlyMap<string, number>): PathSpec[] {
  return [...endpoints]
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([nextHop, n]) => ({ nextHop, med: 0, linkBandwidth: n * 125_000 }));
}

const endpointSets = fc
  .uniqueArray(fc.constantFrom(...NODES), { minLength: 1, maxLength: NODES.length })
  .chain((nodes) =>
    fc
      .array(fc.integer({ min: 1, max: 20 }), { minLength: nodes.length, maxLength: nodes.length })
      .map((counts) => new Map(nodes.map((n, i) => [n, counts[i]!]))),
  );
const vips = fc.integer({ min: 1, max: 250 }).map((i) => `10.0.0.${i}/32`);

describe('next hop without ADD-PATH for externalTrafficPolicy: Local', () => {
  it('property: each session announces an endpoint node with its own weight; k sessions take distinct ones', () => {
    fc.assert(
      fc.property(vips, endpointSets, (prefix, endpoints) => {
        const p = paths(endpoints);
        const c = chooser();
        const chosen = FIPS.map((f) => c.choose(prefix, p, PEER, f));
        for (const path of chosen) {
          expect(path).toBeDefined();
          expect(endpoints.get(path!.nextHop)).toBe(path!.linkBandwidth! / 125_000);
        }
        if (p.length >= FIPS.length) expect(new Set(chosen.map((x) => x?.nextHop)).size).toBe(FIPS.length);
        // Stateless: another node's chooser computes the same.
        const other = chooser();
        expect(FIPS.map((f) => other.choose(prefix, p, PEER, f)?.nextHop)).toEqual(
          chosen.map((x) => x?.nextHop),
        );
      }),
    );
  });

  it('property: churn moves a session only when its node left or a joining node outranks it', () => {
    fc.assert(
      fc.property(vips, endpointSets, fc.constantFrom(...NODES), (prefix, endpoints, toggled) => {
        const before = paths(endpoints);
        const next = new Map(endpoints);
        if (next.has(toggled)) next.delete(toggled);
        else next.set(toggled, 1);
        const after = paths(next);
        const c = chooser();
        const was = FIPS.map((f) => c.choose(prefix, before, PEER, f)?.nextHop);
        const now = FIPS.map((f) => c.choose(prefix, after, PEER, f)?.nextHop);
        // The toggled node was not announced before and is not after (it is outside the VIP's
        // top k either way): no session may move.
        if (!was.includes(toggled) && !now.includes(toggled)) expect(now).toEqual(was);
        // A node that leaves moves only the sessions that announced it, unless there are fewer
        // endpoint nodes than sessions (then sessions share nodes and the sharing is redone).
        if (!next.has(toggled) && after.length >= FIPS.length)
          for (let i = 0; i < FIPS.length; i++)
            if (was[i] !== toggled && now[i] !== was[i])
              expect(was.filter((h) => h === toggled).length).toBe(1);
        // A change of weight only (same endpoint nodes) never moves a session.
        const reweighted = paths(new Map([...endpoints].map(([n, k]) => [n, k + 1])));
        for (const f of FIPS)
          expect(c.choose(prefix, reweighted, PEER, f)?.nextHop).toBe(
            c.choose(prefix, before, PEER, f)?.nextHop,
          );
      }),
    );
  });

  it('spreads many VIPs over the endpoint nodes', () => {
    const endpoints = new Map(NODES.slice(0, 4).map((n) => [n, 1]));
    const p = paths(endpoints);
    const c = chooser();
    const used = new Map<string, number>();
    for (let i = 1; i <= 200; i++) {
      const hop = c.choose(`10.0.${Math.floor(i / 250)}.${i % 250}/32`, p, PEER, FIPS[0]!)!.nextHop;
      used.set(hop, (used.get(hop) ?? 0) + 1);
    }
    expect([...used.keys()].sort()).toEqual(NODES.slice(0, 4));
    for (const n of used.values()) expect(n).toBeGreaterThan(25);
  });
});
