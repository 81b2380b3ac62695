/**
 * The node agent's core: it is fed the watched objects (NetworkGatewayGroup, this node's
 * BGPSessions, the cluster's BGPSessions, BGPPeers, BGPAdvertisedRoutes) and drives three
 * executors from the pure planners:
 *
 *   floating IPs  (floating-ip-plan.ts) -> `ip addr add/del`, `arping -U`   (AddressManager)
 *   sessions      (session-plan.ts)     -> speaker addPeer/removePeer/listen
 *   routes        (route-plan.ts)       -> speaker setPaths/withdraw, batched
 *
 * and reports every session's status (status-reporter.ts).
 *
 * Fail-safe order: a floating IP that leaves the node first loses its sessions (withdraw, then
 * Cease NOTIFICATION), then its address. A session only starts from an address on an interface.
 * Reconciles run one at a time; a change during a round triggers another round.
 */
import { isIPv4 } from '@bgplb/api-types';
import { type Clock, systemClock } from '@bgplb/bgp-fsm';
import type { Logger, PeerStatus, SpeakerEvent } from '../shared/index.js';
import { type AgentSpeaker, asListenerHandle, type ListenerHandle } from './agent-speaker.js';
import type { EventRecorder, EventTarget } from './events.js';
import { type FloatingIPAction, planFloatingIPs } from './floating-ip-plan.js';
import type { AddressManager } from './ip-commands.js';
import { kubeTime } from './kube-time.js';
import type { AgentMetrics } from './metrics.js';
import { NextHopChooser } from './next-hops.js';
import { diffRoutes, pathsFingerprint, planRoutes } from './route-plan.js';
import { type DesiredSession, diffPeers, planSessions } from './session-plan.js';
import type { ReportedError, SessionStatusContent, StatusReporter } from './status-reporter.js';

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
  /** ConnectRetry when the BGPPeer sets none, seconds (default 5). */
  defaultConnectRetryTime?: number;
  /** Window in which BGPAdvertisedRoute changes are collected into one batch, default 50 ms. */
  routeBatchMs?: number;
  /** Periodic full reconcile (catches an address removed by hand), default 10 s. */
  resyncMs?: number;
  /** Kubernetes Events (floating IP added/removed, session refused). */
  events?: EventRecorder | undefined;
  /** Namespace of the BGPSession objects (for event targets), default kube-system. */
  statusNamespace?: string;
  /**
   * How sessions end when their floating IP moves to another node: `cease` (default: withdraw,
   * then Cease) or `graceful` (TCP closed without withdrawal, so GR helpers keep the routes, still
   * valid since their next hops do not change, until the new holder sends End-of-RIB).
   */
  handover?: HandoverMode;
}

/** How the sessions of a floating IP that moves away end. */
export type HandoverMode = 'cease' | 'graceful';

/** How the agent stops: withdraw everything (default), or leave it to graceful restart. */
export type ShutdownMode = 'withdraw' | 'graceful-restart';

interface RunningSession {
  fingerprint: string;
  floatingIP: string;
  peerIP: string;
}

interface GatewayGroupView {
  found: boolean;
  assignments: Record<string, string>;
  floatingIPs: string[];
}

/** Seconds: cap of the speaker's IdleHold backoff, so a session retries at least this often. */
const IDLE_HOLD_MAX_TIME = 15;

const NO_GATEWAY_GROUP: GatewayGroupView = { found: false, assignments: {}, floatingIPs: [] };

/** Reads a NetworkGatewayGroup leniently: bad entries are skipped (and logged), the rest used. */
export function readGatewayGroup(raw: unknown, log?: Logger): GatewayGroupView {
  if (raw === undefined || raw === null || typeof raw !== 'object') return NO_GATEWAY_GROUP;
  const obj = raw as { spec?: { floatingIPs?: unknown }; status?: { floatingIPs?: unknown } };
  const floatingIPs: string[] = [];
  if (Array.isArray(obj.spec?.floatingIPs)) {
    for (const ip of obj.spec.floatingIPs) {
      if (typeof ip === 'string' && isIPv4(ip)) floatingIPs.push(ip);
      else
        log?.warn(
          { value: ip },
          'NetworkGatewayGroup spec.floatingIPs has an entry that is not an IPv4 address; ignored',
        );
    }
  }
  const assignments: Record<string, string> = {};
  const status = obj.status?.floatingIPs;
  if (status !== null && typeof status === 'object') {
    for (const [ip, node] of Object.entries(status as Record<string, unknown>)) {
      if (!isIPv4(ip) || typeof node !== 'string') {
        log?.warn({ ip, node }, 'NetworkGatewayGroup status.floatingIPs has an invalid entry; ignored');
        continue;
      }
      assignments[ip] = node;
    }
  }
  return { found: true, assignments, floatingIPs };
}

