/**
 * The BGP finite state machine of RFC 4271 §8 as a pure function: `transition(context, event)`
 * returns the next context and the actions the caller must carry out (open or drop the TCP
 * connection, send a message, start or stop a timer). No clock, socket or randomness is used
 * here, so every path is testable with plain values; `PeerSession` executes the actions.
 *
 * Deviations from the letter of the RFC, each as FRR and GoBGP do it:
 * - A failed outbound connection in Connect goes to Active with the ConnectRetryTimer running
 *   (RFC: Idle unless DelayOpen runs), so an unreachable peer is retried every ConnectRetry
 *   seconds without touching the oscillation damping.
 * - Automatic restart is built in: after an error the FSM sits in Idle for the IdleHold time
 *   (optional attribute DampPeerOscillations), which doubles on every further failure up to
 *   `idleHoldMaxTime` and resets once a session stayed Established for `stableTime`.
 * - A passive peer restarts its ConnectRetryTimer in Active instead of connecting.
 */
import type { FsmState } from './state.js';

/** Timer names used in `start-timer` / `stop-timer` actions. */
export type FsmTimer = 'connectRetry' | 'hold' | 'keepalive' | 'delayOpen' | 'idleHold' | 'stable';

/** Timer settings in seconds (the configured values; hold and keepalive are negotiated later). */
export interface FsmTimerSettings {
  /** ConnectRetryTime; the session adds jitter (RFC 4271 §10). Default 5. */
  connectRetryTime: number;
  /** The hold timer while waiting for the peer's OPEN (RFC 4271 suggests 4 minutes). Default 240. */
  openSentHoldTime: number;
  /** DelayOpenTime; 0 disables DelayOpen. Default 0. */
  delayOpenTime: number;
  /** IdleHoldTime after the first failure. Default 1. */
  idleHoldTime: number;
  /** Upper bound of the exponential IdleHold backoff. Default 120. */
  idleHoldMaxTime: number;
  /** How long a session must stay Established before the backoff resets. Default 60. */
  stableTime: number;
}

export const DEFAULT_FSM_TIMERS: Readonly<FsmTimerSettings> = Object.freeze({
  connectRetryTime: 5,
  openSentHoldTime: 240,
  delayOpenTime: 0,
  idleHoldTime: 1,
  idleHoldMaxTime: 120,
  stableTime: 60,
});

/** Everything the FSM remembers between events. Treat it as immutable. */
export interface FsmContext {
  readonly state: FsmState;
  /** RFC 4271 ConnectRetryCounter. */
  readonly connectRetryCounter: number;
  /** PassiveTcpEstablishment: only accept, never connect. */
  readonly passive: boolean;
  /** True between a start and a ManualStop: errors lead to IdleHold and an automatic restart. */
  readonly enabled: boolean;
  readonly delayOpenRunning: boolean;
  readonly idleHoldRunning: boolean;
  /** Length of the next IdleHold in seconds (grows on every failure). */
  readonly nextIdleHoldTime: number;
  /** Negotiated hold time, set when the peer's OPEN is accepted (0 = no keepalives, no hold timer). */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly timers: Readonly<FsmTimerSettings>;
}

export interface FsmNotification {
  code: number;
  subcode: number;
  data?: Uint8Array;
}

type Reason = { reason?: string };

/** FSM input events (RFC 4271 §8.1), named after the RFC; each may override the logged reason. */
export type FsmEvent = Reason &
  (
    | { type: 'ManualStart'; passive?: boolean }
    | { type: 'AutomaticStart' }
    | { type: 'ManualStop'; notification?: FsmNotification }
    | { type: 'AutomaticStop'; notification?: FsmNotification }
    | { type: 'ConnectRetryTimerExpires' }
    | { type: 'HoldTimerExpires' }
    | { type: 'KeepaliveTimerExpires' }
    | { type: 'DelayOpenTimerExpires' }
    | { type: 'IdleHoldTimerExpires' }
    | { type: 'StableTimerExpires' }
    | { type: 'TcpCrAcked' }
    | { type: 'TcpConnectionConfirmed' }
    | { type: 'TcpConnectionFails' }
    /** The peer's OPEN passed every check; `holdTime`/`keepaliveTime` are the negotiated values. */
    | { type: 'BgpOpen'; holdTime: number; keepaliveTime: number }
    | { type: 'BgpHeaderErr'; notification: FsmNotification }
    | { type: 'BgpOpenMsgErr'; notification: FsmNotification }
    | { type: 'OpenCollisionDump' }
    | { type: 'NotifMsgVerErr' }
    | { type: 'NotifMsg' }
    | { type: 'KeepAliveMsg' }
    | { type: 'UpdateMsg' }
    | { type: 'UpdateMsgErr'; notification: FsmNotification }
    | { type: 'RouteRefreshMsg' }
  );

