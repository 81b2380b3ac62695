/**
 * One running BFD session: executes the actions of the pure state machine (fsm.ts) with Node
 * timers and a send function, and reports state changes. The manager (manager.ts) owns the
 * sockets and hands received packets to `receive`.
 *
 * Timers run on the manager's TimerWheel (coalesced on its grid). The detection timer is lazy: a
 * packet only moves a deadline forward, and the one timer that runs re-arms itself for the
 * remainder when it fires early. At 300 ms intervals that saves a timer restart per received
 * packet. The session keeps its two timers and the bytes of its last packet: in the steady state
 * a periodic send encodes nothing (the packet is the same as the last one) and a timer restart
 * allocates nothing.
 */
import { encode } from './codec.js';
import {
  type BfdAction,
  type BfdContext,
  type BfdDeps,
  type BfdEvent,
  type BfdTimerConfig,
  detectionTimeUs,
  initialBfdContext,
  transition,
  transmitIntervalUs,
} from './fsm.js';
import type { BfdControlPacket, BfdDiagnostic, BfdState } from './packet.js';
import { GRID_MS, type TimerWheel, WheelTimer } from './timer-wheel.js';

const TX_TIMER_EXPIRED: BfdEvent = Object.freeze({ type: 'TxTimerExpired' });
const DETECT_TIMER_EXPIRED: BfdEvent = Object.freeze({ type: 'DetectTimerExpired' });

/** Whether two Control packets have the same wire form. */
function samePacket(a: BfdControlPacket, b: BfdControlPacket): boolean {
  return (
    a.myDiscriminator === b.myDiscriminator &&
    a.yourDiscriminator === b.yourDiscriminator &&
    a.state === b.state &&
    a.diagnostic === b.diagnostic &&
    a.poll === b.poll &&
    a.final === b.final &&
    a.controlPlaneIndependent === b.controlPlaneIndependent &&
    a.demand === b.demand &&
    a.detectMultiplier === b.detectMultiplier &&
    a.desiredMinTxUs === b.desiredMinTxUs &&
    a.requiredMinRxUs === b.requiredMinRxUs &&
    a.requiredMinEchoRxUs === b.requiredMinEchoRxUs
  );
}

/** A state change as reported to users of a session. */
export interface BfdStateChange {
  from: BfdState;
  to: BfdState;
  diagnostic: BfdDiagnostic;
  /** When it happened (ms, the session's `now`). */
  at: number;
  /**
   * For a Down after a detection timeout: ms from the last packet received to the detection
   * (the detection time as measured here; negotiated: `detectionTimeMs`).
   */
  silentMs?: number;
  /** The detection time in force at the change, in ms. */
  detectionTimeMs: number;
}

export interface BfdSessionCounters {
  sent: number;
  received: number;
  /** Packets that reached the session but were discarded (session AdminDown). */
  discarded: number;
  upTransitions: number;
  downTransitions: number;
}

export interface BfdSessionRuntime {
  /** Sends one encoded Control packet to the peer. */
  send(bytes: Uint8Array): void;
  now(): number;
  random(): number;
  onStateChange(session: BfdSession, change: BfdStateChange): void;
  /** Where the session's timers run (shared by the sessions of a manager). */
  timers: TimerWheel;
}

export class BfdSession {
  private ctx: BfdContext;
  private readonly txTimer: WheelTimer;
  private readonly detectTimer: WheelTimer;
  /** The last packet sent and its bytes, sent again as they are while nothing changes. */
  private lastPacket: BfdControlPacket | undefined;
  private lastBytes: Uint8Array | undefined;
  /** How late the detection may fire: 2% of the detection time, also when re-armed for less. */
  private detectSlackMs = 0;
  /** When the session is declared Down unless a packet arrives (ms); 0 when not running. */
  private detectDeadline = 0;
  private lastPacketAt: number | undefined;
  private readonly deps: BfdDeps;
  private closed = false;
  readonly counters: BfdSessionCounters = {
    sent: 0,
    received: 0,
    discarded: 0,
    upTransitions: 0,
    downTransitions: 0,
  };

  constructor(
    localDiscriminator: number,
    config: BfdTimerConfig,
    passive: boolean,
    private readonly runtime: BfdSessionRuntime,
  ) {
    this.ctx = initialBfdContext({ localDiscriminator, config, passive });
    this.deps = { random: runtime.random };
    this.txTimer = new WheelTimer(() => this.dispatch(TX_TIMER_EXPIRED));
    this.detectTimer = new WheelTimer(() => this.onDetectTimer());
  }

  get context(): BfdContext {
    return this.ctx;
  }

  get state(): BfdState {
    return this.ctx.state;
  }

  get localDiscriminator(): number {
    return this.ctx.localDiscriminator;
  }

  /** The Detection Time now in force, in ms (0 before the first packet). */
  get detectionTimeMs(): number {
    return detectionTimeUs(this.ctx) / 1000;
  }

