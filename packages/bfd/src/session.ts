/**
 * One running BFD session: executes the actions of the pure state machine (fsm.ts) with Node
 * timers and a send function, and reports state changes. The manager (manager.ts) owns the
 * sockets and hands received packets to `receive`.
 *
 * Timers run on the manager's TimerWheel (coalesced on its grid). The detection timer is lazy: a packet only moves a deadline forward, and the one timer that
 * runs re-arms itself for the remainder when it fires early. At 300 ms intervals that saves a
 * clearTimeout + setTimeout per received packet, which is most of the idle cost of many sessions.
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
import { GRID_MS, type TimerWheel, type WheelTimer } from './timer-wheel.js';

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
  private txTimer: WheelTimer | undefined;
  private detectTimer: WheelTimer | undefined;
  /** When the armed detection timer fires (ms). */
  private detectTimerAt = 0;
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
    this.txTimer = undefined;
    this.detectTimer = undefined;
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
      case 'send':
        // A fresh buffer per packet: the socket may still hold the previous one (async send).
        this.counters.sent++;
        this.runtime.send(encode(action.packet));
        return;
      case 'start-tx-timer': {
        // A window of one grid step around the jittered interval, inside the RFC's jitter
        // range, so that it always holds a grid time: the packets of many sessions (and their
        // detection checks) leave in one wake-up.
        const earliest = Math.max(action.minMs, action.ms - GRID_MS);
        const latest = Math.min(action.maxMs, Math.max(action.ms, earliest + GRID_MS));
        this.runtime.timers.clear(this.txTimer);
        this.txTimer = this.runtime.timers.set(
          () => {
            this.txTimer = undefined;
            this.dispatch({ type: 'TxTimerExpired' });
          },
          earliest,
          latest,
        );
        return;
      }
      case 'stop-tx-timer':
        this.runtime.timers.clear(this.txTimer);
        this.txTimer = undefined;
        return;
      case 'start-detect-timer':
        this.armDetection(action.ms);
        return;
      case 'stop-detect-timer':
        this.detectDeadline = 0;
        this.runtime.timers.clear(this.detectTimer);
        this.detectTimer = undefined;
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
    if (this.detectTimer !== undefined && this.detectTimerAt <= this.detectDeadline) return;
    this.runtime.timers.clear(this.detectTimer);
    this.startDetectTimer(ms);
  }

  private startDetectTimer(ms: number): void {
    // The timer may fire up to one grid step early: it only checks the deadline, which packets
    // keep moving, and re-arms for the rest; so its window always holds a grid time and it joins
    // the wake-ups of the transmit timers instead of adding its own. Down is never declared
    // early (onDetectTimer), and at most 2% of the detection time late (18 ms at 900 ms). The
    // earliest stays above 1 ms, so a re-arm never lands in the wake-up that is running.
    const earliest = ms > 2 ? Math.max(ms - GRID_MS, 2) : ms;
    this.detectTimer = this.runtime.timers.set(() => this.onDetectTimer(), earliest, ms + this.detectSlackMs);
    this.detectTimerAt = this.detectTimer.at;
  }

  private onDetectTimer(): void {
    this.detectTimer = undefined;
    if (this.detectDeadline === 0) return;
    const remaining = this.detectDeadline - this.runtime.now();
    // The wheel fires on slot boundaries; a deadline within a millisecond is due.
    if (remaining > 1) {
      this.startDetectTimer(remaining);
      return;
    }
    this.detectDeadline = 0;
    this.dispatch({ type: 'DetectTimerExpired' });
  }
}