function nameOf(raw: unknown): string | undefined {
  const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export class NodeAgent {
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly bgpPort: number;
  private readonly chooser = new NextHopChooser();

  private gatewayGroup: GatewayGroupView = NO_GATEWAY_GROUP;
  private ownSessions: readonly unknown[] = [];
  private peers: readonly unknown[] = [];
  private routes: readonly unknown[] = [];

  private synced = false;
  private firstRoundDone = false;
  private stopped = false;
  /** Addresses of an earlier run were found at start: peers get the GR "restarting" bit. */
  private restarting = false;

  private readonly running = new Map<string, RunningSession>();
  private readonly refused = new Map<string, { reason: string; since: number }>();
  private readonly transportErrors = new Map<string, ReportedError>();
  private held = new Set<string>();
  private readonly listeners = new Map<string, ListenerHandle | undefined>();
  private readonly listenFailures = new Map<string, string>();
  private reportedProblems = new Map<string, string>();

  private readonly appliedRoutes = new Map<string, string>();
  private readonly forcedPrefixes = new Set<string>();
  private routeDirtySince: number | undefined;
  private routeTimer: unknown;
  private readonly pendingLatency = new Map<string, number>();
  private lastRouteProblems = '';

  private loop: Promise<void> | undefined;
  private dirty = false;
  private resyncTimer: unknown;
  private retryTimer: unknown;
  private failedRounds = 0;

  constructor(private readonly options: NodeAgentOptions) {
    this.log = options.logger;
    this.clock = options.clock ?? systemClock;
    this.bgpPort = options.bgpPort ?? 179;
    options.speaker.on('event', (e) => this.onSpeakerEvent(e));
  }

  // ---- inputs ------------------------------------------------------------------------------

  setGatewayGroup(raw: unknown): void {
    this.gatewayGroup = readGatewayGroup(raw, this.log);
    this.requestReconcile();
  }

  setOwnSessions(list: readonly unknown[]): void {
    this.ownSessions = list;
    this.requestReconcile();
  }

  setClusterSessions(list: readonly unknown[]): void {
    const changedPeers = this.chooser.setClusterSessions(list);
    const affected = [...this.running.values()].some((r) => changedPeers.has(r.peerIP));
    if (affected) {
      // The per-session next-hop choice depends on how many sessions each peer has.
      for (const prefix of this.appliedRoutes.keys()) this.forcedPrefixes.add(prefix);
      this.scheduleRoutes();
    }
  }

  setPeers(list: readonly unknown[]): void {
    this.peers = list;
    this.requestReconcile();
  }

  setRoutes(list: readonly unknown[]): void {
    this.routes = list;
    this.routeDirtySince ??= this.clock.now();
    this.scheduleRoutes();
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
        floatingIPs: [...this.held].sort(),
        sessions: [...this.running.keys()].sort(),
        refused: Object.fromEntries([...this.refused].map(([n, r]) => [n, r.reason])),
      },
    };
  }

  heldFloatingIPs(): string[] {
    return [...this.held].sort();
  }

  runningSessions(): string[] {
    return [...this.running.keys()].sort();
  }

  refusedSessions(): Map<string, string> {
    return new Map([...this.refused].map(([n, r]) => [n, r.reason]));
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
      await this.reconcileAddressesAndSessions();
      if (!this.firstRoundDone) {
        this.firstRoundDone = true;
        this.log.info(
          {
            floatingIPs: [...this.held].sort(),
            sessions: [...this.running.keys()].sort(),
            refused: this.refused.size,
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
    this.reportAll();
  }

  private async reconcileAddressesAndSessions(): Promise<void> {
    const { addresses, node } = this.options;
    const gg = this.gatewayGroup;
    const observed = await addresses.list();
    const plan = planFloatingIPs({
      node,
      assignments: gg.assignments,
      floatingIPs: gg.floatingIPs,
      observed,
      interfaceOverride: this.options.interfaceOverride,
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

    const keep = new Set<string>(plan.held);
    for (const a of plan.actions) if (a.kind === 'add') keep.add(a.ip);
    const problems = new Map(plan.problems);

    // 1. Floating IPs leaving the node: sessions first (withdraw + Cease), then the address.
    // A failed removal does not stop the rest of the round; the round is retried afterwards.
    const failures: string[] = [];
    for (const action of plan.actions) {
      if (action.kind !== 'remove') continue;
      if (!keep.has(action.ip)) await this.releaseFloatingIP(action.ip, action.reason);
      try {
        await this.removeAddress(action);
      } catch (err) {
        failures.push(
          `cannot remove floating IP ${action.ip} from ${action.ifname}: ${(err as Error).message}`,
        );
      }
    }
    // 2. Floating IPs arriving.
    const held = new Set(plan.held);
    for (const action of plan.actions) {
      if (action.kind !== 'add') continue;
      try {
        await addresses.add(action);
        held.add(action.ip);
        this.options.metrics?.floatingIPChanges.inc({ action: 'add' });
        this.log.info(
          { ip: action.ip, interface: action.ifname, label: action.label },
          `floating IP ${action.ip} added to ${action.ifname}`,
        );
        this.event(
          'Normal',
          'FloatingIPAdded',
          `floating IP ${action.ip} added to ${action.ifname} on node ${node}`,
        );
        addresses.announce(action.ip, action.ifname).then(
          () => this.log.debug({ ip: action.ip, interface: action.ifname }, 'gratuitous ARP sent'),
          (err: unknown) =>
            this.log.warn(
              { ip: action.ip, err },
              `gratuitous ARP for ${action.ip} failed: ${(err as Error).message}`,
            ),
        );
      } catch (err) {
        const why = `cannot add floating IP ${action.ip} to ${action.ifname}: ${(err as Error).message}`;
        problems.set(action.ip, why);
        this.log.error({ ip: action.ip, err }, why);
        this.event('Warning', 'FloatingIPFailed', why);
      }
    }
    for (const [ip, why] of plan.problems) {
      // Logged when it appears or changes, not on every periodic round.
      if (this.reportedProblems.get(ip) === why) continue;
      this.log.warn({ ip }, why);
      this.event('Warning', 'FloatingIPFailed', why);
    }
    this.reportedProblems = new Map(plan.problems);
    // Sessions whose address went away (removed by hand, add failed) are refused by the plan below.
    this.held = held;
    this.options.metrics?.setHeld([...held]);
    await this.syncListeners();

    // 3. Sessions.
    const sessionPlan = planSessions({
      node,
      sessions: this.ownSessions,
      peers: this.peers,
      assignments: gg.assignments,
      gatewayGroupFound: gg.found,
      held,
      floatingIPProblems: problems,
      peerPort: this.bgpPort,
      gracefulRestartTime: this.options.gracefulRestartTime ?? 120,
      defaultConnectRetryTime: this.options.defaultConnectRetryTime ?? 5,
    });
    const now = this.clock.now();
    for (const [name, reason] of sessionPlan.refused) {
      const previous = this.refused.get(name);
      if (previous?.reason !== reason) {
        this.refused.set(name, { reason, since: now });
        this.log.warn({ session: name, reason }, `BGPSession ${name} refused: ${reason}`);
        this.event(
          'Warning',
          'SessionRefused',
          `BGPSession ${name} refused on node ${node}: ${reason}`,
          this.sessionTarget(name),
        );
      }
    }
    for (const name of [...this.refused.keys()])
      if (!sessionPlan.refused.has(name)) this.refused.delete(name);

    const runningFingerprints = new Map([...this.running].map(([n, r]) => [n, r.fingerprint]));
    const diff = diffPeers(runningFingerprints, sessionPlan.desired);
    for (const name of diff.remove) {
      const why = sessionPlan.desired.has(name)
        ? 'session settings changed'
        : (sessionPlan.refused.get(name) ?? 'BGPSession removed');
      await this.stopSession(name, why);
    }
    // Routes go in before the first peers, so the first UPDATEs carry the full table.
    this.applyRoutes();
    for (const desired of diff.add) this.startSession(desired);
    this.options.metrics?.sessions.set({ status: 'running' }, this.running.size);
    this.options.metrics?.sessions.set({ status: 'refused' }, this.refused.size);
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string, target?: EventTarget): void {
    this.options.events?.record({
      type,
      reason,
      message,
      target: target ?? { apiVersion: 'v1', kind: 'Node', name: this.options.node },
    });
  }

  private sessionTarget(name: string): EventTarget {
    const raw = this.ownSessions.find((s) => nameOf(s) === name) as
      | { metadata?: { uid?: unknown } }
      | undefined;
    const uid = raw?.metadata?.uid;
    return {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      name,
      namespace: this.options.statusNamespace ?? 'kube-system',
      uid: typeof uid === 'string' ? uid : undefined,
    };
  }

  private async releaseFloatingIP(ip: string, reason: string): Promise<void> {
    const graceful = this.options.handover === 'graceful';
    for (const [name, r] of [...this.running]) {
      if (r.floatingIP === ip) await this.stopSession(name, reason, graceful);
    }
    await this.closeListener(ip);
  }

  private async removeAddress(action: Extract<FloatingIPAction, { kind: 'remove' }>): Promise<void> {
    try {
      await this.options.addresses.remove(action);
      this.options.metrics?.floatingIPChanges.inc({ action: 'remove' });
      this.log.info(
        { ip: action.ip, interface: action.ifname, reason: action.reason },
        `floating IP ${action.ip} removed from ${action.ifname}: ${action.reason}`,
      );
      this.event(
        'Normal',
        'FloatingIPRemoved',
        `floating IP ${action.ip} removed from ${action.ifname} on node ${this.options.node}: ${action.reason}`,
      );
    } catch (err) {
      this.log.error(
        { ip: action.ip, err },
        `cannot remove floating IP ${action.ip}: ${(err as Error).message}`,
      );
      throw err;
    }
  }

  private async syncListeners(): Promise<void> {
    for (const ip of [...this.listeners.keys()]) if (!this.held.has(ip)) await this.closeListener(ip);
    for (const ip of this.held) {
      if (this.listeners.has(ip)) continue;
      try {
        const handle = await this.options.speaker.listen(ip, this.bgpPort);
        this.listeners.set(ip, asListenerHandle(handle));
        this.listenFailures.delete(ip);
        this.log.info({ address: ip, port: this.bgpPort }, `listening for BGP on ${ip}:${this.bgpPort}`);
      } catch (err) {
        const message = (err as Error).message;
        if (this.listenFailures.get(ip) !== message) {
          // Active sessions still work; only connections opened by the peer are refused.
          this.log.warn({ address: ip, err }, `cannot listen on ${ip}:${this.bgpPort}: ${message}`);
          this.listenFailures.set(ip, message);
        }
      }
    }
  }

  private async closeListener(ip: string): Promise<void> {
    if (!this.listeners.has(ip)) return;
    const handle = this.listeners.get(ip);
    this.listeners.delete(ip);
    try {
      await handle?.close();
    } catch (err) {
      this.log.warn({ address: ip, err }, `closing the listener on ${ip} failed: ${(err as Error).message}`);
    }
  }

  private startSession(desired: DesiredSession): void {
    const c = desired.config;
    const { floatingIP } = desired;
    const peerIP = c.peerAddress;
    this.options.speaker.addPeer({
      id: c.id,
      localAddress: c.localAddress,
      localAsn: c.localAsn,
      peerAddress: c.peerAddress,
      peerAsn: c.peerAsn,
      peerPort: c.peerPort,
      routerId: c.localAddress,
      holdTime: c.holdTime,
      keepaliveTime: c.keepaliveTime,
      connectRetryTime: c.connectRetryTime,
      addPath: c.addPath,
      gracefulRestart: {
        restartTime: c.gracefulRestartTime,
        restarting: this.restarting && !this.firstRoundDone,
      },
      // Failover speed: a refused connection (the old holder's session not yet gone) retries soon.
      idleHoldMaxTime: IDLE_HOLD_MAX_TIME,
      pathSelector: (prefix, paths) => this.chooser.choose(prefix, paths, peerIP, floatingIP),
    });
    this.running.set(desired.name, { fingerprint: desired.fingerprint, floatingIP, peerIP });
    this.transportErrors.delete(desired.name);
    this.log.info(
      {
        session: desired.name,
        localAddress: c.localAddress,
        peer: c.peerAddress,
        localAsn: c.localAsn,
        peerAsn: c.peerAsn,
        holdTime: c.holdTime,
        bgpPeer: c.bgpPeer,
      },
      `session ${desired.name} started from ${c.localAddress} to ${c.peerAddress}`,
    );
  }

  private async stopSession(name: string, reason: string, graceful = false): Promise<void> {
    this.running.delete(name);
    try {
      await this.options.speaker.removePeer(name, { message: reason, graceful });
      this.log.info(
        { session: name, reason, graceful },
        graceful
          ? `session ${name} stopped for a graceful hand-over (routes kept by GR helpers): ${reason}`
          : `session ${name} stopped: ${reason}`,
      );
    } catch (err) {
      this.log.error({ session: name, err }, `stopping session ${name} failed: ${(err as Error).message}`);
    }
  }

  // ---- routes --------------------------------------------------------------------------------

  private scheduleRoutes(): void {
    if (this.stopped || this.routeTimer !== undefined) return;
    this.routeTimer = this.clock.setTimeout(() => {
      this.routeTimer = undefined;
      // Before the first round the routes go in with it (ahead of the first peers).
      if (this.firstRoundDone) this.applyRoutes();
    }, this.options.routeBatchMs ?? 50);
  }

  private applyRoutes(): void {
    if (this.stopped || !this.synced) return;
    const desired = planRoutes(this.routes);
    const problemsKey = desired.problems.map((p) => `${p.name}: ${p.message}`).join('\n');
    if (problemsKey !== this.lastRouteProblems) {
      for (const p of desired.problems)
        this.log.warn({ route: p.name }, `BGPAdvertisedRoute ${p.name}: ${p.message}`);
      this.lastRouteProblems = problemsKey;
    }
    const diff = diffRoutes(this.appliedRoutes, desired.paths, this.forcedPrefixes);
    this.forcedPrefixes.clear();
    const since = this.routeDirtySince ?? this.clock.now();
    this.routeDirtySince = undefined;
    const { speaker } = this.options;
    // The histogram measures how fast a change reaches the routers: only changes made while a
    // session is up count (the initial table waits for the sessions, that is not this latency).
    const measure = this.firstRoundDone && this.anyEstablished();
    const track = (prefix: string): void => {
      if (measure && !this.pendingLatency.has(prefix)) this.pendingLatency.set(prefix, since);
    };
    for (const { prefix, paths } of diff.set) {
      speaker.setPaths(prefix, paths);
      const fingerprint = pathsFingerprint(paths);
      if (this.appliedRoutes.get(prefix) !== fingerprint) track(prefix);
      this.appliedRoutes.set(prefix, fingerprint);
    }
    for (const prefix of diff.withdraw) {
      speaker.withdraw(prefix);
      this.appliedRoutes.delete(prefix);
      this.chooser.forget(prefix);
      track(prefix);
    }
    if (diff.set.length + diff.withdraw.length > 0) {
      this.log.info(
        { announce: diff.set.map((s) => s.prefix), withdraw: diff.withdraw },
        `routes updated: ${diff.set.length} announced, ${diff.withdraw.length} withdrawn`,
      );
    }
    this.options.metrics?.routes.set(this.appliedRoutes.size);
    // A change no session will carry (no session up) must not wait forever in the histogram.
    const cutoff = this.clock.now() - 300_000;
    for (const [prefix, t] of this.pendingLatency) if (t < cutoff) this.pendingLatency.delete(prefix);
  }

  private anyEstablished(): boolean {
    for (const name of this.running.keys()) {
      if (this.options.speaker.peerStatus(name)?.state === 'Established') return true;
    }
    return false;
  }

  // ---- speaker events and status ------------------------------------------------------------

  private onSpeakerEvent(e: SpeakerEvent): void {
    if (e.type === 'keepalive-sent' || e.type === 'keepalive-received') return;
    if (e.type === 'update-sent') {
      const now = this.clock.now();
      for (const prefix of [...e.nlri, ...e.withdrawn]) {
        const t = this.pendingLatency.get(prefix);
        if (t !== undefined) {
          this.pendingLatency.delete(prefix);
          this.options.metrics?.routeUpdateSeconds.observe((now - t) / 1000);
        }
      }
    }
    if (e.type === 'error' && e.peer !== undefined) {
      const previous = this.transportErrors.get(e.peer);
      if (previous?.message !== e.error.message) {
        this.transportErrors.set(e.peer, {
          code: 0,
          subcode: 0,
          message: e.error.message,
          time: kubeTime(this.clock.now()),
        });
      } else {
        return; // The same error again (each connect retry): nothing new to report.
      }
    }
    const peer = 'peer' in e ? e.peer : undefined;
    if (peer !== undefined && this.running.has(peer)) this.report(peer);
  }

  private statusOfRunning(name: string, ps: PeerStatus | undefined): SessionStatusContent {
    const advertised = [...(ps?.advertisedPrefixes ?? [])].sort();
    let lastError: ReportedError | null = null;
    if (ps?.lastError) {
      lastError = {
        code: ps.lastError.code,
        subcode: ps.lastError.subcode,
        message: ps.lastError.text,
        direction: ps.lastError.direction,
        time: kubeTime(ps.lastError.at.getTime()),
      };
    }
    const transport = this.transportErrors.get(name);
    if (transport !== undefined && (lastError === null || (transport.time ?? '') > (lastError.time ?? ''))) {
      lastError = transport;
    }
    return {
      state: ps?.state ?? 'Idle',
      advertisedRoutes: advertised,
      advertisedPrefixes: advertised.length,
      receivedPrefixes: ps?.counters.prefixesReceived ?? 0,
      establishedSince:
        ps?.state === 'Established' && ps.establishedSince ? kubeTime(ps.establishedSince.getTime()) : null,
      lastError,
    };
  }

  private report(name: string): void {
    if (this.running.has(name)) {
      this.options.reporter.update(name, this.statusOfRunning(name, this.options.speaker.peerStatus(name)));
      return;
    }
    const refusal = this.refused.get(name);
    if (refusal !== undefined) {
      this.options.reporter.update(name, {
        state: 'Idle',
        advertisedRoutes: [],
        advertisedPrefixes: 0,
        receivedPrefixes: 0,
        establishedSince: null,
        lastError: { code: 0, subcode: 0, message: refusal.reason, time: kubeTime(refusal.since) },
      });
    }
  }

  private reportAll(): void {
    if (this.stopped) return;
    const names = new Set<string>();
    for (const raw of this.ownSessions) {
      const name = nameOf(raw);
      if (name !== undefined && (this.running.has(name) || this.refused.has(name))) names.add(name);
    }
    for (const name of names) this.report(name);
    for (const name of this.options.reporter.sessions())
      if (!names.has(name)) this.options.reporter.forget(name);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /**
   * `withdraw`: every session withdraws its routes and sends Cease, every floating IP leaves the
   * interface, and the final status (Idle, nothing advertised) is written.
   * `graceful-restart`: nothing is withdrawn or removed; the caller exits and the kernel closes
   * the TCP sessions without a NOTIFICATION, so routers in GR helper mode keep forwarding until
   * the next agent re-syncs and sends End-of-RIB.
   */
  async shutdown(mode: ShutdownMode = 'withdraw', message = 'bgpadvertiser agent stopping'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.resyncTimer, this.retryTimer, this.routeTimer])
      if (t !== undefined) this.clock.clearTimeout(t);
    await this.idle();
    const { reporter, speaker, addresses } = this.options;
    if (mode === 'graceful-restart') {
      reporter.stop();
      // Close TCP without withdrawals or NOTIFICATION: GR helpers keep our routes as stale.
      await speaker.shutdown({ message, graceful: true });
      this.log.info('stopped for a graceful restart: routes kept by GR helpers, floating IPs left in place');
      return;
    }
    const sessions = [...this.running.keys()];
    for (const name of sessions) await this.stopSession(name, message);
    for (const ip of [...this.listeners.keys()]) await this.closeListener(ip);
    await speaker.shutdown({ message });
    try {
      const observed = await addresses.list();
      const plan = planFloatingIPs({
        node: this.options.node,
        assignments: {},
        floatingIPs: this.gatewayGroup.floatingIPs,
        observed,
      });
      for (const action of plan.actions) {
        if (action.kind === 'remove') await this.removeAddress({ ...action, reason: 'agent stopping' });
      }
    } catch (err) {
      this.log.error({ err }, `removing floating IPs at shutdown failed: ${(err as Error).message}`);
    }
    this.held.clear();
    this.options.metrics?.setHeld([]);
    const time = kubeTime(this.clock.now());
    for (const name of sessions) {
      reporter.update(name, {
        state: 'Idle',
        advertisedRoutes: [],
        advertisedPrefixes: 0,
        receivedPrefixes: 0,
        establishedSince: null,
        lastError: {
          code: 6,
          subcode: 2,
          message: `Cease/Administrative Shutdown: ${message}`,
          direction: 'sent',
          time,
        },
      });
    }
    await reporter.flush();
    reporter.stop();
  }
}
