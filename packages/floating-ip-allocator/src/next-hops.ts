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
import { canonicalAddress, fastIPv4, parseAddress } from './address.js';
import { candidateHash, hashString, topKByHash } from './hash.js';

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

function compareSessionKeys(
  a: { s: string; fam: number; v: bigint | number },
  b: { s: string; fam: number; v: bigint | number },
): number {
  if (a.fam !== b.fam) return a.fam - b.fam;
  if (a.v !== b.v) return a.v < b.v ? -1 : 1;
  return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
}

/** Sessions in canonical order: IPv4 numerically, then IPv6, then other ids as text. */
export function sortSessions(input: readonly string[]): readonly string[] {
  if (!Array.isArray(input)) return [];
  // Fast path: canonical IPv4 addresses already in strictly ascending order (the usual input).
  let last = -1;
  let sorted = true;
  for (const s of input) {
    const n = typeof s === 'string' ? fastIPv4(s) : -1;
    if (n <= last) {
      sorted = false;
      break;
    }
    last = n;
  }
  if (sorted) return [...input];
  const sessions = input.filter((x) => typeof x === 'string');
  const keyed: { s: string; fam: number; v: bigint | number }[] = [];
  const seen = new Set<string>();
  for (const s of sessions) {
    if (seen.has(s)) continue;
    seen.add(s);
    const fast = fastIPv4(s);
    if (fast >= 0) {
      keyed.push({ s, fam: 4, v: fast });
      continue;
    }
    const p = parseAddress(s);
    keyed.push(p.ok ? { s, fam: p.value.family, v: p.value.value } : { s, fam: 9, v: 0 });
  }
  keyed.sort(compareSessionKeys);
  return keyed.map((k) => k.s);
}

/**
 * Assign the ranked nodes to k sessions. Without history, session i gets rank i (wrapping
 * around when there are more sessions than nodes). With history, a session keeps its previous
 * node while that node is still ranked and within its share; the other sessions take the
 * least-used nodes, best rank first. With k = q*m + r sessions over m nodes, every node serves
 * the VIP q times and r of them once more, so the k sessions always cover min(k, m) nodes.
 */
export function placeSessions(
  ranked: readonly string[],
  k: number,
  previous: readonly (string | undefined)[],
): string[] {
  const m = ranked.length;
  const q = Math.floor(k / m);
  const rem = k % m;
  const uses = new Array<number>(m).fill(0); // by rank
  let extras = 0; // nodes used q + 1 times (at most rem)
  const out = new Array<string>(k);
  const placed = new Array<boolean>(k).fill(false);
  for (let i = 0; i < k; i++) {
    const p = previous[i];
    if (p === undefined) continue;
    const r = ranked.indexOf(p);
    if (r < 0) continue;
    if (uses[r]! < q) uses[r]!++;
    else if (uses[r] === q && extras < rem) {
      uses[r]!++;
      extras++;
    } else continue;
    out[i] = p;
    placed[i] = true;
  }
  for (let i = 0; i < k; i++) {
    if (placed[i]) continue;
    let best = 0;
    for (let r = 1; r < m; r++) if (uses[r]! < uses[best]!) best = r;
    out[i] = ranked[best]!;
    uses[best]!++;
  }
  return out;
}

/** The previous single next hop of each of a peer's sessions (scans a handful of entries). */
export function previousRow(
  prev: readonly SessionNextHops[],
  peer: string,
  ids: readonly string[],
): (string | undefined)[] {
  const row = new Array<string | undefined>(ids.length);
  for (const s of prev) {
    if (s.peer !== peer || s.nextHops.length !== 1) continue;
    // The previous selection normally has the same session order: try the index first.
    const i = ids[s.index] === s.session ? s.index : ids.indexOf(s.session);
    if (i >= 0) row[i] = s.nextHops[0];
  }
  return row;
}

function byPeer(a: PeerSessions, b: PeerSessions): number {
  return a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0;
}

/** Selects next hops for many VIPs over one fixed set of nodes and sessions. */
export interface NextHopSelector {
  select(vip: string, previous?: NextHopSelection): NextHopSelection;
}

/**
 * Prepare next-hop selection for a fixed set of load-balancer nodes and peer sessions:
 * canonicalises and hashes the candidates and sorts the sessions once, so `select` per VIP
 * costs one key hash and one top-k pass. Same answers as `selectNextHops`.
 */
