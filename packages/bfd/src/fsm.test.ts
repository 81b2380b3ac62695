import { describe, expect, it } from 'vitest';
import {
  type BfdAction,
  type BfdContext,
  type BfdEvent,
  controlPacket,
  detectionTimeUs,
  initialBfdContext,
  jitteredIntervalMs,
  SLOW_TX_US,
  transition,
  transmitIntervalUs,
} from './fsm.js';
import type { BfdControlPacket, BfdState } from './packet.js';

const profile = { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, detectMultiplier: 3 };
/** random() = 1 - tiny: jitter at its top (100% of the interval) keeps the numbers readable. */
const deps = { random: () => 0.999_999_999 };

function start(overrides: Partial<BfdContext> = {}): BfdContext {
  const ctx = transition(
    initialBfdContext({ localDiscriminator: 11, config: profile }),
    { type: 'AdminUp' },
    deps,
  ).context;
  return { ...ctx, ...overrides };
}

function remote(state: BfdState, extra: Partial<BfdControlPacket> = {}): BfdControlPacket {
  return {
    diagnostic: 'none',
    state,
    poll: false,
    final: false,
    controlPlaneIndependent: false,
    demand: false,
    detectMultiplier: 3,
    myDiscriminator: 22,
    yourDiscriminator: state === 'Down' || state === 'AdminDown' ? 0 : 11,
    desiredMinTxUs: SLOW_TX_US,
    requiredMinRxUs: 300_000,
    requiredMinEchoRxUs: 0,
    ...extra,
  };
}

function run(ctx: BfdContext, ...events: BfdEvent[]): { context: BfdContext; actions: BfdAction[] } {
  const actions: BfdAction[] = [];
  let c = ctx;
  for (const e of events) {
    const r = transition(c, e, deps);
    c = r.context;
    actions.push(...r.actions);
  }
  return { context: c, actions };
}

const rx = (state: BfdState, extra: Partial<BfdControlPacket> = {}): BfdEvent => ({
  type: 'Receive',
  packet: remote(state, extra),
});

function sent(actions: BfdAction[]): BfdControlPacket[] {
  return actions.flatMap((a) => (a.type === 'send' ? [a.packet] : []));
}

function changes(actions: BfdAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'state-change' ? [`${a.from}->${a.to}:${a.diagnostic}`] : []));
}

/** An Up session at the 300 ms profile with the poll that followed Up already answered. */
function upSession(): BfdContext {
  const { context } = run(start(), rx('Init'), rx('Up', { final: true, desiredMinTxUs: 300_000 }));
  expect(context.state).toBe('Up');
  expect(context.polling).toBe(false);
  return context;
}

describe('initial state and AdminUp', () => {
  it('starts AdminDown, refuses bad settings', () => {
    const ctx = initialBfdContext({ localDiscriminator: 1, config: profile });
    expect(ctx.state).toBe('AdminDown');
    expect(() => initialBfdContext({ localDiscriminator: 0, config: profile })).toThrow(/localDiscriminator/);
    expect(() =>
      initialBfdContext({ localDiscriminator: 1, config: { ...profile, detectMultiplier: 0 } }),
    ).toThrow(/detectMultiplier must be an integer in 1..255, got 0/);
    expect(() =>
      initialBfdContext({ localDiscriminator: 1, config: { ...profile, desiredMinTxUs: 0 } }),
    ).toThrow(/desiredMinTxUs/);
    expect(() =>
      initialBfdContext({ localDiscriminator: 1, config: { ...profile, requiredMinRxUs: -1 } }),
    ).toThrow(/requiredMinRxUs/);
  });

  it('AdminUp goes Down, sends at once and transmits at the slow rate (>= 1 s) until Up', () => {
    const r = transition(
      initialBfdContext({ localDiscriminator: 11, config: profile }),
      { type: 'AdminUp' },
      deps,
    );
    expect(r.context.state).toBe('Down');
    expect(changes(r.actions)).toEqual(['AdminDown->Down:none']);
    const [p] = sent(r.actions);
    expect(p).toMatchObject({
      state: 'Down',
      yourDiscriminator: 0,
      desiredMinTxUs: SLOW_TX_US,
      requiredMinRxUs: 300_000,
    });
    // RemoteMinRxInterval starts at 1 µs: the slow rate alone sets the interval.
    expect(r.actions).toContainEqual(
      expect.objectContaining({ type: 'start-tx-timer', ms: expect.closeTo(1000, 3) }),
    );
    expect(transition(r.context, { type: 'AdminUp' }, deps).actions).toEqual([]);
  });

  it('a passive session sends nothing until it knows the remote discriminator', () => {
    const ctx = transition(
      initialBfdContext({ localDiscriminator: 11, config: profile, passive: true }),
      { type: 'AdminUp' },
      deps,
    );
    expect(sent(ctx.actions)).toEqual([]);
    expect(ctx.actions).toContainEqual({ type: 'stop-tx-timer' });
    const r = transition(ctx.context, rx('Down'), deps);
    expect(r.context.state).toBe('Init');
    expect(sent(r.actions)).toHaveLength(1);
    expect(r.actions.some((a) => a.type === 'start-tx-timer')).toBe(true);
  });
});