export type FsmEventType = FsmEvent['type'];

export type FsmAction =
  | { type: 'connect' }
  | { type: 'disconnect' }
  | { type: 'send-open' }
  | { type: 'send-keepalive' }
  | { type: 'send-notification'; notification: FsmNotification }
  | { type: 'start-timer'; timer: FsmTimer; seconds: number }
  | { type: 'stop-timer'; timer: FsmTimer }
  /** Release the BGP resources of the session: routes learned from the peer, what was sent. */
  | { type: 'release' }
  /** The session reached Established: send the initial routes and End-of-RIB. */
  | { type: 'established' }
  | { type: 'process-update' }
  | { type: 'process-route-refresh' };

export interface FsmResult {
  context: FsmContext;
  actions: FsmAction[];
  /** Why the state changed (or the event's reason when it did not): `new-connection`, ... */
  reason: string;
}

const CEASE = 6;
const HOLD_TIMER_EXPIRED = 4;
const FSM_ERROR = 5;
const CEASE_ADMIN_SHUTDOWN = 2;
/** RFC 6608 FSM error subcodes by state. */
const FSM_ERROR_SUBCODE: Partial<Record<FsmState, number>> = { OpenSent: 1, OpenConfirm: 2, Established: 3 };

const REASONS: Record<FsmEventType, string> = {
  ManualStart: 'admin-up',
  AutomaticStart: 'automatic-start',
  ManualStop: 'admin-down',
  AutomaticStop: 'automatic-stop',
  ConnectRetryTimerExpires: 'connect-retry-timer-expired',
  HoldTimerExpires: 'hold-timer-expired',
  KeepaliveTimerExpires: 'keepalive-timer-expired',
  DelayOpenTimerExpires: 'delay-open-timer-expired',
  IdleHoldTimerExpires: 'idle-hold-timer-expired',
  StableTimerExpires: 'stable-timer-expired',
  TcpCrAcked: 'new-connection',
  TcpConnectionConfirmed: 'new-connection',
  TcpConnectionFails: 'peer-closed',
  BgpOpen: 'open-received',
  BgpHeaderErr: 'message-header-error',
  BgpOpenMsgErr: 'open-message-error',
  OpenCollisionDump: 'connection-collision',
  NotifMsgVerErr: 'notification-received',
  NotifMsg: 'notification-received',
  KeepAliveMsg: 'keepalive-received',
  UpdateMsg: 'update-received',
  UpdateMsgErr: 'update-message-error',
  RouteRefreshMsg: 'route-refresh-received',
};

/** A fresh FSM in Idle, not started. */
export function initialFsmContext(timers: Partial<FsmTimerSettings> = {}): FsmContext {
  const merged = { ...DEFAULT_FSM_TIMERS, ...timers };
  return {
    state: 'Idle',
    connectRetryCounter: 0,
    passive: false,
    enabled: false,
    delayOpenRunning: false,
    idleHoldRunning: false,
    nextIdleHoldTime: merged.idleHoldTime,
    holdTime: 0,
    keepaliveTime: 0,
    timers: merged,
  };
}

/** The timers that run in the given state and are stopped when the connection is released. */
const SESSION_TIMERS: readonly FsmTimer[] = ['connectRetry', 'hold', 'keepalive', 'delayOpen', 'stable'];

type Counter = 'reset' | 'increment' | 'keep';

