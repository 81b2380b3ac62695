/**
 * Many BFD sessions over a few UDP sockets (RFC 5881 single-hop on 3784, RFC 5883 multihop on
 * 4784). Received packets are demultiplexed by Your Discriminator, or by the source address (and
 * the local address the socket is bound to) while the peer does not know ours yet.
 *
 * Sockets: one receiving socket per (local address or wildcard, port), and one sending socket per
 * local address, bound to a source port in 49152-65535 (RFC 5881 §4) with TTL/Hop Limit 255
 * (RFC 5881 §5, GTSM). Node cannot read a received packet's TTL, so the receive-side GTSM check
 * is done by the kernel with nftables rules (gtsm.ts), not here; see docs/bfd.md.
 */
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { decode } from './codec.js';
import {
  BfdConfigError,
  type BfdPeerOptions,
  normalizeAddress,
  type ResolvedBfdPeer,
  resolvePeerOptions,
} from './config.js';
import { selectSession } from './receive.js';
import { BfdSession, type BfdStateChange } from './session.js';
import { TimerWheel } from './timer-wheel.js';

/**
 * `node:crypto`'s randomInt, with the module loaded on first use (a session or a socket being
 * created): requiring `node:crypto` loads about 25 of Node's internal modules, 2-3 MiB of RSS that a
 * control-plane speaker without BFD would carry for nothing (docs/benchmarks.md, "advertiser
 * control-plane mode").
 */
function randomInt(min: number, max: number): number {
  return process.getBuiltinModule('node:crypto').randomInt(min, max);
}

export const BFD_SINGLE_HOP_PORT = 3784;
export const BFD_MULTIHOP_PORT = 4784;
const SOURCE_PORT_MIN = 49152;
const SOURCE_PORT_MAX = 65535;

export interface BfdManagerOptions {
  /** Port to receive single-hop packets on. Default 3784. */
  singleHopPort?: number;
  /** Port to receive multihop packets on. Default 4784. */
  multihopPort?: number;
  /** Milliseconds clock for events and detection (default Date.now). */
  now?: () => number;
  /** [0, 1) source for the transmit jitter (default Math.random). */
  random?: () => number;
}

/** Why a received packet was dropped before reaching a session. */
export interface BfdDiscard {
  code: string;
  message: string;
  from: string;
  port: number;
}

/** One session with its addressing, as handed out by `addSession`. */
export class BfdPeer {
  /** @internal */
  sender: Sender | undefined;
  /** @internal */
  receiver: Receiver | undefined;

  constructor(
    readonly options: ResolvedBfdPeer,
    readonly session: BfdSession,
  ) {}

  get peer(): string {
    return this.options.peer;
  }
  get local(): string | undefined {
    return this.options.local;
  }
  get multihop(): boolean {
    return this.options.multihop;
  }
  get state() {
    return this.session.state;
  }
}

export interface BfdManagerEvents {
  state: [peer: BfdPeer, change: BfdStateChange];
  up: [peer: BfdPeer, change: BfdStateChange];
  down: [peer: BfdPeer, change: BfdStateChange];
  discard: [discard: BfdDiscard];
  error: [error: Error];
}

interface Sender {
  key: string;
  socket: dgram.Socket;
  port: number;
  users: number;
}

interface Receiver {
  key: string;
  socket: dgram.Socket;
  multihop: boolean;
  local: string | undefined;
  users: number;
}

function addressKey(multihop: boolean, local: string | undefined, peer: string): string {
  return `${multihop ? 'm' : 's'}|${local ?? '*'}|${peer}`;
}

/**
 * dgram resolves the destination of every send through `lookup`; the default defers even an IP
 * literal to the next tick. Every address here is a validated literal, so it is answered at once.
 */
