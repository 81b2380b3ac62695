/**
 * One BGP peer: drives the pure FSM with a transport connection, timers and the codec, keeps
 * the peer's Adj-RIB-Out, and accounts what the peer sends. Created by `BgpSpeaker`.
 */
import {
  BgpWireError,
  DEFAULT_SESSION_OPTIONS,
  decodeMessage,
  decodeShutdownCommunication,
  decodeUpdateBulk,
  describeNotification,
  encodeKeepalive,
  encodeMessage,
  encodeShutdownCommunication,
  endOfRib,
  formatAttributes,
  formatPrefixView,
  isEndOfRib,
  MessageFramer,
  type OpenMessage,
  parseIpv4,
  type SessionOptions,
} from '@bgplb/bgp-wire';
import { AdjRibIn } from './adj-rib-in.js';
import { AdjRibOut, type RibChange } from './adj-rib-out.js';
import { type Clock, jitter } from './clock.js';
import {
  type NegotiatedSummary,
  type PeerCounters,
  type PeerErrorClass,
  type PeerStatus,
  type SpeakerEvent,
  summarizeNegotiated,
} from './events.js';
import {
  type FsmAction,
  type FsmContext,
  type FsmEvent,
  type FsmNotification,
  type FsmTimer,
  initialFsmContext,
  transition,
} from './fsm.js';
import {
  buildLocalOpen,
  type Family,
  type NegotiatedSession,
  negotiate,
  type OpenRejection,
} from './negotiate.js';
import { ipv4PrefixPaths, NextHopRewriter } from './next-hop-family.js';
import { hashPathSelector, type PathSelector, type PathSpec } from './paths.js';
import { PrefixSet } from './prefix-set.js';
import { joinAdjacent, packChanges } from './rib-updates.js';
import type { FsmState } from './state.js';
import type { Connection, PendingConnect, Transport } from './transport.js';

/** A peer's configuration, with defaults applied (see `PeerOptions` for the documented form). */
export interface PeerConfig {
  id: string;
  localAddress: string;
  localAsn: number;
  peerAddress: string;
  peerAsn: number;
  peerPort: number;
  routerId: string;
  holdTime: number;
  keepaliveTime: number | undefined;
  connectRetryTime: number;
  openSentHoldTime: number;
  delayOpenTime: number;
  idleHoldTime: number;
  idleHoldMaxTime: number;
  passive: boolean;
  addPath: boolean;
  families: Family[];
  extendedMessage: boolean;
  /** RFC 8950: our IPv6 next hop for IPv4 prefixes, when offered. */
  extendedNextHop: string | undefined;
  gracefulRestart: { restartTime: number; restarting: boolean } | undefined;
  maxPrefixes: number | undefined;
  adjRibIn: boolean;
  enforceFirstAs: boolean;
  pathSelector: PathSelector;
}

/** What a session needs from its speaker. */
export interface SessionHost {
  clock: Clock;
  transport: Transport;
  random: () => number;
  batchWindowMs: number;
  /** Octets queued on a socket above which route generation pauses until it drains. */
  highWaterMark: number;
  emit(event: SpeakerEvent): void;
  /** True when someone listens to events (update events are only built then). */
  hasListeners(): boolean;
  /** Whether `update-received` / `update-sent` events are built (they cost a string per prefix). */
  updateEvents: { received: boolean; sent: boolean; receivedPrefixes: number };
  /** The desired paths of a prefix for a peer. */
  pathsFor(prefix: string, peerId: string): readonly PathSpec[];
  /** Every prefix with paths for a peer. */
  prefixesFor(peerId: string): Iterable<string>;
}

const TYPE_NAMES = ['', 'open', 'update', 'notification', 'keepalive', 'route-refresh'];
/**
 * Paths (announced or withdrawn) per packing round. Small enough that the first UPDATEs leave
 * while later ones are built (the peer works in parallel) and that memory stays bounded between
 * back-pressure checks; large enough that UPDATEs stay full.
 */
const FLUSH_SLICE_PATHS = 8192;
const ROUTE_REFRESH = { BORR: 1, EORR: 2 };
/**
 * Received octets decoded per event-loop turn (a quarter of one socket read: about 4k IPv4 /24
 * prefixes, 5-10 ms with the speaker's per-prefix work; 64 KiB measured 25-35 ms stalls under a 200k ingest).
 * libuv reads up to 32 x 64 KiB from a socket in one turn: unbounded, a full table arriving
 * at once would be decoded in one go and hold back every timer (keepalives, and BFD) for all of it.
 */
const INPUT_SLICE_OCTETS = 16 * 1024;
/** Undecoded input above which the socket stops reading until decoding catches up (back-pressure). */
const INPUT_PAUSE_OCTETS = 1024 * 1024;

function emptyCounters(): PeerCounters {
  return {
    messagesIn: {},
    messagesOut: {},
    prefixesAnnounced: 0,
    pathsAnnounced: 0,
    prefixesReceived: 0,
    prefixesReceivedByFamily: {},
    prefixesIgnored: 0,
    peerErrors: {},
    flaps: 0,
  };
}

/** A second connection from the peer while ours is in OpenSent/OpenConfirm (RFC 4271 §6.8). */
interface Candidate {
  conn: Connection;
  framer: MessageFramer;
  timer: unknown;
  /** Opened by us. */
  outbound: boolean;
}

