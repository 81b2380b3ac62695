/**
 * Next-hop liveness between agents (SPEC §13, an extension; docs/agent.md "Next-hop liveness"):
 * the BFD sessions and the executor of next-hop-liveness-plan.ts.
 *
 * Sessions, over the BfdManager the speaker uses too (one socket per address and port):
 * - as a **holder** (this node holds a floating IP), one active session from its lowest floating
 *   IP of the next hop's family to every next hop of the BGPAdvertisedRoutes that is not this
 *   node (a BFD session, like any UDP flow, is of one family: IPv6 next hops are checked from an
 *   IPv6 floating IP; a holder without a floating IP of a family leaves that family's next hops
 *   unchecked, announced as the routes say, and logs it once);
 * - as a **responder** (one of this node's addresses is a next hop), one passive session from
 *   that address to every floating IP of the same family held by another node: the holders'
 *   sessions come from their floating IPs, which every agent reads from the NetworkGatewayGroup
 *   (node addresses of other nodes are not known to the agent).
 * Single-hop (UDP 3784, RFC 5881) when the other end is in a subnet of one of this node's
 * interfaces, multihop (UDP 4784, RFC 5883) otherwise.
 *
 * Every BFD state change of a holder session, and every wake-up the plan asks for, runs the pure
 * decision; a change of the withdrawn set calls `onChange` at once (the owner re-applies the
 * routes without the batching window), and is logged, counted and reported as an Event.
 */
import type { BfdManager, BfdPeer, BfdPeerOptions, BfdStateChange } from '@bgplb/bfd';
import type { Clock } from '@bgplb/bgp-fsm';
import { addressFamily, compareAddressText, inSubnet } from '@bgplb/floating-ip-allocator';
import type { Logger } from '../shared/index.js';
import { hostPrefixLen, type ObservedAddress } from '../shared/ip-addresses.js';
import type { EventSink } from './event-sink.js';
import type { AgentMetrics } from './metrics.js';
import {
  decideNextHops,
  type HopObservation,
  type HopVerdict,
  INITIAL_LIVENESS,
  type LivenessChange,
  type LivenessDecision,
  type LivenessState,
} from './next-hop-liveness-plan.js';
import type { HopStanding } from './route-liveness-status.js';

export interface NextHopLivenessSettings {
  /** Desired Min TX and Required Min RX of the sessions, ms (default 300). */
  intervalMs: number;
  /** Detect Mult (default 3). */
  multiplier: number;
  /** Up this long before a withdrawn next hop is announced again, ms (default 3000). */
  holdDownMs: number;
}

export const DEFAULT_NEXT_HOP_LIVENESS: NextHopLivenessSettings = Object.freeze({
  intervalMs: 300,
  multiplier: 3,
  holdDownMs: 3_000,
});

/** What the manager offers that liveness uses (the real BfdManager; tests pass a fake). */
export type LivenessBfd = Pick<BfdManager, 'addSession' | 'removeSession' | 'on' | 'off'>;

export interface NextHopLivenessOptions {
  node: string;
  bfd: LivenessBfd;
  settings: NextHopLivenessSettings;
  clock: Clock;
  logger: Logger;
  metrics?: AgentMetrics | undefined;
  events?: EventSink | undefined;
  /** The withdrawn set changed: re-apply the routes now. */
  onChange: () => void;
  /** UDP ports of the other ends (tests); default 3784 / 4784. */
  peerPort?: { singleHop?: number; multihop?: number } | undefined;
}

/** This node as liveness needs it: what it holds, its addresses, who else holds what. */
export interface LivenessNodeView {
  /** Floating IPs on this node's interfaces. */
  held: readonly string[];
  /** Every address on this node's interfaces (floating IPs included). */
  observed: readonly ObservedAddress[];
  /** Floating IPs assigned to other nodes. */
  othersFloatingIPs: readonly string[];
}

interface Tracked {
  key: string;
  role: 'holder' | 'responder';
  /** The next hop (holder) or the other holder's floating IP (responder). */
  remote: string;
  options: BfdPeerOptions;
  peer?: BfdPeer | undefined;
  wasUp: boolean;
  since: number;
  peerAdminDown: boolean;
  peerSignaledDown: boolean;
  /** Adding failed: retried on the next update. */
  failed?: string | undefined;
}

function sessionKey(o: BfdPeerOptions): string {
  return `${o.multihop ? 'm' : 's'}|${o.local}|${o.peer}|${o.passive ? 'p' : 'a'}`;
}

/** The other end is in a subnet of one of this node's interface addresses (not a /32 or /128). */
function onLink(address: string, observed: readonly ObservedAddress[]): boolean {
  return observed.some(
    (a) => a.prefixLen < hostPrefixLen(a.ip) && inSubnet(address, `${a.ip}/${a.prefixLen}`),
  );
}