/**
 * Drops the connection and goes to Idle. When the FSM is still enabled (an error, not a
 * ManualStop) the IdleHoldTimer starts and the next IdleHold doubles (peer oscillation damping).
 */
function toIdle(
  ctx: FsmContext,
  reason: string,
  opts: { notification?: FsmNotification | undefined; counter: Counter; enabled?: boolean },
): FsmResult {
  const actions: FsmAction[] = [];
  if (opts.notification !== undefined)
    actions.push({ type: 'send-notification', notification: opts.notification });
  for (const timer of SESSION_TIMERS) actions.push({ type: 'stop-timer', timer });
  actions.push({ type: 'disconnect' }, { type: 'release' });
  const enabled = opts.enabled ?? ctx.enabled;
  let nextIdleHoldTime = ctx.nextIdleHoldTime;
  let idleHoldRunning = false;
  if (enabled) {
    actions.push({ type: 'start-timer', timer: 'idleHold', seconds: ctx.nextIdleHoldTime });
    idleHoldRunning = true;
    nextIdleHoldTime = Math.min(ctx.timers.idleHoldMaxTime, Math.max(1, ctx.nextIdleHoldTime * 2));
  }
  const connectRetryCounter =
    opts.counter === 'reset'
      ? 0
      : opts.counter === 'increment'
        ? ctx.connectRetryCounter + 1
        : ctx.connectRetryCounter;
  return {
    context: {
      ...ctx,
      state: 'Idle',
      enabled,
      connectRetryCounter,
      delayOpenRunning: false,
      idleHoldRunning,
      nextIdleHoldTime,
      holdTime: 0,
      keepaliveTime: 0,
    },
    actions,
    reason,
  };
}

function stay(ctx: FsmContext, reason: string, actions: FsmAction[] = []): FsmResult {
  return { context: ctx, actions, reason };
}

/** Leaves Idle: Connect (and connect) or Active (passive). */
function start(ctx: FsmContext, reason: string, resetCounter: boolean): FsmResult {
  const actions: FsmAction[] = [
    { type: 'stop-timer', timer: 'idleHold' },
    { type: 'start-timer', timer: 'connectRetry', seconds: ctx.timers.connectRetryTime },
  ];
  const base = {
    ...ctx,
    enabled: true,
    idleHoldRunning: false,
    connectRetryCounter: resetCounter ? 0 : ctx.connectRetryCounter,
  };
  if (ctx.passive) return { context: { ...base, state: 'Active' }, actions, reason };
  actions.push({ type: 'connect' });
  return { context: { ...base, state: 'Connect' }, actions, reason };
}

/** A TCP connection is up in Connect or Active: send OPEN now, or wait for DelayOpen. */
function connectionUp(ctx: FsmContext, reason: string): FsmResult {
  if (ctx.timers.delayOpenTime > 0) {
    return stay({ ...ctx, delayOpenRunning: true }, reason, [
      { type: 'stop-timer', timer: 'connectRetry' },
      { type: 'start-timer', timer: 'delayOpen', seconds: ctx.timers.delayOpenTime },
    ]);
  }
  return sendOpen(ctx, reason);
}

function sendOpen(ctx: FsmContext, reason: string): FsmResult {
  return {
    context: { ...ctx, state: 'OpenSent', delayOpenRunning: false },
    actions: [
      { type: 'stop-timer', timer: 'connectRetry' },
      { type: 'stop-timer', timer: 'delayOpen' },
      { type: 'send-open' },
      { type: 'start-timer', timer: 'hold', seconds: ctx.timers.openSentHoldTime },
    ],
    reason,
  };
}

/** Keepalive and hold timers for the negotiated hold time; none at all when it is 0. */
function negotiatedTimers(holdTime: number, keepaliveTime: number): FsmAction[] {
  if (holdTime === 0)
    return [
      { type: 'stop-timer', timer: 'hold' },
      { type: 'stop-timer', timer: 'keepalive' },
    ];
  const actions: FsmAction[] = [{ type: 'start-timer', timer: 'hold', seconds: holdTime }];
  if (keepaliveTime > 0) actions.push({ type: 'start-timer', timer: 'keepalive', seconds: keepaliveTime });
  return actions;
}