export class PeerSession {
  ctx: FsmContext;
  private conn: Connection | undefined;
  /** True when the current connection was opened by us. */
  private outbound = false;
  private pendingConnect: PendingConnect | undefined;
  private framer = new MessageFramer();
  private candidate: Candidate | undefined;
  private readonly timers = new Map<FsmTimer, unknown>();
  private negotiated: NegotiatedSession | undefined;
  private options: SessionOptions = DEFAULT_SESSION_OPTIONS;
  private localOpen: OpenMessage | undefined;
  readonly rib = new AdjRibOut();
  private ribIn: AdjRibIn | undefined;
  /** Received prefixes for exact counting when the Adj-RIB-In is off. */
  private received = new PrefixSet();
  private readonly dirty = new Set<string>();
  private readonly force = new Set<string>();
  private flushTimer: unknown;
  private paused = false;
  private eorPending = false;
  /** RFC 8950: our IPv6 next hop for IPv4 prefixes, when configured. */
  private readonly ownNextHop: NextHopRewriter | undefined;
  private eorrPending: string[] = [];
  private restarting: boolean;
  private counters = emptyCounters();
  private establishedAt: number | undefined;
  private lastStateChange: number;
  private lastTransition: { from: FsmState; to: FsmState; reason: string; at: number } | undefined;
  private lastError: PeerStatus['lastError'];
  private pendingMessage: Uint8Array | undefined;
  private closeWaiters: (() => void)[] = [];

  constructor(
    readonly config: PeerConfig,
    private readonly host: SessionHost,
  ) {
    this.ctx = initialFsmContext({
      connectRetryTime: config.connectRetryTime,
      openSentHoldTime: config.openSentHoldTime,
      delayOpenTime: config.delayOpenTime,
      idleHoldTime: config.idleHoldTime,
      idleHoldMaxTime: Math.max(config.idleHoldTime, config.idleHoldMaxTime),
    });
    this.restarting = config.gracefulRestart?.restarting ?? false;
    this.ownNextHop =
      config.extendedNextHop === undefined ? undefined : new NextHopRewriter(config.extendedNextHop);
    this.lastStateChange = host.clock.now();
  }

  get id(): string {
    return this.config.id;
  }

  get state(): FsmState {
    return this.ctx.state;
  }

  /** ManualStart (or passive start). */
  start(): void {
    this.fire({ type: 'ManualStart', passive: this.config.passive });
  }

  /**
   * Withdraws everything sent, sends Cease (Administrative Shutdown with an RFC 8203 message by
   * default) and closes; resolves once the connection is closed. With `graceful`, the connection
   * is closed without withdrawals or NOTIFICATION, so a peer in graceful-restart helper mode keeps
   * our routes while we restart.
   */
  stop(opts: { message?: string | undefined; subcode?: number; graceful?: boolean } = {}): Promise<void> {
    const closed =
      this.conn === undefined && this.closingConns.size === 0
        ? Promise.resolve()
        : new Promise<void>((r) => this.closeWaiters.push(r));
    if (opts.graceful === true) {
      const conn = this.conn;
      if (conn !== undefined) {
        this.closingConns.add(conn);
        this.detach();
        conn.destroy();
      }
      this.fireStop(undefined);
      return closed;
    }
    if (this.ctx.state === 'Established') this.withdrawAll();
    this.fireStop({ code: 6, subcode: opts.subcode ?? 2, data: shutdownData(opts.message) });
    return closed;
  }

  /**
   * RFC 5882: BFD declared the path to the peer Down. The session ends at once with Cease/BFD
   * Down (RFC 9384). With `hold` (strict BFD) it then stays Idle until `start()`; otherwise the
   * automatic restart follows, as after any error (IdleHold back-off).
   */
  bfdDown(hold: boolean): void {
    if (this.ctx.state !== 'Idle')
      this.fire({ type: 'AutomaticStop', notification: { code: 6, subcode: 10 }, reason: 'bfd-down' });
    if (hold) this.fireStop(undefined);
  }

  private fireStop(notification: FsmNotification | undefined): void {
    this.fire(notification === undefined ? { type: 'ManualStop' } : { type: 'ManualStop', notification });
    this.clearAllTimers();
    this.candidate?.conn.destroy();
    this.candidate = undefined;
  }

  /** The prefix's paths (or the set of peers it applies to) changed: diff it at the next flush. */
  markDirty(prefix: string): void {
    this.dirty.add(prefix);
    this.scheduleFlush();
  }

  status(): PeerStatus {
    const now = this.host.clock.now();
    const s: PeerStatus = {
      id: this.id,
      state: this.ctx.state,
      uptime: this.establishedAt === undefined ? 0 : Math.floor((now - this.establishedAt) / 1000),
      counters: {
        ...this.counters,
        messagesIn: { ...this.counters.messagesIn },
        messagesOut: { ...this.counters.messagesOut },
        prefixesReceivedByFamily: { ...this.counters.prefixesReceivedByFamily },
        peerErrors: { ...this.counters.peerErrors },
        prefixesAnnounced: this.rib.prefixCount,
        pathsAnnounced: this.rib.paths,
      },
      lastStateChange: new Date(this.lastStateChange),
      advertisedPrefixes: [...this.rib.prefixes()],
    };
    if (this.establishedAt !== undefined) s.establishedSince = new Date(this.establishedAt);
    if (this.negotiated !== undefined)
      s.negotiated = summarizeNegotiated(this.negotiated) as NegotiatedSummary;
    if (this.lastError !== undefined) s.lastError = { ...this.lastError };
    if (this.lastTransition !== undefined)
      s.lastTransition = { ...this.lastTransition, at: new Date(this.lastTransition.at) };
    return s;
  }

  /** The received-routes store, when `adjRibIn` is on. */
  get adjRibIn(): AdjRibIn | undefined {
    return this.ribIn;
  }

  // -------------------------------------------------------------------------------------------
  // FSM plumbing
  // -------------------------------------------------------------------------------------------

  private fire(event: FsmEvent): void {
    const from = this.ctx.state;
    const result = transition(this.ctx, event);
    this.ctx = result.context;
    const to = result.context.state;
    if (from !== to) {
      this.lastStateChange = this.host.clock.now();
      this.lastTransition = { from, to, reason: result.reason, at: this.lastStateChange };
      if (from === 'Established') {
        this.counters.flaps++;
        this.establishedAt = undefined;
      }
      this.host.emit({ type: 'state', peer: this.id, from, to, reason: result.reason });
    }
    for (const action of result.actions) this.execute(action);
  }

