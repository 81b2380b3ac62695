/**
 * The node agent: the composition of the pure planners and their executors. It is fed the
 * watched objects (NetworkGatewayGroup, this node's BGPSessions, the cluster's BGPSessions,
 * BGPPeers, BGPAdvertisedRoutes) and, one round at a time, drives
 *
 *   floating IPs  floating-ip-plan.ts -> FloatingIPExecutor (`ip addr add/del`, `arping -U`, `ndptool`)
 *   listeners     held floating IPs   -> ListenerSet (speaker.listen)
 *   sessions      session-plan.ts     -> SessionExecutor (speaker addPeer/removePeer)
 *   routes        route-plan.ts       -> RouteApplier (speaker setPaths/withdraw, batched)
 *   status        StatusProjector     -> StatusReporter (BGPSession.status)
 *
 * Fail-safe order: a floating IP that leaves the node first loses its sessions (withdraw, then
 * Cease NOTIFICATION), then its listener, then its address. A session only starts from an
 * address on an interface, and after the routes are in the speaker. Rounds run one at a time; a
 * change during a round triggers another round; a failed round is retried with back-off.
 */
import { type Clock, systemClock } from '@bgplb/bgp-fsm';
import type { AgentSpeaker, Logger, SpeakerEvent } from '../shared/index.js';
import type { AddressManager } from '../shared/ip-addresses.js';
import type { EventSink } from './event-sink.js';
import { FloatingIPExecutor } from './floating-ip-executor.js';
import {
  type FloatingIPLeaseSettings,
  FloatingIPLeases,
  type LeaseStore,
  monotonicClock,
} from './floating-ip-leases.js';
import { planFloatingIPs } from './floating-ip-plan.js';
import { type GatewayGroupView, NO_GATEWAY_GROUP, readGatewayGroup } from './gateway-group.js';
import { ListenerSet } from './listeners.js';
import type { AgentMetrics } from './metrics.js';
import { type LivenessBfd, NextHopLiveness, type NextHopLivenessSettings } from './next-hop-liveness.js';
import { NextHopChooser } from './next-hops.js';
import { plannerInputKey } from './planner-input-key.js';
import { RouteApplier } from './route-applier.js';
import type { RouteLivenessReporter } from './route-liveness-status.js';
import { SessionExecutor } from './session-executor.js';
import { planSessions } from './session-plan.js';
import { StatusProjector } from './status-projector.js';
import type { StatusReporter } from './status-reporter.js';

export interface NodeAgentOptions {
  node: string;
  speaker: AgentSpeaker;
  addresses: AddressManager;
  reporter: StatusReporter;
  logger: Logger;
  metrics?: AgentMetrics | undefined;
  clock?: Clock;
  /** Put floating IPs on this interface instead of the one found by subnet. */
  interfaceOverride?: string | undefined;
  /** Port of the passive listeners and of the peers, default 179. */
  bgpPort?: number;
  /** Graceful-restart time advertised, seconds (default 120). */
  gracefulRestartTime?: number;
  /** `--on-exit drain` settings (default 15 s, no fallback). */
  exitDrain?: ExitDrain | undefined;
  /** ConnectRetry when the BGPPeer sets none, seconds (default 5). */
  defaultConnectRetryTime?: number;
  /** Window in which BGPAdvertisedRoute changes are collected into one batch, default 50 ms. */
  routeBatchMs?: number;
  /** Periodic full reconcile (catches an address removed by hand), default 10 s. */
  resyncMs?: number;
  /** Kubernetes Events (floating IP added/removed, session refused). */
  events?: EventSink | undefined;
  /** Namespace of the BGPSession objects (for event targets), default kube-system. */
  statusNamespace?: string;
  /**
   * How sessions end when their floating IP moves to another node: `cease` (default: withdraw,
   * then Cease) or `graceful` (TCP closed without withdrawal, so GR helpers keep the routes, still
   * valid since their next hops do not change, until the new holder sends End-of-RIB).
   */
  handover?: HandoverMode;
  /**
   * Next-hop liveness (an extension, docs/agent.md): BFD to the load-balancer nodes this node
   * announces as next hops; off when absent. `bfd` is the manager the speaker uses too.
   */
  nextHopLiveness?:
    | {
        bfd: LivenessBfd;
        settings: NextHopLivenessSettings;
        /** Writes the decisions into BGPAdvertisedRoute status (`status.nextHopLiveness.<node>`). */
        routeStatus?: RouteLivenessReporter | undefined;
      }
    | undefined;
  /**
   * Per-floating-IP Leases (issue 17, docs/agent.md "Floating-IP Leases"): this node holds a
   * floating IP only while it renews its Lease; off when absent.
   */
  floatingIPLeases?: { store: LeaseStore; settings: FloatingIPLeaseSettings } | undefined;
}