export function createNextHopSelector(
  config: Omit<SelectNextHopsInput, 'vip' | 'previous'>,
): NextHopSelector {
  const candidates: string[] = [];
  const hashes: number[] = [];
  for (const n of Array.isArray(config.lbNodes) ? config.lbNodes : []) {
    if (n?.ready !== true || typeof n.address !== 'string') continue;
    const address = canonicalAddress(n.address) ?? n.address;
    if (candidates.includes(address)) continue; // a handful of nodes: cheaper than a Set
    candidates.push(address);
    hashes.push(candidateHash(address));
  }
  const given = Array.isArray(config.peerSessions) ? config.peerSessions : [];
  const peerList =
    given.length === 1 && typeof given[0]?.peer === 'string'
      ? given
      : given.filter((p) => typeof p?.peer === 'string');
  const peers = (peerList.length > 1 ? [...peerList].sort(byPeer) : peerList).map((p) => ({
    peer: p.peer,
    ids: sortSessions(p.sessions),
    addPath: p.addPath ?? config.addPath,
  }));
  let maxK = 0;
  let anyAddPath = false;
  for (const p of peers) {
    if (p.addPath) anyAddPath = true;
    else if (p.ids.length > maxK) maxK = p.ids.length;
  }

  return {
    select(vipText: string, prev?: NextHopSelection): NextHopSelection {
      const vip = canonicalAddress(vipText) ?? String(vipText);
      // The full ranking is needed only for ADD-PATH peers; otherwise the top k is enough.
      const ranked = topKByHash(hashString(vip), candidates, hashes, anyAddPath ? candidates.length : maxK);
      const prevSessions = Array.isArray(prev?.sessions) ? prev.sessions : [];
      const sessions: SessionNextHops[] = [];
      for (const { peer, ids, addPath } of peers) {
        const k = ids.length;
        if (addPath) {
          for (let index = 0; index < k; index++)
            sessions.push({ peer, session: ids[index]!, index, nextHops: [...ranked] });
          continue;
        }
        const top = k >= ranked.length ? ranked : ranked.slice(0, k);
        let placed: readonly string[];
        if (top.length === 0) placed = [];
        else if (prevSessions.length === 0)
          placed = ids.map((_, i) => top[i % top.length]!); // rank order
        else placed = placeSessions(top, k, previousRow(prevSessions, peer, ids));
        for (let index = 0; index < k; index++) {
          const node = placed[index];
          sessions.push({ peer, session: ids[index]!, index, nextHops: node === undefined ? [] : [node] });
        }
      }
      return { vip, sessions };
    },
  };
}

/**
 * Choose the next hops to announce for one VIP on every service session.
 * Deterministic: independent of the order of nodes, peers and sessions. For many VIPs over
 * the same nodes and sessions, `createNextHopSelector` gives the same answers faster.
 */
export function selectNextHops(input: SelectNextHopsInput): NextHopSelection {
  return preparedSelector(input).select(input.vip, input.previous);
}

/**
 * The selector of the previous call, reused when the nodes and sessions have the same contents
 * (compared field by field against a private copy, so callers may rebuild or mutate their
 * arrays freely). Callers loop over many VIPs with one configuration; preparing it once makes
 * a per-VIP call cost little more than `select`.
 */
let lastPrepared:
  | {
      nodes: { address: unknown; ready: unknown }[];
      peers: { peer: unknown; addPath: unknown; sessions: unknown[] }[];
      addPath: unknown;
      selector: NextHopSelector;
    }
  | undefined;

function preparedSelector(config: Omit<SelectNextHopsInput, 'vip' | 'previous'>): NextHopSelector {
  const nodes = Array.isArray(config.lbNodes) ? config.lbNodes : [];
  const peers = Array.isArray(config.peerSessions) ? config.peerSessions : [];
  const last = lastPrepared;
  if (last && sameConfig(last, nodes, peers, config.addPath)) return last.selector;
  const selector = createNextHopSelector(config);
  lastPrepared = {
    nodes: nodes.map((n) => ({ address: n?.address, ready: n?.ready })),
    peers: peers.map((p) => ({
      peer: p?.peer,
      addPath: p?.addPath,
      sessions: Array.isArray(p?.sessions) ? [...p.sessions] : [],
    })),
    addPath: config.addPath,
    selector,
  };
  return selector;
}

function sameConfig(
  last: NonNullable<typeof lastPrepared>,
  nodes: readonly LBNode[],
  peers: readonly PeerSessions[],
  addPath: unknown,
): boolean {
  if (last.addPath !== addPath || last.nodes.length !== nodes.length || last.peers.length !== peers.length) {
    return false;
  }
  for (let i = 0; i < nodes.length; i++) {
    const a = last.nodes[i]!;
    const b = nodes[i];
    if (a.address !== b?.address || a.ready !== b?.ready) return false;
  }
  for (let i = 0; i < peers.length; i++) {
    const a = last.peers[i]!;
    const b = peers[i];
    if (a.peer !== b?.peer || a.addPath !== b?.addPath || !Array.isArray(b?.sessions)) return false;
    if (a.sessions.length !== b.sessions.length) return false;
    for (let j = 0; j < b.sessions.length; j++) if (a.sessions[j] !== b.sessions[j]) return false;
  }
  return true;
}
