/**
 * Central, stateful next-hop planning for many VIPs at once (the balanced alternative to the
 * per-VIP `selectNextHops`).
 *
 * Per-VIP rendezvous hashing spreads VIPs statistically: with one session per peer, 1,000 VIPs
 * over 10 nodes leave the busiest node above 1.3x the mean in about 1% of clusters. A planner
 * that sees every VIP can bound the load instead ("consistent hashing with bounded loads"):
 * each VIP/session pair goes to the best-ranked node for that VIP that is still below the cap,
 * `max(ceil(mean), floor(maxLoadFactor * mean))` pairs per node and peer.
 *
 * With `previous` (the last plan, from ONE shared source such as the controller's own output),
 * movement is minimal:
 * - a node that leaves: only the pairs that used it move (the cap only grows);
 * - a node that joins: it takes the pairs of the VIPs whose top k it enters (about 1/n of
 *   them); a pair elsewhere moves only if its node is above the new, lower cap.
 * Use it where one component decides for all sessions. Where each node agent decides for its
 * own session independently, use the stateless `selectNextHops` so all agents agree.
 */
import { canonicalAddress, fastIPv4, parseAddress } from './address.js';
import { candidateHash, hashString, topKByHash } from './hash.js';
import type { LBNode, NextHopSelection, PeerSessions, SessionNextHops } from './next-hops.js';
import { placeSessions, previousRow, sortSessions } from './next-hops.js';

export interface PlanNextHopsInput {
  vips: readonly string[];
  lbNodes: readonly LBNode[];
  peerSessions: readonly PeerSessions[];
  /** Peers advertise ADD-PATH receive (overridable per peer): every ready node is a path. */
  addPath: boolean;
  /** The previous plan (vip -> selection), e.g. `previous.selections`. */
  previous?: Readonly<Record<string, NextHopSelection>> | undefined;
  /** Cap on pairs per node, as a multiple of the mean (default 1.2, never below ceil(mean)). */
  maxLoadFactor?: number | undefined;
}

export interface NextHopPlan {
  /** VIP (canonical) -> next hops per session, same shape as `selectNextHops`. */
  selections: Record<string, NextHopSelection>;
  /** Peer -> next hop -> number of VIP/session pairs it carries (ADD-PATH peers excluded). */
  load: Record<string, Record<string, number>>;
  /** Peer -> the cap used. */
  cap: Record<string, number>;
  /** VIP/session pairs whose next hop differs from `previous` (new VIPs not counted). */
  moved: number;
}

/** Sort VIPs: IPv4 numerically, then IPv6, then anything else as text (parsed once each). */
function sortVIPs(vips: Iterable<string>): string[] {
  const keyed = [...vips].map((v) => {
    const fast = fastIPv4(v);
    if (fast >= 0) return { v, fam: 4, n: BigInt(fast) };
    const p = parseAddress(v);
    return p.ok ? { v, fam: p.value.family, n: p.value.value } : { v, fam: 9, n: 0n };
  });
  keyed.sort((a, b) =>
    a.fam !== b.fam ? a.fam - b.fam : a.n !== b.n ? (a.n < b.n ? -1 : 1) : a.v < b.v ? -1 : a.v > b.v ? 1 : 0,
  );
  return keyed.map((k) => k.v);
}

