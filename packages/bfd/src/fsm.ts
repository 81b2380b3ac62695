/**
 * The BFD session of RFC 5880 (asynchronous mode, no Echo, no authentication) as a pure function:
 * `transition(context, event, deps?)` returns the next context and the actions the caller must
 * carry out (send a packet, start or stop the transmit and detection timers, report a state
 * change). No clock or socket is used here; randomness (the transmit jitter of §6.8.7) is
 * injected through `deps.random`, so every path is testable with plain values. `BfdSession`
 * (session.ts) executes the actions.
 *
 * Choices where the RFC leaves room, each as FRR's bfdd does it:
 * - A packet is sent at once on every state change (the RFC allows it; convergence takes one
 *   round trip instead of one transmit interval).
 * - The Poll Sequence of §6.5 runs only while the session is Up: before Up the remote applies our
 *   new values from the next packet anyway, and a poll could not terminate once the remote is gone.
 * - The diagnostic is cleared when the session comes Up (it names the reason of the last change).
 */
import type { BfdControlPacket, BfdDiagnostic, BfdState } from './packet.js';

/** The slow rate of §6.8.3: bfd.DesiredMinTxInterval while the session is not Up. */
export const SLOW_TX_US = 1_000_000;

/** The timers a session is configured with, in microseconds (RFC 5880 §6.8.1). */
export interface BfdTimerConfig {
  /** bfd.DesiredMinTxInterval once Up. */
  desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval. */
  requiredMinRxUs: number;
  /** bfd.DetectMult. */
  detectMultiplier: number;
}

/** Everything the state machine remembers (the state variables of RFC 5880 §6.8.1). Immutable. */
export interface BfdContext {
  readonly state: BfdState;
  readonly remoteState: BfdState;
  readonly localDiscriminator: number;
  readonly remoteDiscriminator: number;
  readonly localDiagnostic: BfdDiagnostic;
  /** Passive role (§6.1): never send before the remote's discriminator is known. */
  readonly passive: boolean;
  readonly config: Readonly<BfdTimerConfig>;
  /** bfd.DesiredMinTxInterval as advertised now (the slow rate until Up). */
  readonly desiredMinTxUs: number;
  /** bfd.RequiredMinRxInterval as advertised now. */
  readonly requiredMinRxUs: number;
  /** The DesiredMinTx the transmit interval uses: lags an increase until the poll ends (§6.8.3). */
  readonly txDesiredInUseUs: number;
  /** The RequiredMinRx the detection time uses: lags a decrease until the poll ends (§6.8.3). */
  readonly rxRequiredInUseUs: number;
  /** bfd.RemoteMinRxInterval (initially 1 µs, per the RFC). */
  readonly remoteMinRxUs: number;
  /** The remote's last Desired Min TX Interval (0 before the first packet). */
  readonly remoteDesiredMinTxUs: number;
  /** The remote's last Detect Mult (0 before the first packet). */
  readonly remoteDetectMultiplier: number;
  /** bfd.RemoteDemandMode. */
  readonly remoteDemand: boolean;
  /** A Poll Sequence is being transmitted (§6.5). */
  readonly polling: boolean;
}

export type BfdEvent =
  /** Leave AdminDown: the session starts in Down and transmits at the slow rate. */
  | { type: 'AdminUp' }
  /** Go AdminDown (diagnostic 7); AdminDown packets keep going out so that the remote goes Down. */
  | { type: 'AdminDown' }
  /** A packet that passed the codec and was selected for this session (receive.ts). */
  | { type: 'Receive'; packet: BfdControlPacket }
  | { type: 'TxTimerExpired' }
  | { type: 'DetectTimerExpired' }
  /** New configured timers; while Up a change runs a Poll Sequence. */
  | { type: 'SetTimers'; config: BfdTimerConfig };

export type BfdAction =
  | { type: 'send'; packet: BfdControlPacket }
  /**
   * (Re)start the periodic transmit timer; it replaces a running one. `ms` is the jittered
   * interval; the runtime may move it to batch packets, but within the jitter range of RFC 5880
   * §6.8.7: never before `minMs` (75% of the interval) nor after `maxMs` (the interval, or 90%
   * of it with a detect multiplier of 1).
   */
  | { type: 'start-tx-timer'; ms: number; minMs: number; maxMs: number }
  | { type: 'stop-tx-timer' }
  /** (Re)start the detection timer: the session fails when nothing is received for `ms`. */
  | { type: 'start-detect-timer'; ms: number }
  | { type: 'stop-detect-timer' }
  | { type: 'state-change'; from: BfdState; to: BfdState; diagnostic: BfdDiagnostic }
  /** A Poll Sequence ended: the new timers are in force on both sides. */
  | { type: 'poll-complete' };