  private execute(action: FsmAction): void {
    switch (action.type) {
      case 'connect':
        this.connect();
        break;
      case 'disconnect':
        this.disconnect();
        break;
      case 'send-open':
        this.localOpen = buildLocalOpen({
          asn: this.config.localAsn,
          routerId: this.config.routerId,
          holdTime: this.config.holdTime,
          families: this.config.families,
          addPath: this.config.addPath,
          extendedMessage: this.config.extendedMessage,
          extendedNextHop: this.config.extendedNextHop !== undefined,
          gracefulRestart:
            this.config.gracefulRestart === undefined
              ? undefined
              : { restartTime: this.config.gracefulRestart.restartTime, restarting: this.restarting },
        });
        this.send(encodeMessage(this.localOpen), 'open');
        break;
      case 'send-keepalive':
        this.send(encodeKeepalive(), 'keepalive');
        if (this.host.hasListeners()) this.host.emit({ type: 'keepalive-sent', peer: this.id });
        break;
      case 'send-notification':
        this.sendNotification(this.conn, action.notification);
        break;
      case 'start-timer':
        this.startTimer(action.timer, action.seconds);
        break;
      case 'stop-timer':
        this.stopTimer(action.timer);
        break;
      case 'release':
        this.release();
        break;
      case 'established':
        this.onEstablished();
        break;
      case 'process-update':
        if (this.pendingMessage !== undefined) this.processUpdate(this.pendingMessage);
        break;
      case 'process-route-refresh':
        if (this.pendingMessage !== undefined) this.processRouteRefresh(this.pendingMessage);
        break;
    }
  }

  private startTimer(timer: FsmTimer, seconds: number): void {
    this.stopTimer(timer);
    const jittered =
      timer === 'connectRetry' || timer === 'idleHold' ? jitter(seconds, this.host.random) : seconds;
    const handle = this.host.clock.setTimeout(
      () => {
        if (this.timers.get(timer) !== handle) return;
        this.timers.delete(timer);
        this.onTimer(timer);
      },
      Math.round(jittered * 1000),
    );
    this.timers.set(timer, handle);
  }

  private stopTimer(timer: FsmTimer): void {
    const handle = this.timers.get(timer);
    if (handle === undefined) return;
    this.host.clock.clearTimeout(handle);
    this.timers.delete(timer);
  }