/** OPEN accepted in OpenSent, or in Connect/Active while DelayOpen runs: send KEEPALIVE, go OpenConfirm. */
function openAccepted(
  ctx: FsmContext,
  holdTime: number,
  keepaliveTime: number,
  reason: string,
  sendOurOpen: boolean,
) {
  const actions: FsmAction[] = [
    { type: 'stop-timer', timer: 'connectRetry' },
    { type: 'stop-timer', timer: 'delayOpen' },
  ];
  if (sendOurOpen) actions.push({ type: 'send-open' });
  actions.push({ type: 'send-keepalive' }, ...negotiatedTimers(holdTime, keepaliveTime));
  return {
    context: { ...ctx, state: 'OpenConfirm' as const, delayOpenRunning: false, holdTime, keepaliveTime },
    actions,
    reason,
  };
}

function restartHold(ctx: FsmContext): FsmAction[] {
  return ctx.holdTime === 0 ? [] : [{ type: 'start-timer', timer: 'hold', seconds: ctx.holdTime }];
}

function ceaseNotification(event: { notification?: FsmNotification }): FsmNotification {
  return event.notification ?? { code: CEASE, subcode: CEASE_ADMIN_SHUTDOWN };
}

function fsmError(state: FsmState): FsmNotification {
  return { code: FSM_ERROR, subcode: FSM_ERROR_SUBCODE[state] ?? 0 };
}

const HOLD_EXPIRED: FsmNotification = { code: HOLD_TIMER_EXPIRED, subcode: 0 };
const COLLISION: FsmNotification = { code: CEASE, subcode: 7 };

function idle(ctx: FsmContext, event: FsmEvent, reason: string): FsmResult {
  switch (event.type) {
    case 'ManualStart':
      return start(
        { ...ctx, passive: event.passive ?? ctx.passive, nextIdleHoldTime: ctx.timers.idleHoldTime },
        reason,
        true,
      );
    case 'AutomaticStart':
      // While the IdleHoldTimer runs, automatic starts wait for it (peer oscillation damping).
      if (ctx.idleHoldRunning) return stay(ctx, reason);
      return start(ctx, reason, false);
    case 'IdleHoldTimerExpires':
      if (!ctx.enabled) return stay({ ...ctx, idleHoldRunning: false }, reason);
      return start(ctx, reason, false);
    case 'ManualStop':
      // Stop the pending automatic restart too.
      return stay({ ...ctx, enabled: false, idleHoldRunning: false }, reason, [
        { type: 'stop-timer', timer: 'idleHold' },
      ]);
    default:
      // RFC 4271 §8.2.2: any other event in Idle changes nothing (a connection is refused by the caller).
      return stay(ctx, reason);
  }
}

/** Connect and Active share most of their transitions (RFC 4271 §8.2.2). */
function connectOrActive(ctx: FsmContext, event: FsmEvent, reason: string): FsmResult {
  const state = ctx.state;
  switch (event.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
    case 'StableTimerExpires':
      return stay(ctx, reason);
    case 'ManualStop':
      return toIdle(ctx, reason, {
        notification: ctx.delayOpenRunning ? ceaseNotification(event) : undefined,
        counter: 'reset',
        enabled: false,
      });
    case 'ConnectRetryTimerExpires': {
      const actions: FsmAction[] = [
        { type: 'disconnect' },
        { type: 'stop-timer', timer: 'delayOpen' },
        { type: 'start-timer', timer: 'connectRetry', seconds: ctx.timers.connectRetryTime },
      ];
      if (ctx.passive) return stay({ ...ctx, state: 'Active', delayOpenRunning: false }, reason, actions);
      actions.push({ type: 'connect' });
      return { context: { ...ctx, state: 'Connect', delayOpenRunning: false }, actions, reason };
    }
    case 'DelayOpenTimerExpires':
      if (!ctx.delayOpenRunning) return stay(ctx, reason);
      return sendOpen(ctx, reason);
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return connectionUp(ctx, reason);
    case 'TcpConnectionFails':
      if (state === 'Connect' || ctx.delayOpenRunning) {
        return {
          context: { ...ctx, state: 'Active', delayOpenRunning: false },
          actions: [
            { type: 'disconnect' },
            { type: 'stop-timer', timer: 'delayOpen' },
            { type: 'start-timer', timer: 'connectRetry', seconds: ctx.timers.connectRetryTime },
          ],
          reason,
        };
      }
      return toIdle(ctx, reason, { counter: 'increment' });
    case 'BgpOpen':
      if (ctx.delayOpenRunning) return openAccepted(ctx, event.holdTime, event.keepaliveTime, reason, true);
      return toIdle(ctx, reason, { counter: 'increment' });
    case 'BgpHeaderErr':
    case 'BgpOpenMsgErr':
      return toIdle(ctx, reason, { notification: event.notification, counter: 'increment' });
    case 'NotifMsgVerErr':
      return toIdle(ctx, reason, { counter: ctx.delayOpenRunning ? 'keep' : 'increment' });
    default:
      // AutomaticStop, HoldTimerExpires, KeepaliveTimerExpires, OpenCollisionDump, NotifMsg,
      // KeepAliveMsg, UpdateMsg, UpdateMsgErr, RouteRefreshMsg.
      return toIdle(ctx, reason, { counter: 'increment' });
  }
}