describe('RFC 5880 §6.8.6 state transitions', () => {
  it('Down + remote Down -> Init', () => {
    const r = run(start(), rx('Down'));
    expect(r.context.state).toBe('Init');
    expect(changes(r.actions)).toEqual(['Down->Init:none']);
    expect(sent(r.actions)[0]).toMatchObject({ state: 'Init', yourDiscriminator: 22 });
  });

  it('Down + remote Init -> Up', () => {
    const r = run(start(), rx('Init'));
    expect(r.context.state).toBe('Up');
    expect(changes(r.actions)).toEqual(['Down->Up:none']);
  });

  it('Down + remote Up stays Down', () => {
    const r = run(start(), rx('Up'));
    expect(r.context.state).toBe('Down');
    expect(changes(r.actions)).toEqual([]);
  });

  it('Down + remote AdminDown stays Down', () => {
    const r = run(start(), rx('AdminDown'));
    expect(r.context.state).toBe('Down');
    expect(changes(r.actions)).toEqual([]);
  });

  it('Init + remote Init -> Up, Init + remote Up -> Up', () => {
    const init = run(start(), rx('Down')).context;
    expect(run(init, rx('Init')).context.state).toBe('Up');
    expect(run(init, rx('Up')).context.state).toBe('Up');
  });

  it('Init + remote Down stays Init', () => {
    const init = run(start(), rx('Down')).context;
    const r = run(init, rx('Down'));
    expect(r.context.state).toBe('Init');
    expect(changes(r.actions)).toEqual([]);
  });

  it('Init + remote AdminDown -> Down with diagnostic 3', () => {
    const init = run(start(), rx('Down')).context;
    const r = run(init, rx('AdminDown'));
    expect(changes(r.actions)).toEqual(['Init->Down:neighbor-signaled-session-down']);
    expect(sent(r.actions)[0]).toMatchObject({ state: 'Down', diagnostic: 'neighbor-signaled-session-down' });
  });

  it('Up + remote Down -> Down with diagnostic 3; Up + remote Init/Up stays Up', () => {
    const up = upSession();
    expect(changes(run(up, rx('Down')).actions)).toEqual(['Up->Down:neighbor-signaled-session-down']);
    expect(run(up, rx('Init')).context.state).toBe('Up');
    expect(run(up, rx('Up')).context.state).toBe('Up');
  });

  it('Up + remote AdminDown -> Down with diagnostic 3', () => {
    const r = run(upSession(), rx('AdminDown'));
    expect(changes(r.actions)).toEqual(['Up->Down:neighbor-signaled-session-down']);
    expect(r.context.localDiagnostic).toBe('neighbor-signaled-session-down');
  });

  it('AdminDown discards every packet but still learns the remote variables', () => {
    const down = run(upSession(), { type: 'AdminDown' }).context;
    const r = transition(down, rx('Up', { requiredMinRxUs: 500_000 }), deps);
    expect(r.discarded).toMatch(/AdminDown/);
    expect(r.context.state).toBe('AdminDown');
    expect(r.context.remoteMinRxUs).toBe(500_000);
    expect(r.actions).toEqual([]);
  });

  it('a packet that repeats the remote variables keeps the context object; a change copies it', () => {
    const up = upSession();
    const same = transition(up, rx('Up', { desiredMinTxUs: 300_000 }), deps);
    expect(same.context).toBe(up);
    expect(same.actions).toEqual([{ type: 'start-detect-timer', ms: 900 }]);
    const changed = transition(up, rx('Up', { desiredMinTxUs: 300_000, requiredMinRxUs: 400_000 }), deps);
    expect(changed.context).not.toBe(up);
    expect(changed.context.remoteMinRxUs).toBe(400_000);
    expect(up.remoteMinRxUs).toBe(300_000);
  });

  it('the detection timer restarts on every accepted packet with the RFC detection time', () => {
    const r = run(start(), rx('Down', { desiredMinTxUs: 2_000_000, detectMultiplier: 4 }));
    // 4 x max(our RequiredMinRx 300 ms, their DesiredMinTx 2 s)
    expect(r.actions).toContainEqual({ type: 'start-detect-timer', ms: 8000 });
    expect(detectionTimeUs(r.context)).toBe(8_000_000);
  });

  it('detection timeout: Up -> Down with diagnostic 1, the remote discriminator is forgotten', () => {
    const r = run(upSession(), { type: 'DetectTimerExpired' });
    expect(changes(r.actions)).toEqual(['Up->Down:control-detection-time-expired']);
    expect(r.context.remoteDiscriminator).toBe(0);
    expect(sent(r.actions)[0]).toMatchObject({
      state: 'Down',
      diagnostic: 'control-detection-time-expired',
      yourDiscriminator: 0,
      desiredMinTxUs: SLOW_TX_US,
    });
  });

  it('detection timeout in Init -> Down; in Down only forgets the remote', () => {
    const init = run(start(), rx('Down')).context;
    expect(changes(run(init, { type: 'DetectTimerExpired' }).actions)).toEqual([
      'Init->Down:control-detection-time-expired',
    ]);
    const down = run(start(), rx('Up')).context;
    const r = run(down, { type: 'DetectTimerExpired' });
    expect(changes(r.actions)).toEqual([]);
    expect(r.context.remoteDiscriminator).toBe(0);
  });

  it('AdminDown sends AdminDown with diagnostic 7 and stops detection; AdminUp restarts in Down', () => {
    const r = run(upSession(), { type: 'AdminDown' });
    expect(changes(r.actions)).toEqual(['Up->AdminDown:administratively-down']);
    expect(r.actions).toContainEqual({ type: 'stop-detect-timer' });
    expect(sent(r.actions)[0]).toMatchObject({ state: 'AdminDown', diagnostic: 'administratively-down' });
    // The periodic timer keeps sending AdminDown.
    expect(sent(transition(r.context, { type: 'TxTimerExpired' }, deps).actions)[0]?.state).toBe('AdminDown');
    expect(transition(r.context, { type: 'AdminDown' }, deps).actions).toEqual([]);
    const back = run(r.context, { type: 'AdminUp' });
    expect(back.context.state).toBe('Down');
    expect(back.context.remoteDiscriminator).toBe(0);
  });
});