export interface BfdResult {
  context: BfdContext;
  actions: BfdAction[];
  /** Set when a received packet was discarded by the state machine, with the rule. */
  discarded?: string;
}

export interface BfdDeps {
  /** A number in [0, 1) for the transmit jitter. */
  random: () => number;
}

const defaultDeps: BfdDeps = { random: Math.random };

export function validateTimerConfig(config: BfdTimerConfig): string | undefined {
  const { desiredMinTxUs, requiredMinRxUs, detectMultiplier } = config;
  if (!Number.isInteger(desiredMinTxUs) || desiredMinTxUs < 1 || desiredMinTxUs > 0xffff_ffff)
    return `desiredMinTxUs must be an integer in 1..4294967295, got ${desiredMinTxUs}`;
  if (!Number.isInteger(requiredMinRxUs) || requiredMinRxUs < 0 || requiredMinRxUs > 0xffff_ffff)
    return `requiredMinRxUs must be an integer in 0..4294967295, got ${requiredMinRxUs}`;
  if (!Number.isInteger(detectMultiplier) || detectMultiplier < 1 || detectMultiplier > 255)
    return `detectMultiplier must be an integer in 1..255, got ${detectMultiplier}`;
  return undefined;
}

/** A fresh session in AdminDown (not started); `AdminUp` starts it. Throws on a bad config. */
export function initialBfdContext(options: {
  localDiscriminator: number;
  config: BfdTimerConfig;
  passive?: boolean;
}): BfdContext {
  const problem = validateTimerConfig(options.config);
  if (problem) throw new RangeError(problem);
  const d = options.localDiscriminator;
  if (!Number.isInteger(d) || d < 1 || d > 0xffff_ffff)
    throw new RangeError(`localDiscriminator must be an integer in 1..4294967295, got ${d}`);
  const desired = Math.max(options.config.desiredMinTxUs, SLOW_TX_US);
  return {
    state: 'AdminDown',
    remoteState: 'Down',
    localDiscriminator: d,
    remoteDiscriminator: 0,
    localDiagnostic: 'none',
    passive: options.passive ?? false,
    config: { ...options.config },
    desiredMinTxUs: desired,
    requiredMinRxUs: options.config.requiredMinRxUs,
    txDesiredInUseUs: desired,
    rxRequiredInUseUs: options.config.requiredMinRxUs,
    remoteMinRxUs: 1,
    remoteDesiredMinTxUs: 0,
    remoteDetectMultiplier: 0,
    remoteDemand: false,
    polling: false,
  };
}

/** The interval between periodic packets before jitter (RFC 5880 §6.8.2). */
export function transmitIntervalUs(ctx: BfdContext): number {
  return Math.max(ctx.txDesiredInUseUs, ctx.remoteMinRxUs);
}

/** The Detection Time in asynchronous mode (RFC 5880 §6.8.4); 0 before any packet. */
export function detectionTimeUs(ctx: BfdContext): number {
  return ctx.remoteDetectMultiplier * Math.max(ctx.rxRequiredInUseUs, ctx.remoteDesiredMinTxUs);
}

/**
 * The jittered transmit interval of RFC 5880 §6.8.7 in milliseconds: 75-100% of the interval,
 * or 75-90% when the Detect Mult is 1 (so one late packet cannot fail the session).
 */
export function jitteredIntervalMs(intervalUs: number, detectMultiplier: number, random: number): number {
  const span = detectMultiplier === 1 ? 0.15 : 0.25;
  return (intervalUs * (0.75 + span * Math.min(Math.max(random, 0), 1))) / 1000;
}

/** Whether periodic transmission is allowed now (RFC 5880 §6.8.7). */
export function mayTransmit(ctx: BfdContext): boolean {
  if (ctx.remoteMinRxUs === 0) return false;
  if (ctx.passive && ctx.remoteDiscriminator === 0) return false;
  // The remote runs Demand mode: it needs no periodic packets from us (§6.8.7).
  if (ctx.remoteDemand && ctx.state === 'Up' && ctx.remoteState === 'Up') return false;
  return true;
}