export class NextHopLiveness {
  private readonly sessions = new Map<string, Tracked>();
  private readonly byPeer = new Map<BfdPeer, Tracked>();
  private nextHops: ReadonlySet<string> = new Set();
  private view: LivenessNodeView = { held: [], observed: [], othersFloatingIPs: [] };
  private state: LivenessState = INITIAL_LIVENESS;
  private verdicts = new Map<string, HopVerdict>();
  /** When each withdrawn next hop was withdrawn (ms). */
  private readonly withdrawnAt = new Map<string, number>();
  private wakeTimer: unknown;
  private wakeAt: number | undefined;
  private stopped = false;
  private uncheckedKey = '';
  private readonly onState = (peer: BfdPeer, change: BfdStateChange) => this.onBfdState(peer, change);

  constructor(private readonly options: NextHopLivenessOptions) {
    options.bfd.on('state', this.onState);
  }

  /** Next hops to leave out of the paths. */
  withdrawn(): ReadonlySet<string> {
    return this.state.withdrawn;
  }

  /** For /readyz and tests: every checked next hop with its verdict, and the guard. */
  report(): { nextHops: Record<string, HopVerdict>; isolationSuspected: boolean; sessions: number } {
    return {
      nextHops: Object.fromEntries([...this.verdicts].sort(([a], [b]) => compareAddressText(a, b))),
      isolationSuspected: this.state.isolation !== undefined,
      sessions: this.sessions.size,
    };
  }

  /** How each next hop this node does not announce as the routes say stands, with why and since when. */
  standing(): Map<string, HopStanding> {
    const out = new Map<string, HopStanding>();
    for (const [hop, verdict] of this.verdicts) {
      const since = this.withdrawnAt.get(hop) ?? this.options.clock.now();
      if (verdict === 'withdrawn') out.set(hop, { state: 'withdrawn', reason: 'bfd-down', since });
      else if (verdict === 'hold-down') out.set(hop, { state: 'hold-down', reason: 'bfd-down', since });
      else if (verdict === 'kept-isolated')
        out.set(hop, {
          state: 'kept',
          reason: 'isolation-suspected',
          since: this.state.isolation?.since ?? since,
        });
    }
    return out;
  }

  isolationSuspected(): boolean {
    return this.state.isolation !== undefined;
  }

  /** The next hops of every BGPAdvertisedRoute (the route plan's). */
  setNextHops(hops: ReadonlySet<string>): void {
    if (sameSet(hops, this.nextHops)) return;
    this.nextHops = hops;
    this.sync();
  }

  setNode(view: LivenessNodeView): void {
    this.view = view;
    this.sync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.bfd.off('state', this.onState);
    if (this.wakeTimer !== undefined) this.options.clock.clearTimeout(this.wakeTimer);
    const peers = [...this.sessions.values()].flatMap((t) => (t.peer ? [t.peer] : []));
    this.sessions.clear();
    this.byPeer.clear();
    await Promise.all(peers.map((p) => this.options.bfd.removeSession(p).catch(() => undefined)));
  }

  // ---- sessions ----------------------------------------------------------------------------

  private wanted(): { role: Tracked['role']; remote: string; options: BfdPeerOptions }[] {
    const { held, observed, othersFloatingIPs } = this.view;
    const { intervalMs, multiplier } = this.options.settings;
    const own = new Set(observed.map((a) => a.ip));
    const timers = { minTxMs: intervalMs, minRxMs: intervalMs, multiplier };
    const port = (multihop: boolean) => {
      const p = multihop ? this.options.peerPort?.multihop : this.options.peerPort?.singleHop;
      return p === undefined ? {} : { port: p };
    };
    const out: { role: Tracked['role']; remote: string; options: BfdPeerOptions }[] = [];
    // The lowest held floating IP of each family: the source of the sessions to that family's
    // next hops (the responders expect exactly that address).
    const sources = new Map<number, string>();
    for (const ip of [...held].sort(compareAddressText)) {
      const family = addressFamily(ip);
      if (family !== undefined && !sources.has(family)) sources.set(family, ip);
    }
    const unchecked: string[] = [];
    if (sources.size > 0) {
      for (const hop of this.nextHops) {
        if (own.has(hop)) continue;
        const family = addressFamily(hop);
        const source = family === undefined ? undefined : sources.get(family);
        if (source === undefined) {
          unchecked.push(hop);
          continue;
        }
        const multihop = !onLink(hop, observed);
        out.push({
          role: 'holder',
          remote: hop,
          options: { peer: hop, local: source, multihop, ...timers, ...port(multihop) },
        });
      }
    }
    this.reportUnchecked(unchecked);
    const heldSet = new Set(held);
    for (const me of [...own].filter((a) => this.nextHops.has(a) && !heldSet.has(a))) {
      const family = addressFamily(me);
      for (const fip of othersFloatingIPs) {
        if (own.has(fip) || addressFamily(fip) !== family) continue;
        const multihop = !onLink(fip, observed);
        out.push({
          role: 'responder',
          remote: fip,
          options: { peer: fip, local: me, multihop, passive: true, ...timers, ...port(multihop) },
        });
      }
    }
    return out;
  }