function openSent(ctx: FsmContext, event: FsmEvent, reason: string): FsmResult {
  switch (event.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
    case 'StableTimerExpires':
    // A second connection is tracked by the caller for collision detection (RFC 4271 §6.8).
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return stay(ctx, reason);
    case 'ManualStop':
      return toIdle(ctx, reason, {
        notification: ceaseNotification(event),
        counter: 'reset',
        enabled: false,
      });
    case 'AutomaticStop':
      return toIdle(ctx, reason, { notification: ceaseNotification(event), counter: 'increment' });
    case 'HoldTimerExpires':
      return toIdle(ctx, reason, { notification: HOLD_EXPIRED, counter: 'increment' });
    case 'TcpConnectionFails':
      return {
        context: { ...ctx, state: 'Active' },
        actions: [
          { type: 'disconnect' },
          { type: 'stop-timer', timer: 'hold' },
          { type: 'start-timer', timer: 'connectRetry', seconds: ctx.timers.connectRetryTime },
        ],
        reason,
      };
    case 'BgpOpen':
      return openAccepted(ctx, event.holdTime, event.keepaliveTime, reason, false);
    case 'BgpHeaderErr':
    case 'BgpOpenMsgErr':
    case 'UpdateMsgErr':
      return toIdle(ctx, reason, { notification: event.notification, counter: 'increment' });
    case 'OpenCollisionDump':
      return toIdle(ctx, reason, { notification: COLLISION, counter: 'increment' });
    case 'NotifMsgVerErr':
      return toIdle(ctx, reason, { counter: 'keep' });
    case 'NotifMsg':
      return toIdle(ctx, reason, { counter: 'increment' });
    default:
      // ConnectRetryTimerExpires, KeepaliveTimerExpires, DelayOpenTimerExpires, KeepAliveMsg,
      // UpdateMsg, RouteRefreshMsg: FSM error (RFC 6608 subcode 1).
      return toIdle(ctx, 'fsm-error', { notification: fsmError('OpenSent'), counter: 'increment' });
  }
}

