/**
 * Route-name clashes between Services: the route name format is fixed by the spec and can map two
 * Services to one name. Pure.
 */
import type { ServiceObject } from '../types.js';
import { createdAt } from './service-decision.js';

/**
 * Route names are `<lb>-<namespace>-<name>`, so Services `a-b/c` and `a/b-c` both map to
 * `<lb>-a-b-c`. The name format is fixed by the spec; instead, per name the oldest Service wins
 * (then the smaller `namespace/name`), deterministically on every replica and every reconcile.
 * Returns loser key -> { route name, winner key, whether the winner is strictly older }.
 */
export function routeNameClashes(
  candidates: readonly { key: string; route: string; s: ServiceObject }[],
): Map<string, { route: string; winner: string; older: boolean }> {
  type Candidate = (typeof candidates)[number];
  // Clashes are rare: one map of first claimants, groups only for the names claimed twice.
  const losers = new Map<string, { route: string; winner: string; older: boolean }>();
  const first = new Map<string, Candidate>();
  let groups: Map<string, Candidate[]> | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const claimant = first.get(c.route);
    if (claimant === undefined) {
      first.set(c.route, c);
      continue;
    }
    groups ??= new Map();
    const group = groups.get(c.route);
    if (group === undefined) groups.set(c.route, [claimant, c]);
    else group.push(c);
  }
  if (groups === undefined) return losers;
  // In order of each name's first claimant.
  const ordered: [string, Candidate[]][] = [];
  for (const c of candidates) {
    const group = groups.get(c.route);
    if (group !== undefined && group[0] === c) ordered.push([c.route, group]);
  }
  for (const [route, group] of ordered) {
    const ranked = group
      .map((c) => ({ key: c.key, at: createdAt(c.s) }))
      .sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const winner = ranked[0]!;
    for (const l of ranked.slice(1))
      losers.set(l.key, { route, winner: winner.key, older: winner.at < l.at });
  }
  return losers;
}