describe('timers and the poll sequence (RFC 5880 §6.5, §6.8.3)', () => {
  it('going Up switches from the slow rate to the configured rate with a Poll', () => {
    const r = run(start(), rx('Init'));
    expect(r.context.polling).toBe(true);
    expect(sent(r.actions)[0]).toMatchObject({ state: 'Up', poll: true, desiredMinTxUs: 300_000 });
    // A decrease of DesiredMinTx is used at once: the next packets go out every 300 ms.
    expect(transmitIntervalUs(r.context)).toBe(300_000);
    expect(r.actions).toContainEqual(
      expect.objectContaining({ type: 'start-tx-timer', ms: expect.closeTo(300, 3) }),
    );
    // Every packet carries P until the Final arrives.
    expect(sent(run(r.context, { type: 'TxTimerExpired' }).actions)[0]?.poll).toBe(true);
    const done = run(r.context, rx('Up', { final: true }));
    expect(done.context.polling).toBe(false);
    expect(done.actions).toContainEqual({ type: 'poll-complete' });
    expect(sent(run(done.context, { type: 'TxTimerExpired' }).actions)[0]?.poll).toBe(false);
  });

  it('answers a Poll at once with a Final and no Poll', () => {
    const up = upSession();
    const r = run(up, rx('Up', { poll: true, desiredMinTxUs: 300_000 }));
    const [p] = sent(r.actions);
    expect(p).toMatchObject({ final: true, poll: false, state: 'Up' });
    // Even during our own poll, the Final goes without P (both MUST NOT be set).
    const polling = run(up, { type: 'SetTimers', config: { ...profile, desiredMinTxUs: 200_000 } }).context;
    expect(sent(run(polling, rx('Up', { poll: true })).actions)[0]).toMatchObject({
      final: true,
      poll: false,
    });
  });

  it('an increased DesiredMinTx is used only once the poll ends', () => {
    const up = upSession();
    const r = run(up, { type: 'SetTimers', config: { ...profile, desiredMinTxUs: 600_000 } });
    expect(sent(r.actions)[0]).toMatchObject({ poll: true, desiredMinTxUs: 600_000 });
    expect(transmitIntervalUs(r.context)).toBe(300_000);
    const done = run(r.context, rx('Up', { final: true, desiredMinTxUs: 300_000 }));
    expect(transmitIntervalUs(done.context)).toBe(600_000);
    expect(done.actions).toContainEqual(
      expect.objectContaining({ type: 'start-tx-timer', ms: expect.closeTo(600, 3) }),
    );
  });

  it('a reduced RequiredMinRx changes the detection time only once the poll ends', () => {
    const up = upSession();
    const slower = run(up, { type: 'SetTimers', config: { ...profile, requiredMinRxUs: 600_000 } });
    // An increase is used at once.
    expect(slower.context.rxRequiredInUseUs).toBe(600_000);
    const settled = run(slower.context, rx('Up', { final: true, desiredMinTxUs: 300_000 })).context;
    expect(detectionTimeUs(settled)).toBe(1_800_000);
    const faster = run(settled, { type: 'SetTimers', config: { ...profile, requiredMinRxUs: 100_000 } });
    const mid = run(faster.context, rx('Up', { desiredMinTxUs: 100_000 }));
    expect(detectionTimeUs(mid.context)).toBe(1_800_000);
    expect(mid.actions).toContainEqual({ type: 'start-detect-timer', ms: 1800 });
    const end = run(mid.context, rx('Up', { final: true, desiredMinTxUs: 100_000 }));
    expect(end.actions).toContainEqual({ type: 'start-detect-timer', ms: 300 });
  });

  it('timer changes before Up take effect without a poll; unchanged timers send nothing', () => {
    const r = run(start(), { type: 'SetTimers', config: { ...profile, requiredMinRxUs: 500_000 } });
    expect(r.context.polling).toBe(false);
    expect(sent(r.actions)[0]).toMatchObject({ poll: false, requiredMinRxUs: 500_000 });
    expect(
      run(r.context, { type: 'SetTimers', config: { ...profile, requiredMinRxUs: 500_000 } }).actions,
    ).toEqual([]);
    expect(() => run(start(), { type: 'SetTimers', config: { ...profile, detectMultiplier: 256 } })).toThrow(
      /detectMultiplier/,
    );
  });

  it('going Down returns to the slow rate and abandons the poll', () => {
    const polling = run(start(), rx('Init')).context;
    const r = run(polling, rx('Down'));
    expect(r.context.polling).toBe(false);
    expect(sent(r.actions)[0]).toMatchObject({ state: 'Down', poll: false, desiredMinTxUs: SLOW_TX_US });
    expect(transmitIntervalUs(r.context)).toBe(SLOW_TX_US);
  });

  it('the transmit interval follows the remote RequiredMinRx; zero stops transmission', () => {
    const up = upSession();
    const slow = run(up, rx('Up', { requiredMinRxUs: 900_000 }));
    expect(slow.actions).toContainEqual(
      expect.objectContaining({ type: 'start-tx-timer', ms: expect.closeTo(900, 3) }),
    );
    const silent = run(up, rx('Up', { requiredMinRxUs: 0 }));
    expect(silent.actions).toContainEqual({ type: 'stop-tx-timer' });
    const t = run(silent.context, { type: 'TxTimerExpired' });
    expect(sent(t.actions)).toEqual([]);
  });

  it('stops periodic transmission while the remote runs Demand mode and both are Up', () => {
    const up = upSession();
    const r = run(up, rx('Up', { demand: true }));
    expect(r.actions).toContainEqual({ type: 'stop-tx-timer' });
    expect(sent(run(r.context, { type: 'TxTimerExpired' }).actions)).toEqual([]);
  });
});

