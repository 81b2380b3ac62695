/**
 * A multi-peer BGP speaker: one session per configured peer, the routes to announce (a set of
 * paths per prefix, for every peer or for some), packed and coalesced UPDATEs per peer, and a
 * typed event stream.
 */

import { EventEmitter } from 'node:events';
import { BfdManager, type BfdState } from '@bgplb/bfd';
import { formatAddress, formatIpv4, parseAddress } from '@bgplb/bgp-wire';
import { BfdPeers, checkPeerBfd, type PeerBfdOptions } from './bfd-peers.js';
import { type Clock, systemClock } from './clock.js';
import type { PeerStatus, SpeakerEvent } from './events.js';
import { DEFAULT_FSM_TIMERS } from './fsm.js';
import type { Family } from './negotiate.js';
import {
  hashPathSelector,
  normalizePrefix,
  PathInterner,
  type PathSelector,
  type PathSpec,
} from './paths.js';
import { type PeerConfig, PeerSession, type SessionHost } from './session.js';
import { type Connection, type Listener, netTransport, type Transport } from './transport.js';

export interface SpeakerOptions {
  /** Injected for tests (FakeClock). */
  clock?: Clock;
  /** Injected for tests (MemoryNetwork); default TCP. */
  transport?: Transport;
  /** Random source for timer jitter. */
  random?: () => number;
  /** How long changes are coalesced before UPDATEs go out. Default 20 ms. */
  batchWindowMs?: number;
  /** Octets queued per socket above which route generation pauses. Default 1 MiB. */
  highWaterMark?: number;
  /**
   * Build `update-received` / `update-sent` events (default both true). They cost one string
   * per prefix: turn `received` off for peers that send full tables, or set `receivedPrefixes`
   * to list at most that many prefixes per `update-received` event (the totals are then in
   * `nlriTotal` / `withdrawnTotal`); default: all.
   */
  updateEvents?: { received?: boolean; sent?: boolean; receivedPrefixes?: number };
  /**
   * The BFD sessions of peers with a `bfd` option. Default: one created on the first such peer
   * (UDP 3784/4784) and closed by `shutdown`; pass one to share it or to use other ports.
   */
  bfd?: BfdManager;
}

/** The configuration of one peer (see docs/bgp.md for the defaults compared with FRR and GoBGP). */
export interface PeerOptions {
  /** Default: peerAddress. */
  id?: string;
  /** The TCP connection is bound to it (node IP or floating IP); passive sessions accept on it. */
  localAddress: string;
  localAsn: number;
  peerAddress: string;
  peerAsn: number;
  /** Default 179. */
  peerPort?: number;
  /**
   * The BGP identifier (an IPv4 address). Default: localAddress when it is IPv4; for an IPv6
   * localAddress its last 32 bits (`2001:db8::a00:10a` -> `10.0.1.10`), unique among hosts of one
   * subnet whose addresses differ in their last 32 bits.
   */
  routerId?: string;
  /** Seconds; default 90; 0 disables keepalives and the hold timer; 1 and 2 are refused. */
  holdTime?: number;
  /** Seconds; default holdTime / 3 (never more than a third of the negotiated hold time). */
  keepaliveTime?: number;
  /** Seconds, with jitter; default 5. */
  connectRetryTime?: number;
  /** Hold timer while waiting for the peer's OPEN; default 240. */
  openSentHoldTime?: number;
  /** RFC 4271 DelayOpen in seconds; default 0 (off). */
  delayOpenTime?: number;
  /** First IdleHold after a failure, doubled on each further one; default 1. */
  idleHoldTime?: number;
  /** Cap of the IdleHold backoff; default 120. */
  idleHoldMaxTime?: number;
  /** Only accept the peer's connection, never connect. */
  passive?: boolean;
  /** Advertise ADD-PATH send and receive; default true. */
  addPath?: boolean;
  /** Default ['ipv4-unicast']; add 'ipv6-unicast' to carry IPv6 prefixes. */
  families?: Family[];
  /**
   * RFC 8950 (Extended Next Hop Encoding): an IPv6 address of this host. When set (and
   * `families` has 'ipv4-unicast'), the capability is offered; when the peer offers it too, IPv4
   * prefixes are sent to this peer with this IPv6 next hop, as one path (the attributes of the
   * path `pathSelector` picks) instead of their IPv4 next hops. Paths of IPv4 prefixes that
   * already have IPv6 next hops are sent as they are to such peers and never to others.
   */
  extendedNextHop?: string;
  /** RFC 8654 Extended Message; default true. */
  extendedMessage?: boolean;
  /** RFC 4724 capability; `restarting` sets the R bit in the first OPEN. */
  gracefulRestart?: { restartTime: number; restarting?: boolean };
  /** Received-prefix limit: above it the session ends with Cease/Maximum Number of Prefixes Reached. */
  maxPrefixes?: number;
  /** Store received routes (compact Adj-RIB-In); default false (count only). */
  adjRibIn?: boolean;
  /**
   * eBGP: routes whose AS_PATH does not start with the peer's ASN are treated as withdrawn
   * (RFC 4271 §6.3, RFC 7606). Default true; turn off for route servers.
   */
  enforceFirstAs?: boolean;
  /** Chooses the one path of a prefix when ADD-PATH send is not negotiated. */
  pathSelector?: PathSelector;
  /**
   * BFD to the peer (RFC 5882): a BFD Down ends the session at once with Cease/BFD Down. Off by
   * default; the recommended profile is 300 ms x 3 (docs/bfd.md).
   */
  bfd?: PeerBfdOptions;
}