/** How the sessions of a floating IP that moves away end. */
export type HandoverMode = 'cease' | 'graceful';

/** How the agent stops: withdraw everything (default), or leave it to graceful restart. */
export type ShutdownMode = 'withdraw' | 'graceful-restart' | 'drain';

/** `--on-exit drain`: how long to announce with GRACEFUL_SHUTDOWN before withdrawing, and the fallback. */
export interface ExitDrain {
  delayMs: number;
  medIncrease: number;
  asPathPrepend: number;
}

export class NodeAgent {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly bgpPort: number;
  private readonly chooser = new NextHopChooser();
  private readonly floatingIPs: FloatingIPExecutor;
  private readonly listeners: ListenerSet;
  private readonly sessions: SessionExecutor;
  private readonly routes: RouteApplier;
  private readonly status: StatusProjector;
  private readonly liveness: NextHopLiveness | undefined;
  private readonly leases: FloatingIPLeases | undefined;

  private gatewayGroup: GatewayGroupView = NO_GATEWAY_GROUP;
  /** Counts NetworkGatewayGroup updates (a lost Lease is claimed again only on a newer one). */
  private gatewayVersion = 0;
  private ownSessions: readonly unknown[] = [];
  private peers: readonly unknown[] = [];
  /** plannerInputKey of the two lists above: a change of status alone plans nothing new. */
  private ownSessionsKey: string | undefined;
  private peersKey: string | undefined;

  private synced = false;
  private firstRoundDone = false;
  private stopped = false;
  /** Addresses of an earlier run were found at start: peers get the GR "restarting" bit. */
  private restarting = false;

  private loop: Promise<void> | undefined;
  private dirty = false;
  private resyncTimer: unknown;
  private retryTimer: unknown;
  private failedRounds = 0;

  constructor(private readonly options: NodeAgentOptions) {
    const { node, speaker, logger, metrics, events } = options;
    this.log = logger;
    this.clock = options.clock ?? systemClock;
    this.bgpPort = options.bgpPort ?? 179;
    this.floatingIPs = new FloatingIPExecutor({
      node,
      addresses: options.addresses,
      logger,
      metrics,
      events,
    });
    this.listeners = new ListenerSet({ speaker, port: this.bgpPort, logger });
    if (options.nextHopLiveness !== undefined) {
      this.liveness = new NextHopLiveness({
        node,
        bfd: options.nextHopLiveness.bfd,
        settings: options.nextHopLiveness.settings,
        clock: this.clock,
        logger,
        metrics,
        events,
        // A next hop went down or came back: re-apply now, not after the route batching window
        // (the microtask lets the decision that called this finish first), and send the UPDATEs
        // now, not after the speaker's: both windows would add to the 1 s withdrawal.
        onChange: () =>
          queueMicrotask(() => {
            if (!this.firstRoundDone) return;
            this.applyRoutes();
            this.options.speaker.flush();
          }),
      });
    }
    if (options.floatingIPLeases !== undefined) {
      this.leases = new FloatingIPLeases({
        node,
        ...options.floatingIPLeases.settings,
        store: options.floatingIPLeases.store,
        // Fencing times are monotonic (tests inject their clock).
        clock: options.clock ?? monotonicClock,
        logger,
        metrics,
        // Claimed, fenced or lost: the next round adds or drops the address.
        onChange: () => this.requestReconcile(),
      });
    }
    this.sessions = new SessionExecutor({
      node,
      speaker,
      chooser: this.chooser,
      logger,
      events,
      statusNamespace: options.statusNamespace ?? 'kube-system',
      onStarted: (name) => this.status.sessionStarted(name),
    });
    this.routes = new RouteApplier({
      speaker,
      chooser: this.chooser,
      clock: this.clock,
      logger,
      metrics,
      batchMs: options.routeBatchMs,
      liveness: this.liveness,
      // Before the first round the routes go in with it (ahead of the first peers).
      onBatchDue: () => {
        if (this.firstRoundDone) this.applyRoutes();
      },
    });
    this.status = new StatusProjector({
      reporter: options.reporter,
      speaker,
      sessions: this.sessions,
      clock: this.clock,
    });
    speaker.on('event', (e) => this.onSpeakerEvent(e));
  }

