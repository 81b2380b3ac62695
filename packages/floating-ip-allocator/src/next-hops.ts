/**
 * Next hops per VIP and per BGP session (SPEC §2, §5).
 *
 * Candidates are the ready load-balancer nodes, identified by their next-hop address (the one
 * thing both the controller and the node agent see), so `rendezvousTopK(vip, addresses, k)`
 * anywhere gives the same ranking. With ADD-PATH every candidate is announced as
 * its own path. Without it, each session carries one next hop per VIP: the k sessions to one
 * peer carry the VIP's top-k rendezvous nodes, one each, so the router can ECMP over k nodes.
 * Rendezvous ranking keyed by the VIP spreads VIPs evenly over nodes and moves few of them
 * when nodes come and go. Passing the previous selection keeps each session on its node while
 * that node is still in the VIP's top k, so a departing node only changes the sessions that
 * used it.
 */
import { canonicalAddress, parseAddress } from './address.js';
import { rendezvousTopK } from './hash.js';

/** A load-balancer node as a next-hop candidate. */
export interface LBNode {
  /** The address announced as next hop (the node's address in `nodePoolSpec`). Ranking uses it. */
  address: string;
  ready: boolean;
  /** Node name, for the caller's logs only. */
  name?: string | undefined;
}

/** The service sessions to one peer. */
export interface PeerSessions {
  /** Peer identity, e.g. the BGPPeer name or peer IP. */
  peer: string;
  /** One id per session (normally its floating IP). Sorted by address, then text, before use. */
  sessions: readonly string[];
  /** Per-peer override of `addPath` (the peer's negotiated ADD-PATH receive capability). */
  addPath?: boolean | undefined;
}

export interface SessionNextHops {
  peer: string;
  session: string;
  /** Position of the session among the peer's sessions (after sorting). */
  index: number;
  /** Next hops to announce for the VIP on this session, best first. Empty: withdraw. */
  nextHops: string[];
}

export interface NextHopSelection {
  vip: string;
  sessions: SessionNextHops[];
}

export interface SelectNextHopsInput {
  vip: string;
  lbNodes: readonly LBNode[];
  peerSessions: readonly PeerSessions[];
  /** Peers advertise ADD-PATH receive for IPv4 unicast (overridable per peer). */
  addPath: boolean;
  /** The previous selection for this VIP: keeps sessions on their node while it stays in the top k. */
  previous?: NextHopSelection | undefined;
}

function sortSessions(sessions: readonly string[]): string[] {
  const unique = [...new Set(sessions)];
  const keyed = unique.map((s) => {
    const p = parseAddress(s);
    return { s, fam: p.ok ? p.value.family : 9, v: p.ok ? p.value.value : 0n };
  });
  keyed.sort((a, b) =>
    a.fam !== b.fam ? a.fam - b.fam : a.v !== b.v ? (a.v < b.v ? -1 : 1) : a.s < b.s ? -1 : a.s > b.s ? 1 : 0,
  );
  return keyed.map((k) => k.s);
}

/**
 * Assign the ranked nodes to k sessions. Without history, session i gets rank i (wrapping
 * around when there are more sessions than nodes). With history, a session keeps its previous
 * node while that node is still ranked and not over its share (ceil(k / nodes) sessions); the
 * other sessions take the least-used nodes, best rank first.
 */
function placeSessions(
  ranked: readonly string[],
  k: number,
  previous: readonly (string | undefined)[],
): string[] {
  const cap = Math.ceil(k / ranked.length);
  const uses = new Map<string, number>(ranked.map((n) => [n, 0]));
  const out: (string | undefined)[] = new Array(k).fill(undefined);
  for (let i = 0; i < k; i++) {
    const p = previous[i];
    const used = p === undefined ? undefined : uses.get(p);
    if (p !== undefined && used !== undefined && used < cap) {
      out[i] = p;
      uses.set(p, used + 1);
    }
  }
  for (let i = 0; i < k; i++) {
    if (out[i] !== undefined) continue;
    let best = ranked[0]!;
    for (const n of ranked) if (uses.get(n)! < uses.get(best)!) best = n;
    out[i] = best;
    uses.set(best, uses.get(best)! + 1);
  }
  return out as string[];
}

/**
 * Choose the next hops to announce for one VIP on every service session.
 * Deterministic: independent of the order of nodes, peers and sessions.
 */
export function selectNextHops(input: SelectNextHopsInput): NextHopSelection {
  const vip = canonicalAddress(input.vip) ?? input.vip;
  const hops = new Set<string>();
  for (const n of input.lbNodes) {
    if (n.ready) hops.add(canonicalAddress(n.address) ?? n.address);
  }
  const candidates = [...hops];
  const peers = [...input.peerSessions].sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0));
  const maxK = Math.max(0, ...peers.map((p) => p.sessions.length));
  const allHops = rendezvousTopK(vip, candidates, candidates.length);
  const ranked = allHops.slice(0, Math.min(maxK, allHops.length));

  // Previous next hop per peer/session.
  const previous = new Map<string, string | undefined>();
  for (const s of input.previous?.sessions ?? []) {
    previous.set(`${s.peer}\u0000${s.session}`, s.nextHops.length === 1 ? s.nextHops[0] : undefined);
  }

  const sessions: SessionNextHops[] = [];
  for (const peer of peers) {
    const ids = sortSessions(peer.sessions);
    const addPath = peer.addPath ?? input.addPath;
    if (addPath) {
      ids.forEach((session, index) => {
        sessions.push({ peer: peer.peer, session, index, nextHops: [...allHops] });
      });
      continue;
    }
    const k = ids.length;
    const top = ranked.slice(0, Math.min(k, ranked.length));
    const placed =
      top.length === 0
        ? []
        : placeSessions(
            top,
            k,
            ids.map((id) => previous.get(`${peer.peer}\u0000${id}`)),
          );
    ids.forEach((session, index) => {
      const node = placed[index];
      sessions.push({
        peer: peer.peer,
        session,
        index,
        nextHops: node === undefined ? [] : [node],
      });
    });
  }
  return { vip, sessions };
}