/** Why a peer is stopped, as the Cease subcode sent (RFC 4486). */
export type CeaseReason = 'administrative-shutdown' | 'peer-deconfigured' | 'administrative-reset';

const CEASE_SUBCODES: Readonly<Record<CeaseReason, number>> = {
  'administrative-shutdown': 2,
  'peer-deconfigured': 3,
  'administrative-reset': 4,
};

interface RouteEntry {
  all: readonly PathSpec[] | undefined;
  perPeer: Map<string, readonly PathSpec[]> | undefined;
}

function isIpv4Text(s: string): boolean {
  return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s);
}

function receivedPrefixesOption(value: number | undefined): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`updateEvents.receivedPrefixes must be a non-negative integer, got ${value}`);
  return value;
}

function secondsOption(value: number | undefined, fallback: number, what: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min || value > 65535)
    throw new RangeError(`${what} ${value} is out of range`);
  return value;
}

/** The default BGP identifier: an IPv4 localAddress itself, else the last 32 bits of the IPv6 one. */
export function defaultRouterId(localAddress: string): string {
  if (!localAddress.includes(':')) return localAddress;
  const bytes = parseAddress(localAddress);
  return formatIpv4(bytes, 12);
}

/** Validates peer options and applies the defaults. */
function canonicalAddress(text: string, what: string, id: string): string {
  try {
    return formatAddress(parseAddress(text));
  } catch {
    throw new RangeError(`peer ${id}: ${what} ${JSON.stringify(text)} is not an IP address`);
  }
}