/** The Control packet this session sends now (RFC 5880 §6.8.7). */
export function controlPacket(ctx: BfdContext, final = false): BfdControlPacket {
  return {
    diagnostic: ctx.localDiagnostic,
    state: ctx.state,
    poll: ctx.polling && !final,
    final,
    controlPlaneIndependent: false,
    demand: false,
    detectMultiplier: ctx.config.detectMultiplier,
    myDiscriminator: ctx.localDiscriminator,
    yourDiscriminator: ctx.remoteDiscriminator,
    desiredMinTxUs: ctx.desiredMinTxUs,
    requiredMinRxUs: ctx.requiredMinRxUs,
    requiredMinEchoRxUs: 0,
  };
}

/**
 * Recomputes the advertised timers for the context's state (slow rate until Up, §6.8.3) and
 * starts a Poll Sequence when they changed while Up. An increase of DesiredMinTx and a decrease
 * of RequiredMinRx wait for the poll to end before they are used.
 */
function withTimers(ctx: BfdContext): BfdContext {
  const up = ctx.state === 'Up';
  const desired = up ? ctx.config.desiredMinTxUs : Math.max(ctx.config.desiredMinTxUs, SLOW_TX_US);
  const required = ctx.config.requiredMinRxUs;
  if (desired === ctx.desiredMinTxUs && required === ctx.requiredMinRxUs) return ctx;
  if (!up) {
    return {
      ...ctx,
      desiredMinTxUs: desired,
      requiredMinRxUs: required,
      txDesiredInUseUs: desired,
      rxRequiredInUseUs: required,
      polling: false,
    };
  }
  return {
    ...ctx,
    desiredMinTxUs: desired,
    requiredMinRxUs: required,
    txDesiredInUseUs: Math.min(desired, ctx.txDesiredInUseUs),
    rxRequiredInUseUs: Math.max(required, ctx.rxRequiredInUseUs),
    polling: true,
  };
}

function endPoll(ctx: BfdContext): BfdContext {
  return {
    ...ctx,
    polling: false,
    txDesiredInUseUs: ctx.desiredMinTxUs,
    rxRequiredInUseUs: ctx.requiredMinRxUs,
  };
}

function changeState(
  ctx: BfdContext,
  to: BfdState,
  diagnostic: BfdDiagnostic,
  actions: BfdAction[],
): BfdContext {
  if (ctx.state === to) return ctx;
  actions.push({ type: 'state-change', from: ctx.state, to, diagnostic });
  const next: BfdContext = {
    ...ctx,
    state: to,
    localDiagnostic: diagnostic,
    polling: ctx.polling && to === 'Up',
  };
  return withTimers(next);
}

/**
 * Appends the transmit-timer action that follows a change from `before` to `after`: stop when
 * periodic transmission is no longer allowed, (re)start when it became allowed or its interval
 * changed. `force` restarts it regardless (after a periodic send).
 */
function scheduleTx(
  before: BfdContext,
  after: BfdContext,
  actions: BfdAction[],
  deps: BfdDeps,
  force = false,
): void {
  const interval = transmitIntervalUs(after);
  if (!mayTransmit(after)) {
    if (force || mayTransmit(before)) actions.push({ type: 'stop-tx-timer' });
    return;
  }
  if (force || !mayTransmit(before) || interval !== transmitIntervalUs(before)) {
    actions.push({
      type: 'start-tx-timer',
      ms: jitteredIntervalMs(interval, after.config.detectMultiplier, deps.random()),
      minMs: (interval * 0.75) / 1000,
      maxMs: jitteredIntervalMs(interval, after.config.detectMultiplier, 1),
    });
  }
}