  /**
   * Next hops left unchecked because this holder has no floating IP of their family: logged when
   * that set changes (not on every update), so an operator sees why they have no BFD session.
   */
  private reportUnchecked(hops: string[]): void {
    const key = hops.sort(compareAddressText).join(',');
    if (key === this.uncheckedKey) return;
    this.uncheckedKey = key;
    if (hops.length === 0) return;
    this.options.logger.warn(
      { nextHops: hops },
      `next-hop liveness: no floating IP of their address family held here, next hops ${hops.join(', ')} are not checked (announced as the routes say)`,
    );
  }

  private sync(): void {
    if (this.stopped) return;
    const wanted = new Map(this.wanted().map((w) => [sessionKey(w.options), w]));
    for (const [key, t] of this.sessions) {
      if (wanted.has(key)) continue;
      this.sessions.delete(key);
      if (t.peer) {
        this.byPeer.delete(t.peer);
        void this.options.bfd.removeSession(t.peer).catch((err: Error) => {
          this.options.logger.warn({ err }, `removing the BFD session to ${t.remote} failed: ${err.message}`);
        });
      }
    }
    for (const [key, w] of wanted) {
      const existing = this.sessions.get(key);
      if (existing !== undefined && existing.failed === undefined) continue;
      const t: Tracked = {
        key,
        role: w.role,
        remote: w.remote,
        options: w.options,
        wasUp: false,
        since: this.options.clock.now(),
        peerAdminDown: false,
        peerSignaledDown: false,
      };
      this.sessions.set(key, t);
      this.start(t);
    }
    this.decide();
  }

  private start(t: Tracked): void {
    const { bfd, logger: log } = this.options;
    bfd.addSession(t.options).then(
      (peer) => {
        if (this.stopped || this.sessions.get(t.key) !== t) {
          void bfd.removeSession(peer).catch(() => undefined);
          return;
        }
        t.peer = peer;
        this.byPeer.set(peer, t);
        log.debug(
          { peer: t.remote, local: t.options.local, multihop: t.options.multihop, role: t.role },
          `next-hop liveness: BFD session to ${t.remote} started`,
        );
        this.decide();
      },
      (err: Error) => {
        if (this.sessions.get(t.key) !== t) return;
        // Kept as failed: the next update (reconcile every 10 s at the latest) tries again.
        if (t.failed !== err.message)
          log.warn(
            { peer: t.remote, local: t.options.local, err },
            `next-hop liveness: cannot start the BFD session to ${t.remote}: ${err.message}`,
          );
        t.failed = err.message;
      },
    );
  }

  private onBfdState(peer: BfdPeer, change: BfdStateChange): void {
    const t = this.byPeer.get(peer);
    if (t === undefined || this.stopped) return;
    t.since = change.at;
    if (change.to === 'Up') t.wasUp = true;
    t.peerAdminDown = change.to !== 'Up' && peer.session.context.remoteState === 'AdminDown';
    t.peerSignaledDown =
      change.to !== 'Up' && !t.peerAdminDown && change.diagnostic === 'neighbor-signaled-session-down';
    this.options.logger.info(
      { peer: t.remote, role: t.role, from: change.from, to: change.to, diagnostic: change.diagnostic },
      `next-hop liveness: BFD to ${t.remote} ${change.from} -> ${change.to} (${change.diagnostic})`,
    );
    if (t.role === 'holder') this.decide();
  }

  // ---- decisions ---------------------------------------------------------------------------

  private observations(): HopObservation[] {
    const out: HopObservation[] = [];
    for (const t of this.sessions.values()) {
      if (t.role !== 'holder') continue;
      const s = t.peer?.session;
      out.push({
        address: t.remote,
        state: s === undefined ? 'Starting' : s.state,
        wasUp: t.wasUp,
        since: t.since,
        lastReceivedAt: s?.lastReceivedAt,
        detectionTimeMs: s?.detectionTimeMs ?? 0,
        peerAdminDown: t.peerAdminDown,
        peerSignaledDown: t.peerSignaledDown,
      });
    }
    return out;
  }