  // ---- inputs ------------------------------------------------------------------------------

  setGatewayGroup(raw: unknown): void {
    this.gatewayGroup = readGatewayGroup(raw, this.log);
    this.gatewayVersion++;
    this.requestReconcile();
  }

  setOwnSessions(list: readonly unknown[]): void {
    this.ownSessions = list;
    // Most changes of this list are the agent's own status writes coming back: no new round.
    const key = plannerInputKey(list);
    if (key === this.ownSessionsKey) return;
    this.ownSessionsKey = key;
    this.requestReconcile();
  }

  setClusterSessions(list: readonly unknown[]): void {
    const changedPeers = this.chooser.setClusterSessions(list);
    // The per-session next-hop choice depends on how many sessions each peer has.
    if (this.sessions.hasSessionTo(changedPeers)) this.routes.resendAll();
  }

  setPeers(list: readonly unknown[]): void {
    this.peers = list;
    const key = plannerInputKey(list);
    if (key === this.peersKey) return;
    this.peersKey = key;
    this.requestReconcile();
  }

  setRoutes(list: readonly unknown[]): void {
    this.routes.setRoutes(list);
  }

  /** Every watch has listed once: the agent may act (before that it knows too little). */
  markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.log.info('synced with the Kubernetes API; reconciling');
    this.requestReconcile();
    this.scheduleResync();
  }

  // ---- state for health and tests ------------------------------------------------------------

  isReady(): boolean {
    return this.synced && this.firstRoundDone && !this.stopped;
  }

  readiness(): { ready: boolean; body: unknown } {
    return {
      ready: this.isReady(),
      body: {
        synced: this.synced,
        reconciled: this.firstRoundDone,
        floatingIPs: this.floatingIPs.heldIPs(),
        sessions: this.sessions.runningNames(),
        refused: Object.fromEntries(this.sessions.refusals()),
        ...(this.liveness !== undefined ? { nextHopLiveness: this.liveness.report() } : {}),
      },
    };
  }

  heldFloatingIPs(): string[] {
    return this.floatingIPs.heldIPs();
  }

  runningSessions(): string[] {
    return this.sessions.runningNames();
  }

  refusedSessions(): Map<string, string> {
    return this.sessions.refusals();
  }

  /** Resolves when no reconcile is running or queued (tests). */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  // ---- reconcile -----------------------------------------------------------------------------

  requestReconcile(): void {
    if (this.stopped || !this.synced) return;
    this.dirty = true;
    if (this.loop) return;
    this.loop = (async () => {
      try {
        while (this.dirty && !this.stopped) {
          this.dirty = false;
          await this.reconcileOnce();
        }
      } finally {
        this.loop = undefined;
      }
    })();
  }

  private scheduleResync(): void {
    const period = this.options.resyncMs ?? 10_000;
    if (period <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      this.requestReconcile();
      this.scheduleResync();
    }, period);
  }

  private async reconcileOnce(): Promise<void> {
    try {
      await this.reconcileRound();
      if (!this.firstRoundDone) {
        this.firstRoundDone = true;
        this.log.info(
          {
            floatingIPs: this.floatingIPs.heldIPs(),
            sessions: this.sessions.runningNames(),
            refused: this.sessions.refusedCount(),
          },
          'first reconcile done; ready',
        );
      }
      this.failedRounds = 0;
    } catch (err) {
      this.options.metrics?.reconcileErrors.inc();
      // 2 s, doubling up to 60 s while the same thing keeps failing (no log flood).
      const delay = Math.min(60_000, 2_000 * 2 ** Math.min(this.failedRounds, 5));
      this.failedRounds++;
      this.log.error(
        { err, retryInMs: delay },
        `reconcile failed, retrying in ${delay / 1000} s: ${(err as Error).message}`,
      );
      if (this.retryTimer === undefined && !this.stopped) {
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = undefined;
          this.requestReconcile();
        }, delay);
      }
    }
    if (!this.stopped) this.status.reportAll(this.ownSessions);
  }

  /** One round: floating IPs, listeners, sessions (routes go in just before new sessions start). */
  private async reconcileRound(): Promise<void> {
    const { node, metrics } = this.options;
    const gg = this.gatewayGroup;
    const withheld = await this.leaseWithheld(gg.assignments);
    const observed = await this.options.addresses.list();
    const plan = planFloatingIPs({
      node,
      assignments: gg.assignments,
      floatingIPs: gg.floatingIPs,
      observed,
      interfaceOverride: this.options.interfaceOverride,
      withheld,
    });
    if (!this.firstRoundDone && plan.owned.length > 0) {
      // Our addresses survived an earlier run (crash or upgrade): tell the peers we restarted, so
      // routers in GR helper mode keep our routes until End-of-RIB.
      this.restarting = true;
      this.log.info(
        { addresses: plan.owned.map((a) => `${a.ip}/${a.prefixLen} dev ${a.ifname}`) },
        'found floating IPs from an earlier run; restarting with graceful restart',
      );
    }
    const round = await this.floatingIPs.apply(plan, (ip, reason) => this.releaseFloatingIP(ip, reason));
    // Sessions whose address went away (removed by hand, add failed) are refused by the plan below.
    await this.listeners.sync(round.held);
    this.liveness?.setNode({
      held: [...round.held],
      observed,
      othersFloatingIPs: Object.entries(gg.assignments)
        .filter(([, holder]) => holder !== node)
        .map(([ip]) => ip),
    });

    const sessionPlan = planSessions({
      node,
      sessions: this.ownSessions,
      peers: this.peers,
      assignments: gg.assignments,
      gatewayGroupFound: gg.found,
      held: round.held,
      floatingIPProblems: withheld === undefined ? round.problems : new Map([...round.problems, ...withheld]),
      peerPort: this.bgpPort,
      gracefulRestartTime: this.options.gracefulRestartTime ?? 120,
      defaultConnectRetryTime: this.options.defaultConnectRetryTime ?? 5,
    });
    const toStart = await this.sessions.stopUnwanted(sessionPlan, this.clock.now(), this.ownSessions);
    // Routes go in before the first peers, so the first UPDATEs carry the full table.
    this.applyRoutes();
    this.sessions.start(toStart, this.restarting && !this.firstRoundDone);
    metrics?.sessions.set({ status: 'running' }, this.sessions.runningCount());
    metrics?.sessions.set({ status: 'refused' }, this.sessions.refusedCount());
    if (round.failures.length > 0) throw new Error(round.failures.join('; '));
  }

  /**
   * With Leases on: claims the Leases of floating IPs newly assigned here, and answers the ones
   * this node may not hold now (not claimed, lost, fenced) with the reason.
   */
  private async leaseWithheld(
    assignments: Readonly<Record<string, string>>,
  ): Promise<Map<string, string> | undefined> {
    if (this.leases === undefined) return undefined;
    const mine = Object.entries(assignments)
      .filter(([, holder]) => holder === this.options.node)
      .map(([ip]) => ip);
    await this.leases.setAssigned(mine, this.gatewayVersion);
    const withheld = new Map<string, string>();
    for (const ip of mine) {
      const s = this.leases.standing(ip);
      if (!s.held) withheld.set(ip, s.reason);
    }
    return withheld;
  }

  /** A floating IP leaves the node: its sessions end (as `handover` says), then its listener. */
  private async releaseFloatingIP(ip: string, reason: string): Promise<void> {
    await this.sessions.stopOn(ip, reason, this.options.handover === 'graceful');
    await this.listeners.close(ip);
  }

  private applyRoutes(): void {
    if (this.stopped || !this.synced) return;
    // Latency counts only changes made while a session is up (not the initial table).
    this.routes.apply(this.firstRoundDone && this.anyEstablished());
    const routeStatus = this.options.nextHopLiveness?.routeStatus;
    if (this.liveness !== undefined && routeStatus !== undefined)
      routeStatus.update(
        this.routes.routeNextHops(),
        this.liveness.standing(),
        this.liveness.isolationSuspected(),
      );
  }

  private anyEstablished(): boolean {
    for (const name of this.sessions.runningNames()) {
      if (this.options.speaker.peerStatus(name)?.state === 'Established') return true;
    }
    return false;
  }

  private onSpeakerEvent(e: SpeakerEvent): void {
    if (e.type === 'keepalive-sent' || e.type === 'keepalive-received') return;
    if (e.type === 'update-sent') this.routes.updateSent(e.nlri, e.withdrawn);
    // The same transport error again (each connect retry): nothing new to report.
    if (
      e.type === 'error' &&
      e.peer !== undefined &&
      !this.status.noteTransportError(e.peer, e.error.message)
    )
      return;
    const peer = 'peer' in e ? e.peer : undefined;
    if (peer !== undefined && this.sessions.isRunning(peer)) this.status.report(peer);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  private async drainBeforeExit(): Promise<void> {
    const drain = this.options.exitDrain ?? { delayMs: 15_000, medIncrease: 0, asPathPrepend: 0 };
    const prefixes = this.routes.drainAll(drain);
    this.log.info(
      { prefixes, delayMs: drain.delayMs },
      `draining: ${prefixes} prefixes re-announced with GRACEFUL_SHUTDOWN; withdrawing in ${drain.delayMs} ms`,
    );
    if (prefixes > 0 && drain.delayMs > 0)
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, drain.delayMs));
  }

  /**
   * `withdraw`: every session withdraws its routes and sends Cease, every floating IP leaves the
   * interface, and the final status (Idle, nothing advertised) is written.
   * `graceful-restart`: nothing is withdrawn or removed; the caller exits and the kernel closes
   * the TCP sessions without a NOTIFICATION, so routers in GR helper mode keep forwarding until
   * the next agent re-syncs and sends End-of-RIB.
   * `drain` (RFC 8326): every path is first sent again with GRACEFUL_SHUTDOWN (and the MED /
   * AS-path fallback of `exitDrain`), then after `exitDrain.delayMs` everything goes as in
   * `withdraw`. For an agent that does not come back (a node being removed): routers move off its
   * paths while they still work, so the withdrawal resets no flow.
   */
  async shutdown(mode: ShutdownMode = 'withdraw', message = 'bgpadvertiser agent stopping'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.resyncTimer, this.retryTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    if (mode === 'drain') await this.drainBeforeExit();
    this.routes.stop();
    await this.idle();
    await this.liveness?.stop();
    await this.options.nextHopLiveness?.routeStatus?.stop();
    const { reporter, speaker } = this.options;
    if (mode === 'graceful-restart') {
      // The Leases say how long to wait for the restarted agent (as long as GR helpers keep our
      // routes), so the controller does not move the floating IPs from under a restart.
      await this.leases?.stop({ holdSeconds: this.options.gracefulRestartTime ?? 120 });
      reporter.stop();
      // Close TCP without withdrawals or NOTIFICATION: GR helpers keep our routes as stale.
      await speaker.shutdown({ message, graceful: true });
      this.log.info('stopped for a graceful restart: routes kept by GR helpers, floating IPs left in place');
      return;
    }
    const stopped = await this.sessions.stopAll(message);
    await this.listeners.closeAll();
    await speaker.shutdown({ message });
    await this.floatingIPs.removeAll(this.gatewayGroup.floatingIPs, 'agent stopping');
    // The addresses are gone: the controller may move the floating IPs at once.
    await this.leases?.stop('release');
    this.status.reportShutDown(stopped, message);
    await reporter.flush();
    reporter.stop();
  }
}
