import { type AdvertiserConfig, hostPrefix } from '@bgplb/api-types/advertiser-config';
import type { ReadinessReport } from '@bgplb/kube-runtime/process';
import type { Logger } from 'pino';
import { type ExitDrain, resolveExitDrain } from './exit-drain.js';
import { peerBfdOptions } from './shared/bfd-options.js';
import { drainingPath } from './shared/draining-path.js';
import { peerFamilySettings } from './shared/peer-families.js';
import type { PathSpec, PeerOptions, Speaker } from './shared/speaker-types.js';
import type { VipInterface } from './vip-interface.js';
import { noNextHopReason, vipNextHop } from './vip-next-hops.js';

export interface ControlPlaneAdvertiserOptions {
  speaker: Speaker;
  log: Logger;
  /**
   * The VIPs (one, or one of each family), each announced as `vip/32` (IPv6: `vip/128`) with next
   * hop this node's address of its family (see {@link vipNextHop}).
   */
  vips: readonly string[];
  /** Hold each VIP as `vip/32` (`vip/128`) on an interface while announced: one per VIP. */
  vipInterfaces?: readonly VipInterface[] | undefined;
  /** Peer TCP port (179; tests use others). */
  peerPort?: number | undefined;
  /** With a health check: announce only once `setHealthy(true)` is called. */
  gated?: boolean;
  /**
   * On stop, how long to keep the sessions and the VIP on the interface after sending the
   * withdrawal (ms, default 0): the routers still forward to this node until they have processed
   * it and updated their FIB, and a request arriving after the VIP is gone fails.
   */
  withdrawSettleMs?: number;
  /**
   * Offer graceful restart (RFC 4724) to every peer (`--on-exit graceful-restart`): `restarting`
   * when this process found the VIP on the interface at start (an earlier run left it there).
   */
  gracefulRestart?: { restartTime: number; restarting: boolean } | undefined;
  /**
   * `stop(_, 'drain')`: how long to announce the VIP with GRACEFUL_SHUTDOWN (and the MED / AS-path
   * fallback) before withdrawing (default 15 s, nothing added).
   */
  exitDrain?: ExitDrain | undefined;
}

export interface ConfigChange {
  added: string[];
  removed: string[];
  /** Peers whose settings changed: their session is restarted. */
  changed: string[];
  unchanged: string[];
}

/** The speaker settings of each peer of a config file, keyed by peer IP (the peer id). */
export function peerConfigs(
  config: AdvertiserConfig,
  peerPort?: number,
  gracefulRestart?: { restartTime: number; restarting: boolean },
): Map<string, PeerOptions> {
  const out = new Map<string, PeerOptions>();
  for (const p of config.peers) {
    // A session starts from this node's address of the peer's family (validation guarantees one).
    const localAddress = vipNextHop(config, p.peerIP) ?? config.localIP;
    const pc: PeerOptions = {
      id: p.peerIP,
      localAddress,
      localAsn: config.localASN,
      peerAddress: p.peerIP,
      peerAsn: p.peerASN,
      ...peerFamilySettings(localAddress),
    };
    const hold = p.holdTime ?? config.holdTime;
    const keepalive = p.keepaliveTime ?? config.keepaliveTime;
    const retry = p.connectRetryTime ?? config.connectRetryTime;
    if (hold !== undefined) pc.holdTime = hold;
    if (keepalive !== undefined) pc.keepaliveTime = keepalive;
    if (retry !== undefined) pc.connectRetryTime = retry;
    if (peerPort !== undefined) pc.peerPort = peerPort;
    if (gracefulRestart !== undefined) pc.gracefulRestart = { ...gracefulRestart };
    // BFD (an extension): a BFD Down ends the session at once with Cease/BFD Down (bgp-fsm).
    if (p.bfd !== undefined) pc.bfd = peerBfdOptions(p.bfd);
    out.set(p.peerIP, pc);
  }
  return out;
}