function openConfirm(ctx: FsmContext, event: FsmEvent, reason: string): FsmResult {
  switch (event.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
    case 'StableTimerExpires':
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return stay(ctx, reason);
    case 'ManualStop':
      return toIdle(ctx, reason, {
        notification: ceaseNotification(event),
        counter: 'reset',
        enabled: false,
      });
    case 'AutomaticStop':
      return toIdle(ctx, reason, { notification: ceaseNotification(event), counter: 'increment' });
    case 'HoldTimerExpires':
      return toIdle(ctx, reason, { notification: HOLD_EXPIRED, counter: 'increment' });
    case 'KeepaliveTimerExpires':
      return stay(ctx, reason, [
        { type: 'send-keepalive' },
        { type: 'start-timer', timer: 'keepalive', seconds: ctx.keepaliveTime },
      ]);
    case 'TcpConnectionFails':
    case 'NotifMsg':
      return toIdle(ctx, reason, { counter: 'increment' });
    case 'NotifMsgVerErr':
      return toIdle(ctx, reason, { counter: 'keep' });
    case 'BgpHeaderErr':
    case 'BgpOpenMsgErr':
    case 'UpdateMsgErr':
      return toIdle(ctx, reason, { notification: event.notification, counter: 'increment' });
    case 'OpenCollisionDump':
      return toIdle(ctx, reason, { notification: COLLISION, counter: 'increment' });
    case 'KeepAliveMsg':
      return {
        context: { ...ctx, state: 'Established' },
        actions: [
          ...restartHold(ctx),
          { type: 'start-timer', timer: 'stable', seconds: ctx.timers.stableTime },
          { type: 'established' },
        ],
        reason,
      };
    default:
      // ConnectRetryTimerExpires, DelayOpenTimerExpires, BgpOpen (a second OPEN on the same
      // connection), UpdateMsg, RouteRefreshMsg: FSM error (RFC 6608 subcode 2).
      return toIdle(ctx, 'fsm-error', { notification: fsmError('OpenConfirm'), counter: 'increment' });
  }
}

function established(ctx: FsmContext, event: FsmEvent, reason: string): FsmResult {
  switch (event.type) {
    case 'ManualStart':
    case 'AutomaticStart':
    case 'IdleHoldTimerExpires':
    case 'TcpCrAcked':
    case 'TcpConnectionConfirmed':
      return stay(ctx, reason);
    case 'StableTimerExpires':
      // The session proved stable: the next failure starts the backoff from the beginning.
      return stay({ ...ctx, nextIdleHoldTime: ctx.timers.idleHoldTime }, reason);
    case 'ManualStop':
      return toIdle(ctx, reason, {
        notification: ceaseNotification(event),
        counter: 'reset',
        enabled: false,
      });
    case 'AutomaticStop':
      return toIdle(ctx, reason, { notification: ceaseNotification(event), counter: 'increment' });
    case 'HoldTimerExpires':
      return toIdle(ctx, reason, { notification: HOLD_EXPIRED, counter: 'increment' });
    case 'KeepaliveTimerExpires':
      return stay(ctx, reason, [
        { type: 'send-keepalive' },
        { type: 'start-timer', timer: 'keepalive', seconds: ctx.keepaliveTime },
      ]);
    case 'TcpConnectionFails':
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return toIdle(ctx, reason, { counter: 'increment' });
    case 'KeepAliveMsg':
      return stay(ctx, reason, restartHold(ctx));
    case 'UpdateMsg':
      return stay(ctx, reason, [...restartHold(ctx), { type: 'process-update' }]);
    case 'RouteRefreshMsg':
      return stay(ctx, reason, [...restartHold(ctx), { type: 'process-route-refresh' }]);
    case 'UpdateMsgErr':
    case 'BgpHeaderErr':
      return toIdle(ctx, reason, { notification: event.notification, counter: 'increment' });
    case 'OpenCollisionDump':
      return toIdle(ctx, reason, { notification: COLLISION, counter: 'increment' });
    default:
      // ConnectRetryTimerExpires, DelayOpenTimerExpires, BgpOpen, BgpOpenMsgErr: FSM error
      // (RFC 6608 subcode 3).
      return toIdle(ctx, 'fsm-error', { notification: fsmError('Established'), counter: 'increment' });
  }
}

/** The RFC 4271 §8.2.2 transition for one event. Pure: same input, same output. */
export function transition(ctx: FsmContext, event: FsmEvent): FsmResult {
  const reason = event.reason ?? REASONS[event.type];
  switch (ctx.state) {
    case 'Idle':
      return idle(ctx, event, reason);
    case 'Connect':
    case 'Active':
      return connectOrActive(ctx, event, reason);
    case 'OpenSent':
      return openSent(ctx, event, reason);
    case 'OpenConfirm':
      return openConfirm(ctx, event, reason);
    case 'Established':
      return established(ctx, event, reason);
  }
}