export function peerConfig(o: PeerOptions): PeerConfig {
  const id = o.id ?? o.peerAddress;
  const localAddress = canonicalAddress(o.localAddress, 'localAddress', id);
  const peerAddress = canonicalAddress(o.peerAddress, 'peerAddress', id);
  const asn = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff)
      throw new RangeError(`peer ${id}: ${what} ${v} is not 1..4294967295`);
  };
  asn(o.localAsn, 'localAsn');
  asn(o.peerAsn, 'peerAsn');
  const holdTime = secondsOption(o.holdTime, 90, `peer ${id}: holdTime`);
  if (holdTime === 1 || holdTime === 2 || !Number.isInteger(holdTime)) {
    throw new RangeError(
      `peer ${id}: holdTime ${holdTime} is invalid (0 or an integer of at least 3 seconds)`,
    );
  }
  const routerId = o.routerId ?? defaultRouterId(localAddress);
  if (!isIpv4Text(routerId)) {
    throw new RangeError(
      `peer ${id}: routerId ${JSON.stringify(routerId)} must be an IPv4 address (set routerId)`,
    );
  }
  if (routerId === '0.0.0.0' || routerId === '255.255.255.255')
    throw new RangeError(`peer ${id}: routerId ${routerId} is not a valid BGP identifier (set routerId)`);
  const port = o.peerPort ?? 179;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(`peer ${id}: peerPort ${port} is invalid`);
  const families = o.families ?? ['ipv4-unicast'];
  for (const f of families) {
    if (f !== 'ipv4-unicast' && f !== 'ipv6-unicast')
      throw new RangeError(`peer ${id}: unknown family ${String(f)}`);
  }
  let extendedNextHop: string | undefined;
  if (o.extendedNextHop !== undefined) {
    extendedNextHop = canonicalAddress(o.extendedNextHop, 'extendedNextHop', id);
    if (!extendedNextHop.includes(':'))
      throw new RangeError(
        `peer ${id}: extendedNextHop ${extendedNextHop} must be an IPv6 address (RFC 8950)`,
      );
    if (!families.includes('ipv4-unicast'))
      throw new RangeError(
        `peer ${id}: extendedNextHop needs the ipv4-unicast family (it carries IPv4 prefixes)`,
      );
  }
  if (o.maxPrefixes !== undefined && (!Number.isInteger(o.maxPrefixes) || o.maxPrefixes < 0)) {
    throw new RangeError(`peer ${id}: maxPrefixes ${o.maxPrefixes} is not a non-negative integer`);
  }
  return {
    id,
    localAddress,
    localAsn: o.localAsn,
    peerAddress,
    peerAsn: o.peerAsn,
    peerPort: port,
    routerId,
    holdTime,
    keepaliveTime:
      o.keepaliveTime === undefined
        ? undefined
        : secondsOption(o.keepaliveTime, 30, `peer ${id}: keepaliveTime`, 1),
    connectRetryTime: secondsOption(
      o.connectRetryTime,
      DEFAULT_FSM_TIMERS.connectRetryTime,
      `peer ${id}: connectRetryTime`,
      0.01,
    ),
    openSentHoldTime: secondsOption(o.openSentHoldTime, 240, `peer ${id}: openSentHoldTime`, 1),
    delayOpenTime: secondsOption(o.delayOpenTime, 0, `peer ${id}: delayOpenTime`),
    idleHoldTime: secondsOption(o.idleHoldTime, 1, `peer ${id}: idleHoldTime`),
    idleHoldMaxTime: secondsOption(o.idleHoldMaxTime, 120, `peer ${id}: idleHoldMaxTime`),
    passive: o.passive ?? false,
    addPath: o.addPath ?? true,
    families: [...families],
    extendedMessage: o.extendedMessage ?? true,
    extendedNextHop,
    gracefulRestart:
      o.gracefulRestart === undefined
        ? undefined
        : {
            restartTime: secondsOption(o.gracefulRestart.restartTime, 120, `peer ${id}: restartTime`),
            restarting: o.gracefulRestart.restarting ?? false,
          },
    maxPrefixes: o.maxPrefixes,
    adjRibIn: o.adjRibIn ?? false,
    enforceFirstAs: o.enforceFirstAs ?? true,
    pathSelector: o.pathSelector ?? hashPathSelector,
  };
}

export interface ListenHandle {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export class BgpSpeaker extends EventEmitter<{ event: [SpeakerEvent] }> {
  private readonly sessions = new Map<string, PeerSession>();
  private readonly routes = new Map<string, RouteEntry>();
  private readonly servers = new Map<string, Listener>();
  private readonly host: SessionHost;
  private readonly interner = new PathInterner();
  private readonly bfd: BfdPeers;
  private ownBfd: BfdManager | undefined;

  constructor(options: SpeakerOptions = {}) {
    super();
    const self = this;
    this.bfd = new BfdPeers(
      () => {
        if (options.bfd) return options.bfd;
        this.ownBfd = new BfdManager();
        this.ownBfd.on('error', (error) => this.host.emit({ type: 'error', error }));
        return this.ownBfd;
      },
      (peer, error) => this.host.emit({ type: 'error', peer, error }),
      (peer, change) =>
        this.host.emit({
          type: 'bfd-state',
          peer,
          from: change.from,
          to: change.to,
          diagnostic: change.diagnostic,
          detectionTimeMs: change.detectionTimeMs,
          ...(change.silentMs !== undefined ? { silentMs: change.silentMs } : {}),
        }),
    );
    this.host = {
      clock: options.clock ?? systemClock,
      transport: options.transport ?? netTransport,
      random: options.random ?? Math.random,
      batchWindowMs: options.batchWindowMs ?? 20,
      highWaterMark: options.highWaterMark ?? 1024 * 1024,
      updateEvents: {
        received: options.updateEvents?.received ?? true,
        sent: options.updateEvents?.sent ?? true,
        receivedPrefixes: receivedPrefixesOption(options.updateEvents?.receivedPrefixes),
      },
      emit(event) {
        try {
          self.emit('event', event);
        } catch (err) {
          // A throwing listener must not leave a session half-way through a transition.
          process.emitWarning(
            `bgp-fsm: an 'event' listener threw on ${event.type}: ${(err as Error)?.stack ?? String(err)}`,
          );
        }
      },
      hasListeners() {
        return self.listenerCount('event') > 0;
      },
      pathsFor(prefix, peerId) {
        const entry = self.routes.get(prefix);
        if (entry === undefined) return [];
        return entry.perPeer?.get(peerId) ?? entry.all ?? [];
      },
      *prefixesFor(peerId) {
        for (const [prefix, entry] of self.routes) {
          const paths = entry.perPeer?.get(peerId) ?? entry.all;
          if (paths !== undefined && paths.length > 0) yield prefix;
        }
      },
    };
  }