  private clearAllTimers(): void {
    for (const t of [...this.timers.keys()]) this.stopTimer(t);
    if (this.flushTimer !== undefined) this.host.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private onTimer(timer: FsmTimer): void {
    switch (timer) {
      case 'connectRetry':
        if (this.pendingConnect !== undefined) {
          const error = Object.assign(new Error(`connect to ${this.target()} timed out`), {
            code: 'ETIMEDOUT',
          });
          this.host.emit({ type: 'error', peer: this.id, error, source: 'connection' });
        }
        this.fire({ type: 'ConnectRetryTimerExpires' });
        break;
      case 'hold':
        this.fire({ type: 'HoldTimerExpires' });
        break;
      case 'keepalive':
        this.fire({ type: 'KeepaliveTimerExpires' });
        break;
      case 'delayOpen':
        this.fire({ type: 'DelayOpenTimerExpires' });
        break;
      case 'idleHold':
        this.fire({ type: 'IdleHoldTimerExpires' });
        break;
      case 'stable':
        this.fire({ type: 'StableTimerExpires' });
        break;
    }
  }

  private target(): string {
    return `${this.config.peerAddress}:${this.config.peerPort}`;
  }

  // -------------------------------------------------------------------------------------------
  // Connections
  // -------------------------------------------------------------------------------------------

  private connect(): void {
    this.pendingConnect?.cancel();
    const pending = this.host.transport.connect(
      { localAddress: this.config.localAddress, host: this.config.peerAddress, port: this.config.peerPort },
      (result) => {
        if (this.pendingConnect !== pending) {
          if ('connection' in result) result.connection.destroy();
          return;
        }
        this.pendingConnect = undefined;
        if ('error' in result) {
          // Irrelevant once the peer's own connection is in use.
          if (this.conn !== undefined) return;
          this.host.emit({ type: 'error', peer: this.id, error: result.error, source: 'connection' });
          this.fire({ type: 'TcpConnectionFails', reason: 'connect-failed' });
          return;
        }
        if (this.conn !== undefined) {
          // The peer connected to us meanwhile: both connections run until the OPENs tell
          // which one to keep (RFC 4271 §6.8).
          const state = this.ctx.state;
          if (
            (state === 'OpenSent' || state === 'OpenConfirm') &&
            !this.outbound &&
            this.candidate === undefined
          ) {
            this.trackCandidate(result.connection, true);
          } else {
            result.connection.destroy();
          }
          return;
        }
        if (this.ctx.state !== 'Connect' && this.ctx.state !== 'Active') {
          result.connection.destroy();
          return;
        }
        this.attach(result.connection, true);
        this.fire({ type: 'TcpCrAcked' });
      },
    );
    this.pendingConnect = pending;
  }

  /** A connection accepted by the speaker's listener for this peer. */
  acceptIncoming(conn: Connection): void {
    const state = this.ctx.state;
    if (!this.ctx.enabled || state === 'Idle') {
      conn.destroy();
      return;
    }
    if ((state === 'Connect' || state === 'Active') && this.conn === undefined) {
      // Our own attempt (if any) keeps running: should it complete too, collision detection
      // decides between the two connections.
      this.attach(conn, false);
      this.fire({ type: 'TcpConnectionConfirmed' });
      return;
    }
    if ((state === 'OpenSent' || state === 'OpenConfirm') && this.candidate === undefined && this.outbound) {
      this.trackCandidate(conn, false);
      return;
    }
    if (state === 'Established' && this.negotiated?.gracefulRestart !== undefined) {
      // RFC 4724 §4.2: a new connection from a peer with graceful restart while the session is
      // Established means the peer restarted and the old connection is dead. Drop it and go on
      // with the new one instead of waiting for our hold timer.
      this.fire({ type: 'TcpConnectionFails', reason: 'peer-restarted' });
      this.stopTimer('idleHold');
      this.ctx = { ...this.ctx, idleHoldRunning: false };
      this.fire({ type: 'AutomaticStart', reason: 'peer-restarted' });
      this.acceptIncoming(conn);
      return;
    }
    // Established (RFC 4271 §6.8: the new connection is closed), or a second connection in the
    // same direction.
    this.sendNotification(conn, { code: 6, subcode: 7 });
    conn.end();
  }

  private attach(conn: Connection, outbound: boolean): void {
    this.conn = conn;
    this.outbound = outbound;
    this.framer = new MessageFramer();
    this.paused = false;
    conn.setHandlers({
      data: (chunk) => this.onData(conn, chunk),
      drain: () => {
        if (conn !== this.conn) return;
        this.paused = false;
        this.flush();
      },
      close: (error) => this.onClose(conn, error),
    });
  }

  private detach(): void {
    this.conn = undefined;
    this.paused = false;
  }

  private disconnect(): void {
    this.pendingConnect?.cancel();
    this.pendingConnect = undefined;
    const conn = this.conn;
    this.detach();
    if (conn !== undefined) {
      conn.end();
      // Resolve stop() waiters when it is really closed (onClose), not now.
      this.closingConns.add(conn);
    }
  }

  private readonly closingConns = new Set<Connection>();

  private onClose(conn: Connection, error: Error | undefined): void {
    if (this.closingConns.delete(conn) || conn !== this.conn) {
      if (this.conn === undefined && this.closingConns.size === 0) this.resolveCloseWaiters();
      return;
    }
    this.detach();
    if (error !== undefined) this.host.emit({ type: 'error', peer: this.id, error, source: 'connection' });
    if (this.candidate !== undefined && (this.ctx.state === 'OpenSent' || this.ctx.state === 'OpenConfirm')) {
      // The peer dropped this connection (its side of the collision): continue on the other.
      this.promoteCandidate();
      return;
    }
    this.fire({ type: 'TcpConnectionFails' });
    if (this.conn === undefined && this.closingConns.size === 0) this.resolveCloseWaiters();
  }

  private resolveCloseWaiters(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
  }

  private count(dir: 'messagesIn' | 'messagesOut', type: string): void {
    const c = this.counters[dir];
    c[type] = (c[type] ?? 0) + 1;
  }

  private send(bytes: Uint8Array, type: string, conn = this.conn): boolean {
    if (conn === undefined) return true;
    this.count('messagesOut', type);
    return conn.write(bytes);
  }

  /** Sends messages of one type in as few writes as their buffers allow; false when the socket pushes back. */
  private sendAll(messages: readonly Uint8Array[], type: string): boolean {
    const conn = this.conn;
    if (conn === undefined) return true;
    for (let i = 0; i < messages.length; i++) this.count('messagesOut', type);
    let ok = true;
    for (const chunk of joinAdjacent(messages)) ok = conn.write(chunk) && ok;
    return ok;
  }

  /**
   * Sends a NOTIFICATION. Only one on the session's own connection is the session's last error;
   * closing a redundant connection (collision) is routine and leaves `lastError` alone.
   */
  private sendNotification(conn: Connection | undefined, n: FsmNotification): void {
    if (conn === undefined) return;
    const isSession = conn === this.conn;
    const data = n.data ?? new Uint8Array(0);
    this.send(
      encodeMessage({ type: 'notification', code: n.code, subcode: n.subcode, data }),
      'notification',
      conn,
    );
    const text = notificationText(n.code, n.subcode, data);
    if (isSession)
      this.lastError = {
        code: n.code,
        subcode: n.subcode,
        text,
        direction: 'sent',
        at: new Date(this.host.clock.now()),
      };
    this.host.emit({ type: 'notification-sent', peer: this.id, code: n.code, subcode: n.subcode, text });
  }

  // -------------------------------------------------------------------------------------------
  // Receiving
  // -------------------------------------------------------------------------------------------

  /** The connection whose input waits for the next event-loop turn (see INPUT_SLICE_OCTETS). */
  private inputPendingFor: Connection | undefined;
  /** Octets decoded in this event-loop turn; reset by an immediate when the turn ends. */
  private turnOctets = 0;
  private turnResetScheduled = false;

  private onData(conn: Connection, chunk: Uint8Array): void {
    if (conn !== this.conn) return;
    this.framer.push(chunk);
    if (this.inputPendingFor === conn) {
      // Decoding is behind: keep the bytes, and stop reading when too many wait.
      if (this.framer.bufferedLength > INPUT_PAUSE_OCTETS) conn.pause?.();
      return;
    }
    this.decodeInput(conn);
  }

  /**
   * Decodes buffered messages, at most INPUT_SLICE_OCTETS per event-loop turn (libuv may deliver
   * many reads in one turn); the rest waits for the next turn, after the timers have run.
   */
  private decodeInput(conn: Connection): void {
    for (;;) {
      if (conn !== this.conn) return;
      if (this.turnOctets >= INPUT_SLICE_OCTETS) {
        if (this.framer.bufferedLength === 0) return;
        this.inputPendingFor = conn;
        if (this.framer.bufferedLength > INPUT_PAUSE_OCTETS) conn.pause?.();
        setImmediate(() => {
          if (this.inputPendingFor === conn) this.inputPendingFor = undefined;
          if (conn !== this.conn) return;
          conn.resume?.();
          this.decodeInput(conn);
        });
        return;
      }
      const frame = this.framer.next();
      if (frame === undefined) return;
      if (!frame.ok) {
        this.reportError(frame.error, 'message-header');
        this.fire({ type: 'BgpHeaderErr', notification: frame.error.notification });
        return;
      }
      this.turnOctets += frame.bytes.length;
      if (!this.turnResetScheduled) {
        this.turnResetScheduled = true;
        // Runs before a continuation scheduled later in this turn (immediates run in order).
        setImmediate(() => {
          this.turnOctets = 0;
          this.turnResetScheduled = false;
        });
      }
      this.count('messagesIn', TYPE_NAMES[frame.type] ?? String(frame.type));
      this.onMessage(frame.type, frame.bytes);
    }
  }

  /** A protocol error the peer caused: counted by class and reported (no stack needed in logs). */
  private reportError(error: Error, cls: PeerErrorClass): void {
    if (error instanceof BgpWireError && error.internal) {
      // A codec bug, not the peer's doing: reported with its stack.
      this.host.emit({ type: 'error', peer: this.id, error, source: 'local' });
      return;
    }
    const errors = this.counters.peerErrors;
    errors[cls] = (errors[cls] ?? 0) + 1;
    this.host.emit({ type: 'error', peer: this.id, error, source: 'peer', class: cls });
  }

  private onMessage(type: number, bytes: Uint8Array): void {
    switch (type) {
      case 1:
        this.onOpen(bytes);
        return;
      case 2:
        this.pendingMessage = bytes;
        this.fire({ type: 'UpdateMsg' });
        this.pendingMessage = undefined;
        return;
      case 3:
        this.onNotification(bytes);
        return;
      case 4:
        if (this.host.hasListeners()) this.host.emit({ type: 'keepalive-received', peer: this.id });
        this.fire({ type: 'KeepAliveMsg' });
        return;
      default: {
        const decoded = decodeMessage(bytes, this.options);
        if (!decoded.ok) {
          this.reportError(decoded.error, 'route-refresh');
          this.fire({
            type: 'UpdateMsgErr',
            notification: decoded.error.notification,
            reason: 'route-refresh-error',
          });
          return;
        }
        this.pendingMessage = bytes;
        this.fire({ type: 'RouteRefreshMsg' });
        this.pendingMessage = undefined;
      }
    }
  }

  private decodeOpen(bytes: Uint8Array): OpenMessage | { error: BgpWireError } {
    const decoded = decodeMessage(bytes, DEFAULT_SESSION_OPTIONS);
    if (!decoded.ok) return { error: decoded.error };
    return decoded.message as OpenMessage;
  }

  private checkOpen(open: OpenMessage): NegotiatedSession | OpenRejection {
    const local =
      this.localOpen ??
      buildLocalOpen({
        asn: this.config.localAsn,
        routerId: this.config.routerId,
        holdTime: this.config.holdTime,
        families: this.config.families,
        addPath: this.config.addPath,
        extendedMessage: this.config.extendedMessage,
        extendedNextHop: this.config.extendedNextHop !== undefined,
      });
    return negotiate(local, open, {
      peerAsn: this.config.peerAsn,
      localAsn: this.config.localAsn,
      localRouterId: this.config.routerId,
      keepaliveTime: this.config.keepaliveTime,
      enforceFirstAs: this.config.enforceFirstAs,
    });
  }

  private onOpen(bytes: Uint8Array): void {
    const decoded = this.decodeOpen(bytes);
    if ('error' in decoded) {
      const type = decoded.error.notification.code === 1 ? 'BgpHeaderErr' : 'BgpOpenMsgErr';
      this.reportError(decoded.error, type === 'BgpHeaderErr' ? 'message-header' : 'open');
      this.fire({ type, notification: decoded.error.notification });
      return;
    }
    const state = this.ctx.state;
    if (state !== 'OpenSent' && !this.ctx.delayOpenRunning) {
      // An OPEN in OpenConfirm or Established: the FSM answers with an FSM error.
      this.fire({ type: 'BgpOpen', holdTime: 0, keepaliveTime: 0 });
      return;
    }
    const result = this.checkOpen(decoded);
    if ('message' in result) {
      this.reportError(new Error(`OPEN refused: ${result.message}`), 'open');
      this.fire({ type: 'BgpOpenMsgErr', notification: result });
      return;
    }
    this.acceptOpen(result);
  }

  private acceptOpen(n: NegotiatedSession): void {
    this.negotiated = n;
    this.options = n.sessionOptions;
    this.framer.setExtendedMessage(n.extendedMessage);
    if (this.config.adjRibIn) this.ribIn = new AdjRibIn();
    this.host.emit({ type: 'open-negotiated', peer: this.id, negotiated: summarizeNegotiated(n) });
    this.fire({ type: 'BgpOpen', holdTime: n.holdTime, keepaliveTime: n.keepaliveTime });
    if (this.ctx.state === 'OpenConfirm' && this.candidate !== undefined) this.maybeResolveCollision();
  }

  private onNotification(bytes: Uint8Array): void {
    const decoded = decodeMessage(bytes, this.options);
    let code = 0;
    let subcode = 0;
    let data: Uint8Array = new Uint8Array(0);
    if (decoded.ok && decoded.message.type === 'notification') {
      ({ code, subcode, data } = decoded.message);
    } else if (bytes.length >= 21) {
      code = bytes[19]!;
      subcode = bytes[20]!;
    }
    const text = notificationText(code, subcode, data);
    this.host.emit({ type: 'notification-received', peer: this.id, code, subcode, text });
    const state = this.ctx.state;
    if (this.candidate !== undefined && (state === 'OpenSent' || state === 'OpenConfirm')) {
      // The peer closed this connection of a collision (Cease/7): the other one carries on.
      const old = this.conn;
      if (old !== undefined) {
        this.closingConns.add(old);
        this.detach();
        old.destroy();
      }
      this.promoteCandidate();
      return;
    }
    this.lastError = { code, subcode, text, direction: 'received', at: new Date(this.host.clock.now()) };
    this.fire({ type: code === 2 && subcode === 1 ? 'NotifMsgVerErr' : 'NotifMsg' });
  }

  private processUpdate(bytes: Uint8Array): void {
    const wantEvent = this.host.updateEvents.received && this.host.hasListeners();
    const listLimit = this.host.updateEvents.receivedPrefixes;
    const nlri: string[] = [];
    const withdrawn: string[] = [];
    let nlriTotal = 0;
    let withdrawnTotal = 0;
    const pathIds: number[] = [];
    let delta4 = 0;
    let delta6 = 0;
    const ribIn = this.ribIn;
    const seen = this.received;
    // RFC 4760: prefixes of a family that was not negotiated are ignored (only unicast is).
    const families = this.negotiated?.families ?? [];
    const accept4 = families.includes('1/1');
    const accept6 = families.includes('2/1');
    let ignored = 0;
    let ignoredFamily = '';
    ribIn?.beginUpdate(bytes);
    const result = decodeUpdateBulk(bytes, this.options, (v) => {
      if (v.safi !== 1 || !(v.afi === 1 ? accept4 : accept6)) {
        ignored++;
        ignoredFamily = `${v.afi}/${v.safi}`;
        return;
      }
      // Counted only when the set of received prefixes really changes.
      const changed =
        ribIn !== undefined
          ? v.withdrawn
            ? ribIn.withdraw(v)
            : ribIn.announce(v)
          : v.withdrawn
            ? seen.delete(v)
            : seen.add(v);
      if (changed) {
        if (v.afi === 1) delta4 += v.withdrawn ? -1 : 1;
        else delta6 += v.withdrawn ? -1 : 1;
      }
      if (wantEvent) {
        // Past the listing limit a prefix is only counted: no string per prefix of a table.
        if (v.withdrawn) {
          if (withdrawnTotal++ < listLimit) withdrawn.push(formatPrefixView(v));
          else return;
        } else if (nlriTotal++ < listLimit) nlri.push(formatPrefixView(v));
        else return;
        if (v.pathId >= 0) pathIds.push(v.pathId);
      }
    });
    ribIn?.commitAttributes(result.ok ? result.attributes : []);
    this.applyReceived('1/1', delta4);
    this.applyReceived('2/1', delta6);
    if (ignored > 0) this.countIgnored(ignoredFamily, ignored);
    if (!result.ok) {
      this.reportError(result.error, `update-${result.error.action}`);
      if (result.error.action === 'session-reset' || result.error.action === 'afi-safi-disable') {
        this.fire({ type: 'UpdateMsgErr', notification: result.error.notification });
        return;
      }
    } else if (result.warnings.length > 0) {
      // RFC 7606 attribute-discard: the UPDATE was used without the bad attributes.
      for (const w of result.warnings) this.reportError(w, 'update-attribute-discard');
    }
    // Bulk decoding leaves MP_UNREACH empty: with no prefixes at all, it is End-of-RIB or nothing.
    const eor =
      result.ok && result.announced === 0 && result.withdrawn === 0
        ? isEndOfRib({ type: 'update', withdrawn: [], nlri: [], attributes: result.attributes })
        : undefined;
    if (eor !== undefined) this.host.emit({ type: 'end-of-rib-received', peer: this.id, family: eor });
    // A treat-as-withdraw UPDATE is reported once, as the peer error above, not also as an
    // update: a peer sending malformed UPDATEs must not get a log line per UPDATE.
    if (wantEvent && result.ok && (nlri.length > 0 || withdrawn.length > 0)) {
      const e: SpeakerEvent = {
        type: 'update-received',
        peer: this.id,
        nlri,
        withdrawn,
        attributes: result.ok ? formatAttributes(result.attributes) : '',
      };
      if (pathIds.length > 0) e.pathIds = pathIds;
      if (nlriTotal > nlri.length || withdrawnTotal > withdrawn.length) {
        e.nlriTotal = nlriTotal;
        e.withdrawnTotal = withdrawnTotal;
      }
      this.host.emit(e);
    }
    const max = this.config.maxPrefixes;
    if (max !== undefined && this.counters.prefixesReceived > max) {
      const data = Uint8Array.of(0, 1, 1, max >>> 24, (max >>> 16) & 255, (max >>> 8) & 255, max & 255);
      this.reportError(
        new Error(`peer sent ${this.counters.prefixesReceived} prefixes, over the limit of ${max}`),
        'max-prefix',
      );
      this.fire({ type: 'AutomaticStop', notification: { code: 6, subcode: 1, data }, reason: 'max-prefix' });
    }
  }

  /** Families of this session already reported by an `unnegotiated-family` event. */
  private ignoredFamilies = new Set<string>();

  private countIgnored(family: string, prefixes: number): void {
    this.counters.prefixesIgnored += prefixes;
    if (this.ignoredFamilies.has(family)) return;
    this.ignoredFamilies.add(family);
    this.host.emit({ type: 'unnegotiated-family', peer: this.id, family, prefixes });
  }

  private applyReceived(family: string, delta: number): void {
    if (delta === 0) return;
    const byFamily = this.counters.prefixesReceivedByFamily;
    byFamily[family] = Math.max(0, (byFamily[family] ?? 0) + delta);
    let total = 0;
    for (const v of Object.values(byFamily)) total += v;
    this.counters.prefixesReceived = total;
  }

  private processRouteRefresh(bytes: Uint8Array): void {
    const decoded = decodeMessage(bytes, this.options);
    if (!decoded.ok || decoded.message.type !== 'route-refresh') return;
    const { afi, safi, subtype } = decoded.message;
    const family = `${afi}/${safi}`;
    this.host.emit({ type: 'route-refresh-received', peer: this.id, family, subtype });
    // BoRR/EoRR from the peer concern its own routes; only a request makes us re-send.
    if (subtype !== 0 || !this.negotiated?.families.includes(family as `${number}/${number}`)) return;
    if (this.negotiated.enhancedRouteRefresh) {
      this.send(
        encodeMessage({ type: 'route-refresh', afi, safi, subtype: ROUTE_REFRESH.BORR }, this.options),
        'route-refresh',
      );
      this.eorrPending.push(family);
    }
    for (const prefix of this.rib.prefixes()) {
      if (familyOfPrefix(prefix) !== family) continue;
      this.force.add(prefix);
      this.dirty.add(prefix);
    }
    this.flush();
  }

  // -------------------------------------------------------------------------------------------
  // Collision detection (RFC 4271 §6.8)
  // -------------------------------------------------------------------------------------------

  private trackCandidate(conn: Connection, outbound: boolean): void {
    const candidate: Candidate = {
      conn,
      outbound,
      framer: new MessageFramer(),
      timer: this.host.clock.setTimeout(() => this.dropCandidate(), this.config.openSentHoldTime * 1000),
    };
    this.candidate = candidate;
    conn.setHandlers({
      data: (chunk) => this.onCandidateData(candidate, chunk),
      drain: () => {},
      close: () => {
        if (this.candidate === candidate) this.dropCandidate();
      },
    });
    // Answer with our OPEN so that the peer can proceed on this connection too.
    this.send(encodeMessage(this.localOpen ?? this.openForCandidate()), 'open', conn);
  }

  private openForCandidate(): OpenMessage {
    return buildLocalOpen({
      asn: this.config.localAsn,
      routerId: this.config.routerId,
      holdTime: this.config.holdTime,
      families: this.config.families,
      addPath: this.config.addPath,
      extendedMessage: this.config.extendedMessage,
      extendedNextHop: this.config.extendedNextHop !== undefined,
    });
  }

  private dropCandidate(notification?: FsmNotification): void {
    const c = this.candidate;
    if (c === undefined) return;
    this.candidate = undefined;
    this.host.clock.clearTimeout(c.timer);
    if (notification !== undefined) {
      this.sendNotification(c.conn, notification);
      c.conn.end();
    } else {
      c.conn.destroy();
    }
  }

  private candidateOpen: NegotiatedSession | undefined;

  private onCandidateData(c: Candidate, chunk: Uint8Array): void {
    if (this.candidate !== c) return;
    c.framer.push(chunk);
    const frame = c.framer.next();
    if (frame === undefined) return;
    if (frame.ok && frame.type === 3) {
      // The peer closed this connection (e.g. it resolved the collision first).
      this.dropCandidate();
      return;
    }
    if (!frame.ok || frame.type !== 1) {
      this.dropCandidate(frame.ok ? { code: 5, subcode: 1 } : frame.error.notification);
      return;
    }
    const decoded = this.decodeOpen(frame.bytes);
    if ('error' in decoded) {
      this.dropCandidate(decoded.error.notification);
      return;
    }
    const result = this.checkOpen(decoded);
    if ('message' in result) {
      this.dropCandidate(result);
      return;
    }
    this.candidateOpen = result;
    this.maybeResolveCollision();
  }

  /**
   * Both connections have the peer's OPEN (or ours is already in OpenConfirm): keep the one
   * opened by the side with the higher BGP identifier, close the other with Cease/Connection
   * Collision Resolution.
   */
  private maybeResolveCollision(): void {
    const c = this.candidate;
    const candidateOpen = this.candidateOpen;
    if (c === undefined || candidateOpen === undefined) return;
    if (this.ctx.state === 'Established') {
      this.candidateOpen = undefined;
      this.dropCandidate({ code: 6, subcode: 7 });
      return;
    }
    const localWins = parseIpv4(this.config.routerId) > parseIpv4(candidateOpen.peerRouterId);
    // Keep the connection opened by the winner.
    if (this.outbound === localWins) {
      this.candidateOpen = undefined;
      this.dropCandidate({ code: 6, subcode: 7 });
      return;
    }
    const old = this.conn;
    if (old !== undefined) {
      this.closingConns.add(old);
      this.detach();
      this.sendNotification(old, { code: 6, subcode: 7 });
      old.end();
    }
    this.promoteCandidate();
  }

  /** Continues the session on the candidate connection (our OPEN was sent on it). */
  private promoteCandidate(): void {
    const c = this.candidate;
    if (c === undefined) return;
    const candidateOpen = this.candidateOpen;
    this.candidate = undefined;
    this.candidateOpen = undefined;
    this.host.clock.clearTimeout(c.timer);
    this.conn = c.conn;
    this.outbound = c.outbound;
    this.framer = c.framer;
    this.paused = false;
    this.ctx = { ...this.ctx, state: 'OpenSent' };
    c.conn.setHandlers({
      data: (chunk) => this.onData(c.conn, chunk),
      drain: () => {
        if (c.conn !== this.conn) return;
        this.paused = false;
        this.flush();
      },
      close: (error) => this.onClose(c.conn, error),
    });
    if (candidateOpen !== undefined) this.acceptOpen(candidateOpen);
    // Messages that arrived after the OPEN on that connection.
    this.onData(c.conn, new Uint8Array(0));
  }

  // -------------------------------------------------------------------------------------------
  // Sending routes
  // -------------------------------------------------------------------------------------------

  private release(): void {
    this.rib.clear();
    this.dirty.clear();
    this.force.clear();
    this.eorPending = false;
    this.eorrPending = [];
    this.negotiated = undefined;
    this.options = DEFAULT_SESSION_OPTIONS;
    this.ribIn = undefined;
    this.received = new PrefixSet();
    this.ignoredFamilies = new Set();
    this.counters.prefixesReceived = 0;
    this.counters.prefixesReceivedByFamily = {};
    this.establishedAt = undefined;
    if (this.flushTimer !== undefined) this.host.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.candidate !== undefined) this.dropCandidate();
  }