const families = new Map<string, number>();
function literalLookup(
  address: string,
  _family: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  // isIP is a regular expression per packet; the few peer addresses are remembered instead.
  let family = families.get(address);
  if (family === undefined) {
    family = isIP(address);
    if (family !== 0 && families.size < 65_536) families.set(address, family);
  }
  if (family === 0) {
    const err: NodeJS.ErrnoException = new Error(`not an IP address: ${address}`);
    err.code = 'ENOTFOUND';
    callback(err, address, 0);
    return;
  }
  callback(null, address, family);
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export class BfdManager extends EventEmitter<BfdManagerEvents> {
  private readonly singleHopPort: number;
  private readonly multihopPort: number;
  private readonly now: () => number;
  private readonly random: () => number;
  /** @internal the shared timers (their wake-up count shows in the benchmark). */
  readonly timers: TimerWheel;
  private readonly byDiscriminator = new Map<number, BfdPeer>();
  private readonly byAddress = new Map<string, BfdPeer>();
  private readonly senders = new Map<string, Promise<Sender>>();
  private readonly receivers = new Map<string, Promise<Receiver>>();
  private pendingSends = 0;
  /** Set while AdminDown packets are sent before sockets close: their sends are tracked. */
  private flushing = false;
  private drained: (() => void) | undefined;
  private closed = false;
  /** Packets dropped before reaching a session, by reason code. */
  readonly discards = new Map<string, number>();

  constructor(options: BfdManagerOptions = {}) {
    super();
    this.singleHopPort = options.singleHopPort ?? BFD_SINGLE_HOP_PORT;
    this.multihopPort = options.multihopPort ?? BFD_MULTIHOP_PORT;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.timers = new TimerWheel(this.now);
  }

  /** Every session, in the order they were added. */
  get peers(): BfdPeer[] {
    return [...this.byAddress.values()];
  }

  /** The session for a peer address (and local address, multihop), if any. */
  find(peer: string, options: { local?: string; multihop?: boolean } = {}): BfdPeer | undefined {
    const p = normalizeAddress(peer);
    const l = options.local === undefined ? undefined : normalizeAddress(options.local);
    if (p === undefined) return undefined;
    return this.byAddress.get(addressKey(options.multihop ?? false, l, p));
  }

  /**
   * Starts a session. Throws a BfdConfigError for bad options or a duplicate session, and the
   * socket error when a port cannot be bound (EADDRINUSE, EADDRNOTAVAIL for a local address that
   * is not ours, EACCES).
   */
  async addSession(options: BfdPeerOptions): Promise<BfdPeer> {
    if (this.closed) throw new BfdConfigError('the BFD manager is closed');
    const resolved = resolvePeerOptions(options);
    const key = addressKey(resolved.multihop, resolved.local, resolved.peer);
    if (this.byAddress.has(key))
      throw new BfdConfigError(
        `a ${resolved.multihop ? 'multihop' : 'single-hop'} session to ${resolved.peer}${resolved.local ? ` from ${resolved.local}` : ''} exists`,
      );
    let discriminator = 0;
    while (discriminator === 0 || this.byDiscriminator.has(discriminator))
      discriminator = randomInt(1, 2 ** 32 - 1);
    const peer: BfdPeer = new BfdPeer(
      resolved,
      new BfdSession(discriminator, resolved.timers, resolved.passive, {
        send: (bytes) => this.send(peer, bytes),
        now: this.now,
        random: this.random,
        onStateChange: (_s, change) => this.report(peer, change),
        timers: this.timers,
      }),
    );
    // Registered before the awaits, so a concurrent duplicate fails and the session is findable.
    this.byAddress.set(key, peer);
    this.byDiscriminator.set(discriminator, peer);
    try {
      peer.receiver = await this.useReceiver(resolved);
      peer.sender = await this.useSender(resolved);
    } catch (err) {
      this.forget(peer);
      throw err;
    }
    if (this.byAddress.get(key) !== peer)
      throw new BfdConfigError(`session to ${resolved.peer} was removed while starting`);
    peer.session.adminUp();
    return peer;
  }

  /**
   * Changes a running session's timers. While Up this runs a Poll Sequence (RFC 5880 §6.5): the
   * new values go out with P, and a slower transmit rate or a faster receive rate takes effect
   * once the peer's Final arrives. Throws a BfdConfigError for bad values.
   */
  setTimers(peer: BfdPeer, timers: { minTxMs?: number; minRxMs?: number; multiplier?: number }): void {
    const resolved = resolvePeerOptions({
      peer: peer.peer,
      minTxMs: timers.minTxMs ?? peer.options.timers.desiredMinTxUs / 1000,
      minRxMs: timers.minRxMs ?? peer.options.timers.requiredMinRxUs / 1000,
      multiplier: timers.multiplier ?? peer.options.timers.detectMultiplier,
    });
    peer.options.timers = resolved.timers;
    peer.session.setTimers(resolved.timers);
  }

  /** Sends AdminDown to the peer (so it goes Down at once), stops the session and frees its sockets. */
  async removeSession(peer: BfdPeer): Promise<void> {
    if (this.byAddress.get(addressKey(peer.multihop, peer.local, peer.peer)) !== peer) return;
    this.flushing = true;
    peer.session.adminDown();
    this.flushing = false;
    this.forget(peer);
    await this.flush();
    this.release(peer);
  }

  /** Removes every session (each sends AdminDown) and closes the sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = this.peers;
    this.flushing = true;
    for (const p of peers) {
      p.session.adminDown();
      this.forget(p);
    }
    this.flushing = false;
    await this.flush();
    for (const p of peers) this.release(p);
  }

  private forget(peer: BfdPeer): void {
    peer.session.close();
    this.byAddress.delete(addressKey(peer.multihop, peer.local, peer.peer));
    this.byDiscriminator.delete(peer.session.localDiscriminator);
  }

  private release(peer: BfdPeer): void {
    const { sender, receiver } = peer;
    peer.sender = undefined;
    peer.receiver = undefined;
    if (sender && --sender.users === 0) {
      this.senders.delete(sender.key);
      sender.socket.close();
    }
    if (receiver && --receiver.users === 0) {
      this.receivers.delete(receiver.key);
      receiver.socket.close();
    }
  }

  private flush(): Promise<void> {
    if (this.pendingSends === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
    });
  }

  private report(peer: BfdPeer, change: BfdStateChange): void {
    this.emit('state', peer, change);
    if (change.to === 'Up') this.emit('up', peer, change);
    else if (change.from === 'Up') this.emit('down', peer, change);
  }

  private send(peer: BfdPeer, bytes: Uint8Array): void {
    const sender = peer.sender;
    if (!sender) return;
    const port = peer.options.port ?? (peer.multihop ? BFD_MULTIHOP_PORT : BFD_SINGLE_HOP_PORT);
    // Periodic packets go without a completion callback: libuv then sends synchronously when it
    // can, with no completion round trip. Only the last packets before a socket closes are tracked.
    if (!this.flushing) {
      sender.socket.send(bytes, port, peer.peer);
      return;
    }
    this.pendingSends++;
    sender.socket.send(bytes, port, peer.peer, (err) => {
      if (err) this.emit('error', new Error(`BFD send to ${peer.peer}:${port} failed: ${err.message}`));
      if (--this.pendingSends === 0 && this.drained) {
        const done = this.drained;
        this.drained = undefined;
        done();
      }
    });
  }

  private useSender(p: ResolvedBfdPeer): Promise<Sender> {
    const key = `${p.family}|${p.local ?? '*'}`;
    let pending = this.senders.get(key);
    if (!pending) {
      pending = this.openSender(key, p);
      this.senders.set(key, pending);
      pending.catch(() => this.senders.delete(key));
    }
    return pending.then((s) => {
      s.users++;
      return s;
    });
  }

  private async openSender(key: string, p: ResolvedBfdPeer): Promise<Sender> {
    const address = p.local ?? (p.family === 4 ? '0.0.0.0' : '::');
    let lastError: Error | undefined;
    // RFC 5881 §4: the source port is in 49152-65535; try random ones until one is free.
    for (let attempt = 0; attempt < 64; attempt++) {
      const socket = dgram.createSocket({
        type: p.family === 4 ? 'udp4' : 'udp6',
        ipv6Only: p.family === 6,
        lookup: literalLookup,
      });
      const port = randomInt(SOURCE_PORT_MIN, SOURCE_PORT_MAX + 1);
      try {
        await bind(socket, port, address);
      } catch (err) {
        socket.close();
        lastError = err as Error;
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw new Error(`cannot bind the BFD source socket on ${address}: ${lastError.message}`);
      }
      // RFC 5881 §5 / RFC 5883: every packet leaves with TTL (Hop Limit) 255.
      socket.setTTL(255);
      socket.on('error', (err) => this.emit('error', err));
      socket.unref();
      return { key, socket, port, users: 0 };
    }
    throw new Error(
      `no free BFD source port in ${SOURCE_PORT_MIN}-${SOURCE_PORT_MAX} on ${address}: ${lastError?.message}`,
    );
  }

  private useReceiver(p: ResolvedBfdPeer): Promise<Receiver> {
    const port = p.multihop ? this.multihopPort : this.singleHopPort;
    const key = `${p.family}|${p.local ?? '*'}|${port}`;
    let pending = this.receivers.get(key);
    if (!pending) {
      pending = this.openReceiver(key, p, port);
      this.receivers.set(key, pending);
      pending.catch(() => this.receivers.delete(key));
    }
    return pending.then((r) => {
      r.users++;
      return r;
    });
  }

  private async openReceiver(key: string, p: ResolvedBfdPeer, port: number): Promise<Receiver> {
    const address = p.local ?? (p.family === 4 ? '0.0.0.0' : '::');
    const socket = dgram.createSocket({
      type: p.family === 4 ? 'udp4' : 'udp6',
      ipv6Only: p.family === 6,
      reuseAddr: true,
    });
    const receiver: Receiver = { key, socket, multihop: p.multihop, local: p.local, users: 0 };
    try {
      await bind(socket, port, address);
    } catch (err) {
      socket.close();
      throw new Error(`cannot listen for BFD on ${address} port ${port}: ${(err as Error).message}`);
    }
    socket.on('message', (msg, rinfo) => this.onPacket(receiver, msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => this.emit('error', err));
    socket.unref();
    return receiver;
  }

  private discard(code: string, message: string, from: string, port: number): void {
    this.discards.set(code, (this.discards.get(code) ?? 0) + 1);
    if (this.listenerCount('discard') > 0) this.emit('discard', { code, message, from, port });
  }

  private onPacket(receiver: Receiver, msg: Uint8Array, fromRaw: string, fromPort: number): void {
    const decoded = decode(msg);
    if (!decoded.ok) {
      this.discard(decoded.error.code, decoded.error.message, fromRaw, fromPort);
      return;
    }
    const selected = selectSession(
      decoded.packet,
      (d) => this.byDiscriminator.get(d),
      () =>
        this.byAddress.get(
          addressKey(receiver.multihop, receiver.local, normalizeAddress(fromRaw) ?? fromRaw),
        ),
    );
    if (!selected.ok) {
      this.discard(selected.error.code, selected.error.message, fromRaw, fromPort);
      return;
    }
    const peer = selected.session;
    // The kernel's text for the source is normally ours already; parsing it per packet was a
    // tenth of the idle cost, so it is normalized only when it differs.
    const from = fromRaw === peer.peer ? fromRaw : (normalizeAddress(fromRaw) ?? fromRaw);
    if (peer.receiver !== receiver) {
      this.discard(
        'wrong-socket',
        `packet for the session to ${peer.peer} arrived on the ${receiver.multihop ? 'multihop' : 'single-hop'} port or another local address`,
        from,
        fromPort,
      );
      return;
    }
    if (peer.peer !== from) {
      this.discard(
        'source-mismatch',
        `discriminator of the session to ${peer.peer} used by ${from}`,
        from,
        fromPort,
      );
      return;
    }
    peer.session.receive(decoded.packet);
  }
}