  /** Adds a peer and starts its session (connects with retry, or waits when passive). */
  addPeer(options: PeerOptions): void {
    const config = peerConfig(options);
    if (this.sessions.has(config.id)) throw new Error(`peer ${config.id} already exists`);
    for (const s of this.sessions.values()) {
      if (s.config.peerAddress === config.peerAddress && s.config.localAddress === config.localAddress) {
        throw new Error(
          `peer ${config.id}: ${config.localAddress} -> ${config.peerAddress} is already peer ${s.id}`,
        );
      }
    }
    if (options.bfd !== undefined)
      checkPeerBfd(config.id, config.localAddress, config.peerAddress, options.bfd);
    const session = new PeerSession(config, this.host);
    this.sessions.set(config.id, session);
    if (options.bfd === undefined) session.start();
    else this.bfd.add(session, config.localAddress, config.peerAddress, options.bfd);
  }

  /** The BFD state of a peer with the `bfd` option (undefined otherwise, or while it starts). */
  bfdState(id: string): BfdState | undefined {
    return this.bfd.state(id);
  }

  /**
   * Withdraws, sends a Cease and closes; then forgets the peer. The Cease is Peer De-configured
   * (6/3, RFC 4486) by default: the peer was removed from the configuration. Pass
   * `cease: 'administrative-reset'` (6/4) when it is removed to come back with new settings, or
   * `'administrative-shutdown'` (6/2) to stop it for another reason; those two carry `message`
   * as the RFC 9003 shutdown communication (6/3 has none). With `graceful`, the connection just
   * closes (no withdrawals, no NOTIFICATION) so graceful-restart helpers keep our routes.
   */
  async removePeer(
    id: string,
    opts: { message?: string; graceful?: boolean; cease?: CeaseReason } = {},
  ): Promise<void> {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    const subcode = CEASE_SUBCODES[opts.cease ?? 'peer-deconfigured'];
    const stopped = session.stop({
      message: subcode === CEASE_SUBCODES['peer-deconfigured'] ? undefined : opts.message,
      subcode,
      graceful: opts.graceful === true,
    });
    await Promise.all([stopped, this.bfd.remove(id)]);
    for (const entry of this.routes.values()) entry.perPeer?.delete(id);
  }

  /**
   * Listens for peers' connections on `address:port` (default 179). Only connections from a
   * configured peer whose localAddress is this address are accepted; others are closed at once.
   */
  async listen(address: string, port = 179): Promise<ListenHandle> {
    address = canonicalAddress(address, 'listen address', 'listener');
    const key = `${address}|${port}`;
    if (this.servers.has(key)) throw new Error(`already listening on ${address} port ${port}`);
    const listener = await this.host.transport.listen(
      address,
      port,
      (conn) => this.onConnection(conn),
      (error) => this.host.emit({ type: 'error', error }),
    );
    const realKey = `${address}|${listener.port}`;
    this.servers.set(realKey, listener);
    return {
      address,
      port: listener.port,
      close: async () => {
        if (this.servers.get(realKey) !== listener) return;
        this.servers.delete(realKey);
        await listener.close();
      },
    };
  }

