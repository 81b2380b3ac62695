/**
 * Per-session next hop when ADD-PATH is not negotiated (SPEC §2): a router reached by k sessions
 * (k floating IPs, usually on k different nodes) must receive k distinct next hops per VIP, one
 * per session, so it can still ECMP over k nodes. The k sessions live on different nodes, so
 * every agent sees the cluster's BGPSessions (read-only) to know k and its own index; the choice
 * itself is the allocator's `selectNextHops`, the same function the controller would use.
 *
 * Stateless on purpose: every agent must compute the same selection for the peer's k sessions and
 * take its own entry. Remembering earlier choices (`previous`) would make agents with different
 * histories (one restarted) disagree and announce the same next hop twice.
 */
import { type NextHopSelection, selectNextHops } from '@bgplb/floating-ip-allocator';
import type { PathSpec } from '../shared/index.js';

interface SessionLike {
  spec?: { floatingIP?: unknown; peerIP?: unknown };
}

interface CachedSelection {
  inputKey: string;
  selection: NextHopSelection;
}

/** Cached selections kept at most (a cache only: every entry can be recomputed). */
const CACHE_LIMIT = 100_000;

export class NextHopChooser {
  /** peer IP -> floating IPs of every session to it, in the whole cluster, sorted. */
  private readonly peerSessions = new Map<string, string[]>();
  /** `vip|peer` -> the selection for the current inputs (recomputing is cheap; this saves work per peer). */
  private readonly cache = new Map<string, CachedSelection>();

  /**
   * Replaces the cluster-wide view of sessions (every BGPSession, any node). Returns the peer
   * IPs whose set of floating IPs changed: their prefixes must be re-evaluated.
   */
  setClusterSessions(sessions: readonly unknown[]): Set<string> {
    const next = new Map<string, Set<string>>();
    for (const raw of sessions) {
      const spec = (raw as SessionLike | null)?.spec;
      if (typeof spec?.floatingIP !== 'string' || typeof spec.peerIP !== 'string') continue;
      let set = next.get(spec.peerIP);
      if (set === undefined) {
        set = new Set();
        next.set(spec.peerIP, set);
      }
      set.add(spec.floatingIP);
    }
    const changed = new Set<string>();
    for (const [peer, set] of next) {
      const list = [...set].sort();
      if (this.peerSessions.get(peer)?.join(',') !== list.join(',')) changed.add(peer);
      this.peerSessions.set(peer, list);
    }
    for (const peer of [...this.peerSessions.keys()]) {
      if (!next.has(peer)) {
        this.peerSessions.delete(peer);
        changed.add(peer);
      }
    }
    return changed;
  }

  /** Floating IPs of the sessions to `peerIP` (cluster-wide), always including `ownFloatingIP`. */
  sessionsOf(peerIP: string, ownFloatingIP: string): string[] {
    const known = this.peerSessions.get(peerIP) ?? [];
    return known.includes(ownFloatingIP) ? known : [...known, ownFloatingIP];
  }

  /**
   * The one path session (`peerIP`, `floatingIP`) announces for `prefix`, or undefined (withdraw)
   * when there is no path. Deterministic: the same inputs give the same answer on every node.
   */
  choose(
    prefix: string,
    paths: readonly PathSpec[],
    peerIP: string,
    floatingIP: string,
  ): PathSpec | undefined {
    if (paths.length === 0) return undefined;
    if (paths.length === 1) return paths[0];
    const vip = prefix.split('/')[0] ?? prefix;
    const sessions = this.sessionsOf(peerIP, floatingIP);
    const hops = paths.map((p) => p.nextHop);
    const inputKey = `${[...hops].sort().join(',')}|${[...sessions].sort().join(',')}`;
    const key = `${vip}|${peerIP}`;
    const cached = this.cache.get(key);
    let selection: NextHopSelection;
    if (cached !== undefined && cached.inputKey === inputKey) {
      selection = cached.selection;
    } else {
      selection = selectNextHops({
        vip,
        lbNodes: hops.map((address) => ({ address, ready: true })),
        peerSessions: [{ peer: peerIP, sessions }],
        addPath: false,
      });
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, { inputKey, selection });
    }
    const mine = selection.sessions.find((s) => s.session === floatingIP);
    const hop = mine?.nextHops[0];
    return hop === undefined ? undefined : paths.find((p) => p.nextHop === hop);
  }

  /** Drops remembered choices of a withdrawn prefix. */
  forget(prefix: string): void {
    const vip = prefix.split('/')[0] ?? prefix;
    for (const key of [...this.cache.keys()]) if (key.startsWith(`${vip}|`)) this.cache.delete(key);
  }
}
