/**
 * Carries out the session plan (session-plan.ts) on the speaker: stops the sessions that are no
 * longer wanted or whose settings changed, starts the new ones, and keeps the list of sessions
 * refused (with why and since when) for the status and for Events.
 */
import type { InvolvedObject } from '@bgplb/kube-runtime';
import { type AgentSpeaker, type Logger, peerBfdOptions, peerFamilySettings } from '../shared/index.js';
import type { EventSink } from './event-sink.js';
import type { NextHopChooser } from './next-hops.js';
import { type DesiredSession, diffPeers, nameOf, type SessionPlan } from './session-plan.js';
import type { Refusal, SessionBook } from './status-projector.js';

/** Seconds: cap of the speaker's IdleHold backoff, so a session retries at least this often. */
const IDLE_HOLD_MAX_TIME = 15;

interface RunningSession {
  fingerprint: string;
  floatingIP: string;
  peerIP: string;
}

export interface SessionExecutorOptions {
  node: string;
  speaker: Pick<AgentSpeaker, 'addPeer' | 'removePeer'>;
  /** Picks the one path per prefix for sessions without ADD-PATH. */
  chooser: Pick<NextHopChooser, 'choose'>;
  logger: Logger;
  events?: EventSink | undefined;
  /** Namespace of the BGPSession objects (Event targets). */
  statusNamespace: string;
  /** Called when a session starts (its status starts afresh). */
  onStarted?: (name: string) => void;
}

export class SessionExecutor implements SessionBook {
  private readonly running = new Map<string, RunningSession>();
  private readonly refused = new Map<string, Refusal>();

  constructor(private readonly options: SessionExecutorOptions) {}

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  refusal(name: string): Refusal | undefined {
    return this.refused.get(name);
  }

  /** Names of the running sessions, sorted. */
  runningNames(): string[] {
    return [...this.running.keys()].sort();
  }

  runningCount(): number {
    return this.running.size;
  }

  refusedCount(): number {
    return this.refused.size;
  }

  /** Refused session -> why. */
  refusals(): Map<string, string> {
    return new Map([...this.refused].map(([n, r]) => [n, r.reason]));
  }

  /** Whether a session to one of the routers `peerIPs` runs here. */
  hasSessionTo(peerIPs: ReadonlySet<string>): boolean {
    for (const r of this.running.values()) if (peerIPs.has(r.peerIP)) return true;
    return false;
  }

  /**
   * First half of a round: records the plan's refusals (logged and sent as an Event when new or
   * changed) and stops what must stop. Returns the sessions to start, for `start()` once the
   * routes are in the speaker (so that their first UPDATEs carry the full table).
   */
  async stopUnwanted(
    plan: SessionPlan,
    now: number,
    ownSessions: readonly unknown[],
  ): Promise<DesiredSession[]> {
    const { logger: log, node } = this.options;
    for (const [name, reason] of plan.refused) {
      if (this.refused.get(name)?.reason === reason) continue;
      this.refused.set(name, { reason, since: now });
      log.warn({ session: name, reason }, `BGPSession ${name} refused: ${reason}`);
      this.options.events?.record({
        type: 'Warning',
        reason: 'SessionRefused',
        message: `BGPSession ${name} refused on node ${node}: ${reason}`,
        involved: this.sessionTarget(name, ownSessions),
      });
    }
    for (const name of [...this.refused.keys()]) if (!plan.refused.has(name)) this.refused.delete(name);

    const fingerprints = new Map([...this.running].map(([n, r]) => [n, r.fingerprint]));
    const diff = diffPeers(fingerprints, plan.desired);
    for (const name of diff.remove) {
      const why = plan.desired.has(name)
        ? 'session settings changed'
        : (plan.refused.get(name) ?? 'BGPSession removed');
      await this.stop(name, why);
    }
    return diff.add;
  }

  /** Starts sessions; `restarting` sets the GR restarting bit (addresses survived an earlier run). */
  start(sessions: readonly DesiredSession[], restarting: boolean): void {
    for (const desired of sessions) this.startOne(desired, restarting);
  }

  /** Stops every session bound to floating IP `ip` (it is leaving the node). */
  async stopOn(ip: string, reason: string, graceful: boolean): Promise<void> {
    for (const [name, r] of [...this.running]) {
      if (r.floatingIP === ip) await this.stop(name, reason, graceful);
    }
  }

  /** Stops every session (withdraw + Cease); resolves with their names. */
  async stopAll(reason: string): Promise<string[]> {
    const names = [...this.running.keys()];
    for (const name of names) await this.stop(name, reason);
    return names;
  }

  /**
   * Stops one session: withdraw + Cease, or with `graceful` TCP closed without withdrawal (GR
   * helpers keep the routes). A failure is logged: the peer is forgotten either way.
   */
  async stop(name: string, reason: string, graceful = false): Promise<void> {
    const log = this.options.logger;
    this.running.delete(name);
    try {
      await this.options.speaker.removePeer(name, { message: reason, graceful });
      log.info(
        { session: name, reason, graceful },
        graceful
          ? `session ${name} stopped for a graceful hand-over (routes kept by GR helpers): ${reason}`
          : `session ${name} stopped: ${reason}`,
      );
    } catch (err) {
      log.error({ session: name, err }, `stopping session ${name} failed: ${(err as Error).message}`);
    }
  }

  private startOne(desired: DesiredSession, restarting: boolean): void {
    const c = desired.config;
    const { floatingIP } = desired;
    const peerIP = c.peerAddress;
    const { chooser } = this.options;
    this.options.speaker.addPeer({
      id: c.id,
      localAddress: c.localAddress,
      localAsn: c.localAsn,
      peerAddress: c.peerAddress,
      peerAsn: c.peerAsn,
      peerPort: c.peerPort,
      // Both families (IPv6 VIPs over IPv4 sessions too), RFC 8950 on IPv6 sessions, the router id.
      ...peerFamilySettings(c.localAddress),
      holdTime: c.holdTime,
      keepaliveTime: c.keepaliveTime,
      connectRetryTime: c.connectRetryTime,
      addPath: c.addPath,
      gracefulRestart: { restartTime: c.gracefulRestartTime, restarting },
      // Failover speed: a refused connection (the old holder's session not yet gone) retries soon.
      idleHoldMaxTime: IDLE_HOLD_MAX_TIME,
      pathSelector: (prefix, paths) => chooser.choose(prefix, paths, peerIP, floatingIP),
      // BFD from the floating IP to the peer: a BFD Down ends the session with Cease/BFD Down.
      ...(c.bfd !== undefined ? { bfd: peerBfdOptions(c.bfd) } : {}),
    });
    this.running.set(desired.name, { fingerprint: desired.fingerprint, floatingIP, peerIP });
    this.options.onStarted?.(desired.name);
    this.options.logger.info(
      {
        session: desired.name,
        localAddress: c.localAddress,
        peer: c.peerAddress,
        localAsn: c.localAsn,
        peerAsn: c.peerAsn,
        holdTime: c.holdTime,
        bgpPeer: c.bgpPeer,
        ...(c.bfd !== undefined ? { bfd: c.bfd } : {}),
      },
      `session ${desired.name} started from ${c.localAddress} to ${c.peerAddress}`,
    );
  }

  private sessionTarget(name: string, ownSessions: readonly unknown[]): InvolvedObject {
    const raw = ownSessions.find((s) => nameOf(s) === name) as { metadata?: { uid?: unknown } } | undefined;
    const uid = raw?.metadata?.uid;
    return {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      name,
      namespace: this.options.statusNamespace,
      uid: typeof uid === 'string' ? uid : undefined,
    };
  }
}