  /** Stops listening on an address (all ports, or one). */
  async unlisten(address: string, port?: number): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, listener] of this.servers) {
      if (listener.address !== address && !key.startsWith(`${address}|`)) continue;
      if (port !== undefined && listener.port !== port) continue;
      this.servers.delete(key);
      closing.push(listener.close());
    }
    await Promise.all(closing);
  }

  private onConnection(conn: Connection): void {
    for (const s of this.sessions.values()) {
      if (s.config.peerAddress === conn.remoteAddress && s.config.localAddress === conn.localAddress) {
        s.acceptIncoming(conn);
        return;
      }
    }
    // Not a configured peer: close at once.
    conn.destroy();
    this.emit('event', {
      type: 'error',
      error: new Error(
        `refused connection from ${conn.remoteAddress} to ${conn.localAddress}: not a configured peer`,
      ),
      source: 'connection',
    });
  }

  /**
   * Replaces the paths of a prefix, for every peer or only the listed peer ids. Paths with the
   * same next hop are merged (the last wins). Changes are coalesced for `batchWindowMs` and sent
   * as packed UPDATEs; unchanged paths are not re-sent. Throws TypeError for an invalid prefix
   * or path (nothing is changed then).
   */
  setPaths(prefix: string, paths: readonly PathSpec[], opts: { peers?: readonly string[] } = {}): void {
    const canonical = normalizePrefix(prefix);
    const normalized = this.interner.internList(paths, canonical);
    if (canonical.includes(':')) {
      // MP_REACH_NLRI of AFI 2 carries IPv6 next hops only (RFC 4760, RFC 2545).
      const v4 = normalized.find((p) => !p.nextHop.includes(':'));
      if (v4 !== undefined)
        throw new TypeError(
          `path of ${canonical}: next hop ${v4.nextHop} is IPv4; an IPv6 prefix needs IPv6 next hops`,
        );
    }
    let entry = this.routes.get(canonical);
    if (opts.peers === undefined) {
      entry = { all: normalized, perPeer: undefined };
      this.routes.set(canonical, entry);
      for (const s of this.sessions.values()) s.markDirty(canonical);
      return;
    }
    if (entry === undefined) {
      entry = { all: undefined, perPeer: undefined };
      this.routes.set(canonical, entry);
    }
    entry.perPeer ??= new Map();
    for (const id of opts.peers) {
      entry.perPeer.set(id, normalized);
      this.sessions.get(id)?.markDirty(canonical);
    }
  }

  /**
   * Sends the changes made so far to every Established peer now, instead of at the end of the
   * batching window: for a change that must not wait, such as a next hop found dead (the window
   * would add up to `batchWindowMs` to a failover) or a withdrawal before shutdown (it would eat
   * into the time the routers have to move the flows away). Changes of the same turn made before
   * it still go out packed together; a session whose socket pushes back sends the rest when it
   * drains, as always.
   */
  flush(): void {
    for (const s of this.sessions.values()) s.flush();
  }

  /** Withdraws a prefix from every peer, or only from the listed peer ids. */
  withdraw(prefix: string, opts: { peers?: readonly string[] } = {}): void {
    const canonical = normalizePrefix(prefix);
    if (opts.peers === undefined) {
      if (!this.routes.delete(canonical)) return;
      for (const s of this.sessions.values()) s.markDirty(canonical);
      return;
    }
    this.setPaths(canonical, [], opts);
  }

  /** The routes to announce, for the app to persist across a graceful restart. */
  snapshot(): { prefix: string; paths: PathSpec[]; peers?: string[] }[] {
    const out: { prefix: string; paths: PathSpec[]; peers?: string[] }[] = [];
    for (const [prefix, entry] of this.routes) {
      // Copies: the stored lists are shared between prefixes and frozen.
      if (entry.all !== undefined) out.push({ prefix, paths: [...entry.all] });
      for (const [peer, paths] of entry.perPeer ?? []) out.push({ prefix, paths: [...paths], peers: [peer] });
    }
    return out;
  }

  peerStatus(id: string): PeerStatus | undefined {
    const session = this.sessions.get(id);
    return session && this.withBfd(session.status());
  }

  peers(): PeerStatus[] {
    return [...this.sessions.values()].map((s) => this.withBfd(s.status()));
  }

  private withBfd(status: PeerStatus): PeerStatus {
    const bfd = this.bfd.status(status.id);
    if (bfd !== undefined) status.bfd = bfd;
    return status;
  }

  /** The session object of a peer (advanced use and tests: Adj-RIB-In, FSM context). */
  session(id: string): PeerSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * Stops every peer as `removePeer` does (or, with `graceful`, closes without withdrawing so
   * that graceful-restart helpers keep our routes) and closes the listeners. Resolves when all
   * sockets are closed.
   */
  async shutdown(opts: { message?: string; graceful?: boolean } = {}): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    const listeners = [...this.servers.values()];
    this.servers.clear();
    await Promise.all([
      ...sessions.map((s) => s.stop(opts)),
      ...listeners.map((l) => l.close()),
      this.bfd.removeAll(),
    ]);
    await this.ownBfd?.close();
    this.ownBfd = undefined;
  }
}