/** Plan next hops for every VIP and session, with a bounded load per node. Deterministic. */
export function planNextHops(input: PlanNextHopsInput): NextHopPlan {
  const candidates: string[] = [];
  const hashes: number[] = [];
  for (const n of Array.isArray(input.lbNodes) ? input.lbNodes : []) {
    if (n?.ready !== true || typeof n.address !== 'string') continue;
    const address = canonicalAddress(n.address) ?? n.address;
    if (candidates.includes(address)) continue;
    candidates.push(address);
    hashes.push(candidateHash(address));
  }
  // Canonical candidate order: tie-breaks below (which under-cap node takes a swapped pair)
  // must not depend on the order the caller listed the nodes in.
  const order = sortVIPs(candidates);
  candidates.splice(0, candidates.length, ...order);
  hashes.splice(0, hashes.length, ...order.map(candidateHash));
  const m = candidates.length;
  const vips = sortVIPs(
    new Set((Array.isArray(input.vips) ? input.vips : []).map((v) => canonicalAddress(v) ?? String(v))),
  );
  const factor = input.maxLoadFactor !== undefined && input.maxLoadFactor >= 1 ? input.maxLoadFactor : 1.2;

  // Full ranking per VIP, computed once and shared by all peers.
  const rankings = new Map<string, string[]>();
  const rankingOf = (vip: string): string[] => {
    let r = rankings.get(vip);
    if (!r) {
      r = topKByHash(hashString(vip), candidates, hashes, m);
      rankings.set(vip, r);
    }
    return r;
  };

  const selections: Record<string, NextHopSelection> = {};
  for (const vip of vips) selections[vip] = { vip, sessions: [] };
  const loadOut: Record<string, Record<string, number>> = {};
  const capOut: Record<string, number> = {};
  let moved = 0;

  const peers = (Array.isArray(input.peerSessions) ? input.peerSessions : [])
    .filter((p) => typeof p?.peer === 'string')
    .sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  for (const p of peers) {
    const ids = sortSessions(p.sessions);
    const k = ids.length;
    const addPath = p.addPath ?? input.addPath;
    const plan = new Map<string, (string | undefined)[]>();
    // Previous next hop per VIP and session index (single-next-hop sessions only).
    const prevRows = new Map<string, (string | undefined)[]>();
    if (input.previous) {
      for (const vip of vips) {
        const sel: NextHopSelection | undefined = input.previous[vip];
        if (Array.isArray(sel?.sessions)) prevRows.set(vip, previousRow(sel.sessions, p.peer, ids));
      }
    }
    if (addPath || m === 0 || k === 0) {
      for (const vip of vips) plan.set(vip, new Array(k).fill(undefined));
    } else if (k >= m) {
      // Every VIP uses every node (q or q+1 times): the load is even by construction, with
      // only the r = k mod m extra sessions spread by ranking.
      const load = new Map<string, number>(candidates.map((c) => [c, 0]));
      for (const vip of vips) {
        const row = placeSessions(rankingOf(vip), k, prevRows.get(vip) ?? []);
        for (const h of row) load.set(h, load.get(h)! + 1);
        plan.set(vip, row);
      }
      capOut[p.peer] = Math.max(0, ...load.values());
      loadOut[p.peer] = Object.fromEntries([...load].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    } else {
      const cap = Math.max(Math.ceil((vips.length * k) / m), Math.floor((factor * vips.length * k) / m));
      capOut[p.peer] = cap;
      const load = planBounded({ vips, candidates, hashes, k, cap, prevRows, plan, rankingOf });
      loadOut[p.peer] = Object.fromEntries([...load].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    }

    for (const vip of vips) {
      const row = plan.get(vip)!;
      const sessions = selections[vip]!.sessions;
      for (let i = 0; i < k; i++) {
        const nextHops = addPath ? [...rankingOf(vip)] : row[i] === undefined ? [] : [row[i]!];
        const entry: SessionNextHops = { peer: p.peer, session: ids[i]!, index: i, nextHops };
        sessions.push(entry);
        if (!addPath && input.previous?.[vip]) {
          const before = prevRows.get(vip)?.[i];
          if (before !== undefined && before !== nextHops[0]) moved++;
        }
      }
    }
  }
  return { selections, load: loadOut, cap: capOut, moved };
}

interface BoundedInput {
  vips: readonly string[];
  candidates: readonly string[];
  hashes: readonly number[];
  /** Sessions per VIP, fewer than the candidates: next hops per VIP are distinct. */
  k: number;
  cap: number;
  prevRows: ReadonlyMap<string, readonly (string | undefined)[]>;
  /** Output: VIP -> next hop per session. */
  plan: Map<string, (string | undefined)[]>;
  rankingOf: (vip: string) => string[];
}

/** Bounded-load placement for k < m sessions per VIP. Returns the load per node. */
function planBounded(input: BoundedInput): Map<string, number> {
  const { vips, candidates, hashes, k, cap, prevRows, plan, rankingOf } = input;
  const load = new Map<string, number>(candidates.map((c) => [c, 0]));
  const ready = new Set(candidates);
  const add = (node: string, delta: number) => load.set(node, load.get(node)! + delta);

  // Nodes that carry nothing in the previous plan are newcomers (only if there is a plan).
  const seenBefore = new Set<string>();
  for (const row of prevRows.values()) for (const h of row) if (h !== undefined) seenBefore.add(h);
  const newcomers = seenBefore.size > 0 ? candidates.filter((c) => !seenBefore.has(c)) : [];

  // Phase A: keep previous next hops (below the cap); newcomers take the VIPs whose top k they enter.
  for (const vip of vips) {
    const row: (string | undefined)[] = new Array(k).fill(undefined);
    const prev = prevRows.get(vip);
    for (let i = 0; prev && i < k; i++) {
      const h = prev[i];
      if (h === undefined || !ready.has(h) || row.includes(h) || load.get(h)! >= cap) continue;
      row[i] = h;
      add(h, 1);
    }
    if (newcomers.length > 0) {
      const ranking = rankingOf(vip);
      const top = ranking.slice(0, k);
      for (const x of newcomers) {
        if (!top.includes(x) || row.includes(x) || load.get(x)! >= cap) continue;
        // Fill an empty session if there is one (moves nothing); otherwise displace the kept
        // hop ranked worst outside the top k (one exists: x is in the top k but not in the row).
        let victim = row.indexOf(undefined);
        if (victim < 0) {
          for (let i = 0; i < k; i++) {
            const h = row[i]!;
            if (top.includes(h)) continue;
            if (victim < 0 || ranking.indexOf(h) > ranking.indexOf(row[victim]!)) victim = i;
          }
          add(row[victim]!, -1);
        }
        row[victim] = x;
        add(x, 1);
      }
    }
    plan.set(vip, row);
  }

  // End-game of greedy placement: every node below the cap is already a next hop of this VIP.
  // Move one pair of another VIP w from a full node c (not used by this VIP) to an under-cap
  // node u (not used by w), then give c to this VIP. Deterministic search order.
  const swapForRoom = (vip: string, row: readonly (string | undefined)[], ranking: readonly string[]) => {
    const under = candidates.filter((c) => load.get(c)! < cap);
    for (const c of ranking) {
      if (row.includes(c)) continue;
      for (const w of vips) {
        const other = plan.get(w)!;
        const j = w === vip ? -1 : other.indexOf(c);
        if (j < 0) continue;
        const u = under.find((x) => !other.includes(x));
        if (u === undefined) continue;
        other[j] = u;
        add(u, 1);
        add(c, -1);
        return c;
      }
    }
    return undefined;
  };

  // Phase B: every empty session takes the best-ranked node for its VIP that is below the cap
  // and not yet a next hop of that VIP. Usually within the first few ranks: rank k + 2 deep
  // first, the full ranking only when those are all full.
  const shallow = Math.min(candidates.length, k + 2);
  for (const vip of vips) {
    const row = plan.get(vip)!;
    if (!row.includes(undefined)) continue;
    let ranking = topKByHash(hashString(vip), candidates, hashes, shallow);
    for (let i = 0; i < k; i++) {
      if (row[i] !== undefined) continue;
      let pick = ranking.find((c) => !row.includes(c) && load.get(c)! < cap);
      if (pick === undefined && ranking.length < candidates.length) {
        ranking = rankingOf(vip);
        pick = ranking.find((c) => !row.includes(c) && load.get(c)! < cap);
      }
      pick ??= swapForRoom(vip, row, ranking.length < candidates.length ? rankingOf(vip) : ranking);
      // Every node is at the cap or already used: exceed the cap rather than drop the session.
      pick ??= rankingOf(vip).find((c) => !row.includes(c))!;
      row[i] = pick;
      add(pick, 1);
    }
  }
  return load;
}