const samePeer = (a: PeerOptions, b: PeerOptions): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The control-plane mode: one session to every configured peer (from this node's address of the
 * peer's family), announcing each `VIP/32` (`VIP/128`) with next hop this node's address of the
 * VIP's family and origin IGP while the node is healthy. Each VIP goes to every peer; the speaker
 * sends a family only over sessions that negotiated it (an IPv4 session carries the IPv6 VIP when
 * the router offers IPv6 unicast). Every operation is serialised,
 * so a SIGHUP during a health flip cannot interleave interface and route changes.
 */
export class ControlPlaneAdvertiser {
  private config: AdvertiserConfig | undefined;
  /** VIP -> why it has no next hop, as the caller found it (a Cluster: on the host). */
  private unannounced: Readonly<Record<string, string>> = {};
  private peersById = new Map<string, PeerOptions>();
  private healthy: boolean;
  /** VIP -> the next hop it is announced with. */
  private readonly announcedNextHops = new Map<string, string>();
  /** VIPs not announced for want of an address of their family (said once, until that changes). */
  private readonly withoutNextHop = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private drain: ExitDrain;

  constructor(private readonly options: ControlPlaneAdvertiserOptions) {
    this.healthy = options.gated !== true;
    this.drain = options.exitDrain ?? resolveExitDrain({}, undefined);
  }

  /** What `stop(_, 'drain')` will do. */
  get exitDrain(): ExitDrain {
    return this.drain;
  }

  /**
   * A new drain for the next `stop(_, 'drain')` (a live Cluster change): only a setting, so no
   * session and no path changes. A drain already under way keeps the settings it started with.
   */
  setExitDrain(drain: ExitDrain): void {
    this.drain = drain;
  }

  /** The VIPs' prefixes, in the order given. */
  get prefixes(): string[] {
    return this.options.vips.map(hostPrefix);
  }

  /** True while a VIP is announced. */
  get announced(): boolean {
    return this.announcedNextHops.size > 0;
  }

  private vipInterface(vip: string): VipInterface | undefined {
    return this.options.vipInterfaces?.find((v) => v.ip === vip);
  }

  /** Ids (peer IPs) of the configured peers. */
  get peerIds(): string[] {
    return [...this.peersById.keys()];
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Starts (or, on SIGHUP, updates) the sessions of `config` and announces when healthy.
   * `unannounced`: why a VIP has no next hop, when the caller knows more than the config (from a
   * Cluster, the node's address of the other family is looked up on the host); said instead of
   * the `--config` form's advice.
   */
  applyConfig(
    config: AdvertiserConfig,
    unannounced: Readonly<Record<string, string>> = {},
  ): Promise<ConfigChange> {
    return this.serial(async () => {
      if (this.stopped) return { added: [], removed: [], changed: [], unchanged: [] };
      const { speaker, log } = this.options;
      const desired = peerConfigs(config, this.options.peerPort, this.options.gracefulRestart);
      const change: ConfigChange = { added: [], removed: [], changed: [], unchanged: [] };
      for (const [id, current] of this.peersById) {
        const want = desired.get(id);
        if (want && samePeer(want, current)) {
          change.unchanged.push(id);
          continue;
        }
        if (want) change.changed.push(id);
        else change.removed.push(id);
        // RFC 4486: a changed peer is reset (6/4, with the reason); a removed one is de-configured (6/3).
        await speaker.removePeer(
          id,
          want
            ? { message: 'bgpadvertiser: peer settings changed', cease: 'administrative-reset' }
            : { message: 'bgpadvertiser: peer removed from configuration' },
        );
        this.peersById.delete(id);
        log.info(
          { peer: id, peerASN: current.peerAsn },
          want ? 'Peer restarting with new settings' : 'Peer removed',
        );
      }
      for (const [id, want] of desired) {
        if (this.peersById.has(id)) continue;
        if (!change.changed.includes(id)) change.added.push(id);
        // Logged first: addPeer starts the session and its first state change at once.
        log.info(
          { peer: id, peerASN: want.peerAsn, localIP: want.localAddress, localASN: want.localAsn },
          'Peer added',
        );
        speaker.addPeer(want);
        this.peersById.set(id, want);
      }
      this.config = config;
      this.unannounced = unannounced;
      await this.reconcileRoute();
      return change;
    });
  }

  /** The health gate's verdict: announce when healthy, withdraw when not. */
  setHealthy(healthy: boolean, reason: string): Promise<void> {
    return this.serial(async () => {
      if (this.healthy === healthy) return;
      this.healthy = healthy;
      this.options.log.info(
        { healthy, reason, prefix: this.prefixes.join(' ') },
        healthy ? 'VIP healthy' : 'VIP unhealthy',
      );
      await this.reconcileRoute(reason);
    });
  }

  /** Announces or withdraws so that the speaker matches (config, health), VIP by VIP. */
  private async reconcileRoute(reason?: string): Promise<void> {
    if (this.stopped || this.config === undefined) return;
    const { speaker, log } = this.options;
    for (const vip of this.options.vips) {
      const prefix = hostPrefix(vip);
      const nextHop = vipNextHop(this.config, vip);
      if (nextHop === undefined) {
        if (!this.withoutNextHop.has(vip)) {
          this.withoutNextHop.add(vip);
          const why = this.unannounced[vip] ?? noNextHopReason(this.config, vip);
          log.warn({ prefix }, `VIP not announced: ${why}`);
        }
      } else this.withoutNextHop.delete(vip);
      const announcedWith = this.announcedNextHops.get(vip);
      if (this.healthy && nextHop !== undefined) {
        const vipInterface = this.vipInterface(vip);
        if (vipInterface && announcedWith === undefined) {
          if (await vipInterface.add())
            log.info({ vip: vipInterface.cidr, device: vipInterface.device }, 'VIP added to interface');
        }
        // Called on every config change too: peers added since the last call get the path.
        const path: PathSpec = { nextHop, origin: 'igp' };
        speaker.setPaths(prefix, [path]);
        if (announcedWith !== nextHop) {
          log.info({ prefix, nextHop, ...(reason ? { reason } : {}) }, 'Route added');
        }
        this.announcedNextHops.set(vip, nextHop);
      } else if (announcedWith !== undefined) {
        await this.withdrawRoute(vip, nextHop === undefined ? 'no next hop' : (reason ?? 'unhealthy'));
      }
    }
  }

  private async withdrawRoute(vip: string, reason: string): Promise<void> {
    const { speaker, log } = this.options;
    const prefix = hostPrefix(vip);
    speaker.withdraw(prefix);
    this.announcedNextHops.delete(vip);
    log.info({ prefix, reason }, 'Route withdrawn');
    const vipInterface = this.vipInterface(vip);
    if (vipInterface && (await vipInterface.remove())) {
      log.info({ vip: vipInterface.cidr, device: vipInterface.device }, 'VIP removed from interface');
    }
  }

  /**
   * /readyz: ready only while every configured peer is Established. The body lists each peer's
   * state and last error, and whether the VIP is announced.
   */
  readiness(): ReadinessReport {
    const peers = [...this.peersById.values()].map((pc) => {
      const id = pc.id ?? pc.peerAddress;
      const s = this.options.speaker.peerStatus(id);
      const entry: Record<string, unknown> = { peer: id, peerASN: pc.peerAsn, state: s?.state ?? 'Idle' };
      if (s?.establishedSince) entry.establishedSince = s.establishedSince.toISOString();
      // Peers with bfd: the BFD state too (control-plane sessions have no BGPSession status).
      if (s?.bfd) entry.bfdState = s.bfd.state;
      if (s?.lastError) {
        const e = s.lastError;
        entry.lastError = {
          code: e.code,
          subcode: e.subcode,
          text: e.text,
          direction: e.direction,
          at: e.at.toISOString(),
        };
      }
      return entry;
    });
    const ready = !this.stopped && peers.length > 0 && peers.every((p) => p.state === 'Established');
    const prefixes = this.prefixes;
    const vips = prefixes.length > 1 ? { vips: prefixes } : {};
    return {
      ready,
      body: { ready, vip: prefixes[0], ...vips, announced: this.announced, healthy: this.healthy, peers },
    };
  }

  /**
   * `drain` first re-announces the VIP with GRACEFUL_SHUTDOWN for `exitDrain.delayMs`; then, as
   * `withdraw`: withdraws, waits `withdrawSettleMs` while still serving (so the routers move the flows to
   * the other next hops first), then sends Cease/Administrative Shutdown with `message`
   * (RFC 8203) to every peer, closes the sessions and removes the VIP from the interface.
   */
  stop(message: string, mode: 'withdraw' | 'graceful-restart' | 'drain' = 'withdraw'): Promise<void> {
    return this.serial(async () => {
      if (this.stopped) return;
      const { speaker, log } = this.options;
      if (mode === 'drain' && this.announced) {
        // RFC 8326: the paths again with GRACEFUL_SHUTDOWN (+ fallback); routers with a policy (or
        // comparing MED / AS_PATH) move to the other control-plane nodes while this one still
        // serves, so the withdrawal below resets no flow.
        const { drain } = this;
        for (const [vip, nextHop] of this.announcedNextHops)
          speaker.setPaths(hostPrefix(vip), [{ ...drainingPath(nextHop, 0, drain), origin: 'igp' }]);
        log.info(
          {
            prefix: [...this.announcedNextHops.keys()].map(hostPrefix).join(' '),
            delayMs: drain.delayMs,
            medIncrease: drain.medIncrease,
            asPathPrepend: drain.asPathPrepend,
          },
          `draining: VIP re-announced with GRACEFUL_SHUTDOWN; withdrawing in ${drain.delayMs} ms`,
        );
        if (drain.delayMs > 0) await new Promise((r) => setTimeout(r, drain.delayMs));
      }
      if (mode === 'graceful-restart') {
        // No withdrawal, no NOTIFICATION, the VIP stays: GR helpers keep the path (stale) and
        // forwarding through this node goes on until the restarted process sends End-of-RIB.
        this.stopped = true;
        await speaker.shutdown({ message, graceful: true });
        log.info(
          { prefix: this.prefixes.join(' ') },
          'stopped for a graceful restart: route kept by GR helpers, VIP left in place',
        );
        return;
      }
      const held = [...this.announcedNextHops.keys()];
      if (held.length > 0) {
        for (const vip of held) {
          speaker.withdraw(hostPrefix(vip));
          log.info({ prefix: hostPrefix(vip), reason: 'shutdown' }, 'Route withdrawn');
        }
        this.announcedNextHops.clear();
        // The settle time is the routers' to converge in: it starts with the withdrawal on the
        // wire, not one batching window later.
        speaker.flush();
        const settle = this.options.withdrawSettleMs ?? 0;
        if (settle > 0) await new Promise((r) => setTimeout(r, settle));
      }
      this.stopped = true;
      // The VIPs go while the Cease is sent, not after the peers have closed: a frozen peer must
      // not keep them on the interface past the SIGTERM budget (the settle time used part of it).
      const removeVips = async (): Promise<void> => {
        for (const vipInterface of this.options.vipInterfaces ?? []) {
          if (await vipInterface.remove())
            log.info({ vip: vipInterface.cidr, device: vipInterface.device }, 'VIP removed from interface');
        }
      };
      await Promise.all([speaker.shutdown({ message }), removeVips()]);
    });
  }
}