function receive(ctx: BfdContext, packet: BfdControlPacket, deps: BfdDeps): BfdResult {
  const actions: BfdAction[] = [];
  // In the steady state a packet repeats what the context holds: the context is kept as it is
  // (no copy per packet; contexts are immutable, so sharing one is safe).
  const same =
    ctx.remoteDiscriminator === packet.myDiscriminator &&
    ctx.remoteState === packet.state &&
    ctx.remoteDemand === packet.demand &&
    ctx.remoteMinRxUs === packet.requiredMinRxUs &&
    ctx.remoteDesiredMinTxUs === packet.desiredMinTxUs &&
    ctx.remoteDetectMultiplier === packet.detectMultiplier;
  let next: BfdContext = same
    ? ctx
    : {
        ...ctx,
        remoteDiscriminator: packet.myDiscriminator,
        remoteState: packet.state,
        remoteDemand: packet.demand,
        remoteMinRxUs: packet.requiredMinRxUs,
        remoteDesiredMinTxUs: packet.desiredMinTxUs,
        remoteDetectMultiplier: packet.detectMultiplier,
      };
  if (next.polling && packet.final) {
    next = endPoll(next);
    actions.push({ type: 'poll-complete' });
  }
  if (next.state === 'AdminDown') {
    // The transmit timer, if any, keeps its course: AdminDown packets go on at the old interval.
    return { context: next, actions, discarded: 'session is AdminDown' };
  }
  const before = next.state;
  if (packet.state === 'AdminDown') {
    if (next.state !== 'Down') next = changeState(next, 'Down', 'neighbor-signaled-session-down', actions);
  } else if (next.state === 'Down') {
    if (packet.state === 'Down') next = changeState(next, 'Init', 'none', actions);
    else if (packet.state === 'Init') next = changeState(next, 'Up', 'none', actions);
  } else if (next.state === 'Init') {
    if (packet.state === 'Init' || packet.state === 'Up') next = changeState(next, 'Up', 'none', actions);
  } else if (packet.state === 'Down') {
    next = changeState(next, 'Down', 'neighbor-signaled-session-down', actions);
  }
  // §6.8.6: a Poll is answered at once with a Final (which also carries any new state); a state
  // change is announced at once.
  if (packet.poll) {
    if (!(next.passive && next.remoteDiscriminator === 0))
      actions.push({ type: 'send', packet: controlPacket(next, true) });
  } else if (next.state !== before && mayTransmit(next)) {
    actions.push({ type: 'send', packet: controlPacket(next) });
  }
  scheduleTx(ctx, next, actions, deps);
  actions.push({ type: 'start-detect-timer', ms: detectionTimeUs(next) / 1000 });
  return { context: next, actions };
}

/** Applies one event to a BFD session: the next context and the actions to carry out. */
export function transition(ctx: BfdContext, event: BfdEvent, deps: BfdDeps = defaultDeps): BfdResult {
  switch (event.type) {
    case 'AdminUp': {
      if (ctx.state !== 'AdminDown') return { context: ctx, actions: [] };
      const actions: BfdAction[] = [];
      const next = changeState(
        { ...ctx, remoteDiscriminator: 0, remoteState: 'Down' },
        'Down',
        'none',
        actions,
      );
      if (mayTransmit(next)) actions.push({ type: 'send', packet: controlPacket(next) });
      scheduleTx(ctx, next, actions, deps, true);
      return { context: next, actions };
    }
    case 'AdminDown': {
      if (ctx.state === 'AdminDown') return { context: ctx, actions: [] };
      const actions: BfdAction[] = [];
      const next = changeState(ctx, 'AdminDown', 'administratively-down', actions);
      actions.push({ type: 'stop-detect-timer' });
      if (mayTransmit(next)) actions.push({ type: 'send', packet: controlPacket(next) });
      return { context: next, actions };
    }
    case 'Receive':
      return receive(ctx, event.packet, deps);
    case 'TxTimerExpired': {
      const actions: BfdAction[] = [];
      if (mayTransmit(ctx)) actions.push({ type: 'send', packet: controlPacket(ctx) });
      scheduleTx(ctx, ctx, actions, deps, true);
      return { context: ctx, actions };
    }
    case 'DetectTimerExpired': {
      const actions: BfdAction[] = [];
      // §6.8.1: with no valid packet for a Detection Time the remote discriminator is forgotten.
      let next: BfdContext = { ...ctx, remoteDiscriminator: 0, remoteState: 'Down', remoteDemand: false };
      if (next.polling) next = endPoll(next);
      if (ctx.state === 'Init' || ctx.state === 'Up') {
        next = changeState(next, 'Down', 'control-detection-time-expired', actions);
        if (mayTransmit(next)) actions.push({ type: 'send', packet: controlPacket(next) });
      }
      scheduleTx(ctx, next, actions, deps);
      return { context: next, actions };
    }
    case 'SetTimers': {
      const problem = validateTimerConfig(event.config);
      if (problem) throw new RangeError(problem);
      const next = withTimers({ ...ctx, config: { ...event.config } });
      const actions: BfdAction[] = [];
      // The new values go out at once (with P while Up) instead of waiting for the next interval.
      const changed =
        next.desiredMinTxUs !== ctx.desiredMinTxUs ||
        next.requiredMinRxUs !== ctx.requiredMinRxUs ||
        next.config.detectMultiplier !== ctx.config.detectMultiplier;
      if (changed && next.state !== 'AdminDown' && mayTransmit(next))
        actions.push({ type: 'send', packet: controlPacket(next) });
      scheduleTx(ctx, next, actions, deps);
      return { context: next, actions };
    }
  }
}