describe('jitter (RFC 5880 §6.8.7)', () => {
  it('is 75-100% of the interval, 75-90% with a Detect Mult of 1', () => {
    expect(jitteredIntervalMs(300_000, 3, 0)).toBe(225);
    expect(jitteredIntervalMs(300_000, 3, 0.999_999)).toBeCloseTo(300, 2);
    expect(jitteredIntervalMs(300_000, 1, 0.999_999)).toBeCloseTo(270, 2);
    expect(jitteredIntervalMs(300_000, 1, 0)).toBe(225);
  });

  it('uses the injected randomness for every periodic send', () => {
    const up = upSession();
    const r = transition(up, { type: 'TxTimerExpired' }, { random: () => 0.5 });
    expect(r.actions).toContainEqual({ type: 'start-tx-timer', ms: 262.5, minMs: 225, maxMs: 300 });
  });
});

describe('controlPacket', () => {
  it('carries the session variables', () => {
    const up = upSession();
    expect(controlPacket(up)).toEqual({
      diagnostic: 'none',
      state: 'Up',
      poll: false,
      final: false,
      controlPlaneIndependent: false,
      demand: false,
      detectMultiplier: 3,
      myDiscriminator: 11,
      yourDiscriminator: 22,
      desiredMinTxUs: 300_000,
      requiredMinRxUs: 300_000,
      requiredMinEchoRxUs: 0,
    });
  });
});