  private onEstablished(): void {
    this.establishedAt = this.host.clock.now();
    // The R bit is only for the first session after a restart.
    this.restarting = false;
    for (const prefix of this.host.prefixesFor(this.id)) this.dirty.add(prefix);
    this.eorPending = true;
    this.flush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.ctx.state !== 'Established') return;
    this.flushTimer = this.host.clock.setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.host.batchWindowMs);
  }

  /** Sends what changed, in packed UPDATEs, until done or the socket pushes back. */
  flush(): void {
    try {
      this.flushUnsafe();
    } catch (err) {
      // A bug must not take the process down: report it and reset this session only.
      this.host.emit({ type: 'error', peer: this.id, error: err as Error, source: 'local' });
      this.fire({ type: 'AutomaticStop', notification: { code: 6, subcode: 8 }, reason: 'internal-error' });
    }
  }

  private flushUnsafe(): void {
    if (this.ctx.state !== 'Established' || this.conn === undefined || this.negotiated === undefined) return;
    if (this.flushTimer !== undefined) {
      this.host.clock.clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    const wantEvents = this.host.updateEvents.sent && this.host.hasListeners();
    const families = this.negotiated.families;
    const extendedNextHop = this.negotiated.extendedNextHop;
    let sentAny = false;
    while (!this.paused && this.dirty.size > 0 && this.conn !== undefined) {
      const changes: RibChange[] = [];
      let paths = 0;
      for (const prefix of this.dirty) {
        this.dirty.delete(prefix);
        const force = this.force.delete(prefix);
        const family = familyOfPrefix(prefix);
        let desired: readonly PathSpec[] = families.includes(family)
          ? this.host.pathsFor(prefix, this.id)
          : [];
        if (family === '1/1' && desired.length > 0)
          desired = ipv4PrefixPaths(desired, extendedNextHop, this.ownNextHop, (p) => this.select(prefix, p));
        const addPath = this.options.addPathSend.has(family);
        if (!addPath && desired.length > 0) {
          const chosen = desired.length === 1 ? desired[0] : this.select(prefix, desired);
          desired = chosen === undefined ? [] : [chosen];
        }
        const change = this.rib.update(prefix, desired, addPath, force);
        if (change !== undefined) {
          changes.push(change);
          paths += change.announce.length + change.withdraw.length;
          if (paths >= FLUSH_SLICE_PATHS) break;
        }
      }
      if (changes.length === 0) continue;
      const packed = packChanges(
        changes,
        { localAsn: this.config.localAsn, ibgp: this.isIbgp() },
        this.options,
      );
      if (!this.sendAll(packed.messages, 'update')) this.paused = true;
      sentAny ||= packed.messages.length > 0;
      if (wantEvents) {
        for (const g of packed.groups) {
          const e: SpeakerEvent = {
            type: 'update-sent',
            peer: this.id,
            nlri: g.nlri,
            withdrawn: g.withdrawn,
            attributes: g.attributes,
          };
          if (g.pathIds !== undefined) e.pathIds = g.pathIds;
          this.host.emit(e);
        }
      }
      if (this.conn !== undefined && this.conn.writableLength > this.host.highWaterMark) this.paused = true;
    }
    // RFC 4271 §4.4: sending an UPDATE restarts the KeepaliveTimer.
    if (sentAny && this.ctx.keepaliveTime > 0 && this.timers.has('keepalive')) {
      this.startTimer('keepalive', this.ctx.keepaliveTime);
    }
    if (this.dirty.size > 0 || this.conn === undefined) return;
    if (this.eorPending) {
      this.eorPending = false;
      for (const family of families) {
        const [afi, safi] = family.split('/').map(Number) as [number, number];
        this.send(encodeMessage(endOfRib(afi, safi), this.options), 'update');
        this.host.emit({ type: 'end-of-rib-sent', peer: this.id, family });
      }
    }
    for (const family of this.eorrPending) {
      const [afi, safi] = family.split('/').map(Number) as [number, number];
      this.send(
        encodeMessage({ type: 'route-refresh', afi, safi, subtype: ROUTE_REFRESH.EORR }, this.options),
        'route-refresh',
      );
    }
    this.eorrPending = [];
  }

  /** The application's selector; a selector that throws falls back to the default one. */
  private select(prefix: string, paths: readonly PathSpec[]): PathSpec | undefined {
    try {
      return this.config.pathSelector(prefix, paths);
    } catch (err) {
      const error = new Error(`pathSelector failed for ${prefix}: ${(err as Error)?.message ?? String(err)}`);
      this.host.emit({ type: 'error', peer: this.id, error, source: 'local' });
      return hashPathSelector(prefix, paths);
    }
  }

  private isIbgp(): boolean {
    return this.config.localAsn === this.config.peerAsn;
  }

  /** Withdraws every prefix in the Adj-RIB-Out at once (before a Cease), ignoring back-pressure. */
  private withdrawAll(): void {
    if (this.negotiated === undefined || this.conn === undefined) return;
    const changes: RibChange[] = [];
    for (const prefix of [...this.rib.prefixes()]) {
      const change = this.rib.update(prefix, [], this.options.addPathSend.has(familyOfPrefix(prefix)));
      if (change !== undefined) changes.push(change);
    }
    if (changes.length === 0) return;
    const packed = packChanges(
      changes,
      { localAsn: this.config.localAsn, ibgp: this.isIbgp() },
      this.options,
    );
    this.sendAll(packed.messages, 'update');
    if (this.host.updateEvents.sent && this.host.hasListeners()) {
      for (const g of packed.groups) {
        this.host.emit({
          type: 'update-sent',
          peer: this.id,
          nlri: [],
          withdrawn: g.withdrawn,
          attributes: '',
        });
      }
    }
  }
}

/** The RFC 8203 shutdown communication, cut to the 255 octets RFC 9003 allows. */
function shutdownData(message: string | undefined): Uint8Array {
  if (message === undefined) return new Uint8Array(0);
  let text = message;
  for (;;) {
    try {
      return encodeShutdownCommunication(text);
    } catch {
      text = text.slice(0, Math.max(0, Math.min(text.length - 1, 255)));
    }
  }
}

/** `'1/1'` for IPv4 prefixes, `'2/1'` for IPv6. */
export function familyOfPrefix(prefix: string): `${number}/${number}` {
  return prefix.includes(':') ? '2/1' : '1/1';
}

/** Code/subcode text plus the RFC 8203 shutdown communication when there is one. */
export function notificationText(code: number, subcode: number, data: Uint8Array): string {
  const base = describeNotification(code, subcode);
  if (code === 6 && (subcode === 2 || subcode === 4) && data.length > 0) {
    const msg = decodeShutdownCommunication(data);
    if (msg.ok) return `${base}: ${JSON.stringify(msg.text)}`;
  }
  return base;
}