  private decide(): void {
    if (this.stopped) return;
    const { clock, settings } = this.options;
    const now = clock.now();
    const own = new Set(this.view.observed.map((a) => a.ip));
    const decision = decideNextHops(this.state, {
      now,
      hops: this.observations(),
      selfNextHops: [...own].filter((a) => this.nextHops.has(a)).length,
      settings: {
        holdDownMs: settings.holdDownMs,
        // Downs within two detection times of each other are "at once".
        isolationWindowMs: 2 * settings.intervalMs * settings.multiplier,
        // Peers' detection timers expire within about one transmit interval of each other (plus
        // jitter): wait half a detection time before a Down a peer signalled is acted on.
        signaledSettleMs: (settings.intervalMs * settings.multiplier) / 2,
      },
    });
    const before = this.state.withdrawn;
    this.state = decision.state;
    this.verdicts = decision.verdicts;
    for (const c of decision.changes) {
      if (c.action === 'withdraw') this.withdrawnAt.set(c.hop, now);
      else this.withdrawnAt.delete(c.hop);
    }
    for (const hop of this.withdrawnAt.keys())
      if (!decision.state.withdrawn.has(hop) && decision.verdicts.get(hop) !== 'kept-isolated')
        this.withdrawnAt.delete(hop);
    this.reportDecision(decision);
    this.options.metrics?.nextHopsWithdrawn.set(decision.state.withdrawn.size);
    this.options.metrics?.selfIsolation.set(decision.state.isolation !== undefined ? 1 : 0);
    this.scheduleWake(decision.wakeAt);
    if (!sameSet(before, decision.state.withdrawn)) this.options.onChange();
  }

  private scheduleWake(at: number | undefined): void {
    if (at === this.wakeAt) return;
    const { clock } = this.options;
    if (this.wakeTimer !== undefined) clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = at;
    if (at === undefined) return;
    this.wakeTimer = clock.setTimeout(
      () => {
        this.wakeAt = undefined;
        // Decide after this turn's I/O (a 0 ms timer runs after the poll phase): a wake-up that
        // runs late runs before the BFD packets that arrived meanwhile are read, and would take a
        // next hop whose packets wait in its socket for silent (with another one Down: self-
        // isolation suspected). Before, reconcile rounds kept deciding often enough to hide it.
        this.wakeTimer = clock.setTimeout(() => {
          this.wakeTimer = undefined;
          this.decide();
        }, 0);
      },
      Math.max(0, at - clock.now()),
    );
  }

  private reportDecision(decision: LivenessDecision): void {
    const { logger: log, metrics } = this.options;
    for (const c of decision.changes) {
      const message = changeMessage(c);
      if (c.action === 'withdraw') {
        metrics?.nextHopWithdrawals.inc({ reason: c.reason });
        log.warn({ nextHop: c.hop, reason: c.reason }, message);
        this.event('Warning', 'NextHopWithdrawn', message);
      } else {
        metrics?.nextHopAnnouncements.inc({ reason: c.reason });
        log.info({ nextHop: c.hop, reason: c.reason }, message);
        this.event('Normal', 'NextHopRestored', message);
      }
    }
    const iso = decision.isolationChange;
    if (iso?.to === 'suspected') {
      const message = `self-isolation suspected: ${iso.failing.length} of ${iso.counted} next hops failed at once (${iso.failing.join(', ')}); keeping every route instead of withdrawing them (this node's own link is the likelier fault)`;
      metrics?.selfIsolationEvents.inc();
      log.error({ failing: iso.failing, counted: iso.counted }, message);
      this.event('Warning', 'SelfIsolationSuspected', message);
    } else if (iso?.to === 'cleared') {
      const message = `self-isolation cleared: ${iso.counted - iso.failing.length} of ${iso.counted} next hops answer again`;
      log.info({ stillFailing: iso.failing }, message);
      this.event('Normal', 'SelfIsolationCleared', message);
    }
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.options.events?.record({
      type,
      reason,
      message,
      involved: { apiVersion: 'v1', kind: 'Node', name: this.options.node },
    });
  }
}

function changeMessage(c: LivenessChange): string {
  switch (c.reason) {
    case 'bfd-down':
      return `next hop ${c.hop} withdrawn: its BFD session went Down`;
    case 'hold-down-expired':
      return `next hop ${c.hop} announced again: its BFD session has been Up for the hold-down`;
    case 'isolation-suspected':
      return `next hop ${c.hop} announced again: self-isolation suspected`;
    case 'peer-admin-down':
      return `next hop ${c.hop} announced again: its agent stopped cleanly (BFD AdminDown)`;
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