  /** When the last packet from the peer arrived (ms, the session's `now`); undefined before any. */
  get lastReceivedAt(): number | undefined {
    return this.lastPacketAt;
  }

  /** The periodic transmit interval before jitter, in ms. */
  get transmitIntervalMs(): number {
    return transmitIntervalUs(this.ctx) / 1000;
  }

  adminUp(): void {
    this.dispatch({ type: 'AdminUp' });
  }

  adminDown(): void {
    this.dispatch({ type: 'AdminDown' });
  }

  setTimers(config: BfdTimerConfig): void {
    this.dispatch({ type: 'SetTimers', config });
  }

  /** A packet selected for this session (codec and session rules already applied). */
  receive(packet: BfdControlPacket): void {
    this.counters.received++;
    this.lastPacketAt = this.runtime.now();
    this.dispatch({ type: 'Receive', packet });
  }

  /** Stops every timer; the session sends nothing more. */
  close(): void {
    this.closed = true;
    this.runtime.timers.clear(this.txTimer);
    this.runtime.timers.clear(this.detectTimer);
  }

  private dispatch(event: BfdEvent): void {
    if (this.closed) return;
    const result = transition(this.ctx, event, this.deps);
    const before = this.ctx;
    this.ctx = result.context;
    if (result.discarded !== undefined) this.counters.discarded++;
    for (const action of result.actions) this.apply(action, before);
  }

  private apply(action: BfdAction, before: BfdContext): void {
    switch (action.type) {
      case 'send': {
        this.counters.sent++;
        // A new buffer only for a new packet: the bytes are never written again once sent, so a
        // send the socket still holds (queued, async) is not affected.
        const last = this.lastPacket;
        if (last === undefined || this.lastBytes === undefined || !samePacket(last, action.packet)) {
          this.lastBytes = encode(action.packet);
          this.lastPacket = action.packet;
        }
        this.runtime.send(this.lastBytes);
        return;
      }
      case 'start-tx-timer': {
        // A window of one grid step around the jittered interval, inside the RFC's jitter
        // range, so that it always holds a grid time: the packets of many sessions (and their
        // detection checks) leave in one wake-up.
        const earliest = Math.max(action.minMs, action.ms - GRID_MS);
        const latest = Math.min(action.maxMs, Math.max(action.ms, earliest + GRID_MS));
        this.runtime.timers.start(this.txTimer, earliest, latest);
        return;
      }
      case 'stop-tx-timer':
        this.runtime.timers.clear(this.txTimer);
        return;
      case 'start-detect-timer':
        this.armDetection(action.ms);
        return;
      case 'stop-detect-timer':
        this.detectDeadline = 0;
        this.runtime.timers.clear(this.detectTimer);
        return;
      case 'state-change': {
        if (action.to === 'Up') this.counters.upTransitions++;
        if (before.state === 'Up' && action.to !== 'Up') this.counters.downTransitions++;
        const at = this.runtime.now();
        const change: BfdStateChange = {
          from: action.from,
          to: action.to,
          diagnostic: action.diagnostic,
          at,
          detectionTimeMs: detectionTimeUs(before) / 1000,
        };
        if (action.diagnostic === 'control-detection-time-expired' && this.lastReceivedAt !== undefined)
          change.silentMs = at - this.lastReceivedAt;
        this.runtime.onStateChange(this, change);
        return;
      }
      case 'poll-complete':
        return;
    }
  }

  private armDetection(ms: number): void {
    const now = this.runtime.now();
    this.detectDeadline = now + ms;
    this.detectSlackMs = ms * 0.02;
    // A running timer that fires before the new deadline re-arms itself then; only a deadline
    // that moved earlier needs a new timer.
    const at = this.detectTimer.at;
    if (at !== undefined && at <= this.detectDeadline) return;
    this.startDetectTimer(ms);
  }

  private startDetectTimer(ms: number): void {
    // The timer may fire up to one grid step early: it only checks the deadline, which packets
    // keep moving, and re-arms for the rest; so its window always holds a grid time and it joins
    // the wake-ups of the transmit timers instead of adding its own. Down is never declared
    // early (onDetectTimer), and at most 2% of the detection time late (18 ms at 900 ms), or
    // 2 ms (the clock's resolution) when that is more. The earliest stays at 2 ms or more: the
    // wheel runs what is due within a millisecond, so a re-arm never lands in the running wake-up.
    const earliest = Math.max(ms - GRID_MS, 2);
    this.runtime.timers.start(this.detectTimer, earliest, Math.max(ms + this.detectSlackMs, earliest));
  }

  private onDetectTimer(): void {
    if (this.detectDeadline === 0) return;
    const remaining = this.detectDeadline - this.runtime.now();
    // The wheel may run a timer up to a millisecond early: Down only once the deadline has passed.
    if (remaining > 0) {
      this.startDetectTimer(remaining);
      return;
    }
    this.detectDeadline = 0;
    this.dispatch(DETECT_TIMER_EXPIRED);
  }
}
