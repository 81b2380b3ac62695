import { describe, expect, it } from 'vitest';
import { type FsmAction, type FsmContext, type FsmEvent, initialFsmContext, transition } from './fsm.js';
import type { FsmState } from './state.js';

const timers = {
  connectRetryTime: 5,
  openSentHoldTime: 240,
  idleHoldTime: 1,
  idleHoldMaxTime: 16,
  stableTime: 60,
};

function run(
  ctx: FsmContext,
  ...events: FsmEvent[]
): { ctx: FsmContext; actions: FsmAction[]; reason: string } {
  let actions: FsmAction[] = [];
  let reason = '';
  for (const e of events) {
    const r = transition(ctx, e);
    ctx = r.context;
    actions = r.actions;
    reason = r.reason;
  }
  return { ctx, actions, reason };
}

const open: FsmEvent = { type: 'BgpOpen', holdTime: 90, keepaliveTime: 30 };

/** A context in the given state, reached through real transitions. */
function inState(state: FsmState, opts: { delayOpen?: number; passive?: boolean } = {}): FsmContext {
  let ctx = initialFsmContext({ ...timers, delayOpenTime: opts.delayOpen ?? 0 });
  if (state === 'Idle') return ctx;
  ctx = run(ctx, { type: 'ManualStart', passive: opts.passive ?? state === 'Active' }).ctx;
  if (state === 'Connect' || state === 'Active') return ctx;
  ctx = run(ctx, { type: 'TcpCrAcked' }).ctx;
  if (state === 'OpenSent') return ctx;
  ctx = run(ctx, open).ctx;
  if (state === 'OpenConfirm') return ctx;
  return run(ctx, { type: 'KeepAliveMsg' }).ctx;
}

const types = (actions: FsmAction[]) => actions.map((a) => a.type);
const notification = (actions: FsmAction[]) =>
  actions.find((a): a is Extract<FsmAction, { type: 'send-notification' }> => a.type === 'send-notification')
    ?.notification;
const started = (actions: FsmAction[]) =>
  actions.flatMap((a) => (a.type === 'start-timer' ? [`${a.timer}:${a.seconds}`] : []));

describe('Idle', () => {
  it('ManualStart connects and goes to Connect with the ConnectRetryTimer running', () => {
    const r = run(initialFsmContext(timers), { type: 'ManualStart' });
    expect(r.ctx.state).toBe('Connect');
    expect(types(r.actions)).toContain('connect');
    expect(started(r.actions)).toEqual(['connectRetry:5']);
    expect(r.reason).toBe('admin-up');
  });
  it('a passive start listens in Active and never connects', () => {
    const r = run(initialFsmContext(timers), { type: 'ManualStart', passive: true });
    expect(r.ctx.state).toBe('Active');
    expect(types(r.actions)).not.toContain('connect');
  });
  it('ignores every other event', () => {
    const events: FsmEvent[] = [
      { type: 'ConnectRetryTimerExpires' },
      { type: 'HoldTimerExpires' },
      { type: 'TcpCrAcked' },
      { type: 'KeepAliveMsg' },
      { type: 'UpdateMsg' },
      { type: 'NotifMsg' },
      open,
    ];
    for (const e of events) {
      const r = transition(initialFsmContext(timers), e);
      expect(r.context.state).toBe('Idle');
      expect(r.actions).toEqual([]);
    }
  });
  it('AutomaticStart waits while the IdleHoldTimer runs, then IdleHoldTimerExpires restarts', () => {
    const failed = run(inState('OpenSent'), { type: 'HoldTimerExpires' }).ctx;
    expect(failed.idleHoldRunning).toBe(true);
    expect(run(failed, { type: 'AutomaticStart' }).ctx.state).toBe('Idle');
    expect(run(failed, { type: 'IdleHoldTimerExpires' }).ctx.state).toBe('Connect');
  });
  it('AutomaticStart starts when no IdleHold runs', () => {
    expect(run(initialFsmContext(timers), { type: 'AutomaticStart' }).ctx.state).toBe('Connect');
  });
  it('ManualStop in Idle cancels the automatic restart', () => {
    const failed = run(inState('OpenSent'), { type: 'HoldTimerExpires' }).ctx;
    const r = run(failed, { type: 'ManualStop' });
    expect(r.ctx.enabled).toBe(false);
    expect(r.actions).toEqual([{ type: 'stop-timer', timer: 'idleHold' }]);
    expect(run(r.ctx, { type: 'IdleHoldTimerExpires' }).ctx.state).toBe('Idle');
  });
});

describe('Connect', () => {
  it('TcpCrAcked sends OPEN with the large OpenSent hold timer (reason new-connection)', () => {
    const r = run(inState('Connect'), { type: 'TcpCrAcked' });
    expect(r.ctx.state).toBe('OpenSent');
    expect(types(r.actions)).toContain('send-open');
    expect(started(r.actions)).toEqual(['hold:240']);
    expect(r.reason).toBe('new-connection');
  });
  it('ConnectRetryTimerExpires drops the attempt and connects again', () => {
    const r = run(inState('Connect'), { type: 'ConnectRetryTimerExpires' });
    expect(r.ctx.state).toBe('Connect');
    expect(types(r.actions)).toEqual(['disconnect', 'stop-timer', 'start-timer', 'connect']);
  });
  it('a failed connection goes to Active and retries after ConnectRetry', () => {
    const r = run(inState('Connect'), { type: 'TcpConnectionFails' });
    expect(r.ctx.state).toBe('Active');
    expect(started(r.actions)).toEqual(['connectRetry:5']);
    const again = run(r.ctx, { type: 'ConnectRetryTimerExpires' });
    expect(again.ctx.state).toBe('Connect');
    expect(types(again.actions)).toContain('connect');
  });
  it('ManualStop goes to Idle, resets the counter and does not restart', () => {
    const r = run(inState('Connect'), { type: 'ManualStop' });
    expect(r.ctx.state).toBe('Idle');
    expect(r.ctx.connectRetryCounter).toBe(0);
    expect(types(r.actions)).not.toContain('send-notification');
    expect(started(r.actions)).toEqual([]);
  });
  it('an unexpected message in Connect drops to Idle and counts', () => {
    for (const type of [
      'KeepAliveMsg',
      'UpdateMsg',
      'NotifMsg',
      'HoldTimerExpires',
      'OpenCollisionDump',
    ] as const) {
      const r = run(inState('Connect'), { type });
      expect(r.ctx.state).toBe('Idle');
      expect(r.ctx.connectRetryCounter).toBe(1);
    }
  });
  it('an OPEN without DelayOpen is an error; header and OPEN errors send their NOTIFICATION', () => {
    expect(run(inState('Connect'), open).ctx.state).toBe('Idle');
    const n = { code: 1, subcode: 2, data: Uint8Array.of(0, 5) };
    const r = run(inState('Connect'), { type: 'BgpHeaderErr', notification: n });
    expect(notification(r.actions)).toEqual(n);
    const r2 = run(inState('Connect'), { type: 'BgpOpenMsgErr', notification: { code: 2, subcode: 2 } });
    expect(notification(r2.actions)).toEqual({ code: 2, subcode: 2 });
    expect(run(inState('Connect'), { type: 'NotifMsgVerErr' }).ctx.connectRetryCounter).toBe(1);
  });
  it('ignores starts and the stable timer', () => {
    for (const type of [
      'ManualStart',
      'AutomaticStart',
      'IdleHoldTimerExpires',
      'StableTimerExpires',
    ] as const) {
      expect(run(inState('Connect'), { type }).ctx.state).toBe('Connect');
    }
    expect(run(inState('Connect'), { type: 'DelayOpenTimerExpires' }).ctx.state).toBe('Connect');
  });
});

describe('DelayOpen', () => {
  it('waits DelayOpenTime after the connection before sending OPEN', () => {
    const r = run(inState('Connect', { delayOpen: 3 }), { type: 'TcpCrAcked' });
    expect(r.ctx.state).toBe('Connect');
    expect(r.ctx.delayOpenRunning).toBe(true);
    expect(started(r.actions)).toEqual(['delayOpen:3']);
    const sent = run(r.ctx, { type: 'DelayOpenTimerExpires' });
    expect(sent.ctx.state).toBe('OpenSent');
    expect(types(sent.actions)).toContain('send-open');
  });
  it('an OPEN while DelayOpen runs sends OPEN and KEEPALIVE and goes to OpenConfirm', () => {
    const r = run(inState('Active', { delayOpen: 3 }), { type: 'TcpConnectionConfirmed' }, open);
    expect(r.ctx.state).toBe('OpenConfirm');
    expect(types(r.actions).filter((t) => t.startsWith('send'))).toEqual(['send-open', 'send-keepalive']);
    expect(started(r.actions)).toEqual(['hold:90', 'keepalive:30']);
  });
  it('a connection failure while DelayOpen runs goes to Active; ManualStop sends Cease', () => {
    const waiting = run(inState('Connect', { delayOpen: 3 }), { type: 'TcpCrAcked' }).ctx;
    expect(run(waiting, { type: 'TcpConnectionFails' }).ctx.state).toBe('Active');
    expect(notification(run(waiting, { type: 'ManualStop' }).actions)).toEqual({ code: 6, subcode: 2 });
    expect(run(waiting, { type: 'NotifMsgVerErr' }).ctx.connectRetryCounter).toBe(0);
  });
});

describe('Active', () => {
  it('an accepted connection sends OPEN (reason new-connection)', () => {
    const r = run(inState('Active'), { type: 'TcpConnectionConfirmed' });
    expect(r.ctx.state).toBe('OpenSent');
    expect(r.reason).toBe('new-connection');
  });
  it('a passive peer stays in Active when ConnectRetry expires', () => {
    const r = run(inState('Active'), { type: 'ConnectRetryTimerExpires' });
    expect(r.ctx.state).toBe('Active');
    expect(types(r.actions)).not.toContain('connect');
  });
  it('a failed accepted connection goes to Idle and counts', () => {
    const active = run(inState('Connect'), { type: 'TcpConnectionFails' }).ctx;
    const r = run(active, { type: 'TcpConnectionFails' });
    expect(r.ctx.state).toBe('Idle');
    expect(r.ctx.connectRetryCounter).toBe(1);
  });
});

describe('OpenSent', () => {
  it('a valid OPEN sends KEEPALIVE and starts the negotiated timers', () => {
    const r = run(inState('OpenSent'), open);
    expect(r.ctx.state).toBe('OpenConfirm');
    expect(types(r.actions)).toContain('send-keepalive');
    expect(started(r.actions)).toEqual(['hold:90', 'keepalive:30']);
    expect(r.ctx.holdTime).toBe(90);
  });
  it('hold time 0 runs no hold and no keepalive timer', () => {
    const r = run(inState('OpenSent'), { type: 'BgpOpen', holdTime: 0, keepaliveTime: 0 });
    expect(started(r.actions)).toEqual([]);
    const est = run(r.ctx, { type: 'KeepAliveMsg' });
    expect(started(est.actions)).toEqual(['stable:60']);
    expect(run(est.ctx, { type: 'KeepAliveMsg' }).actions).toEqual([]);
  });
  it('hold expiry sends Hold Timer Expired and goes to Idle', () => {
    const r = run(inState('OpenSent'), { type: 'HoldTimerExpires' });
    expect(r.ctx.state).toBe('Idle');
    expect(notification(r.actions)).toEqual({ code: 4, subcode: 0 });
    expect(r.reason).toBe('hold-timer-expired');
  });
  it('a closed connection goes back to Active', () => {
    const r = run(inState('OpenSent'), { type: 'TcpConnectionFails' });
    expect(r.ctx.state).toBe('Active');
  });
  it('each OPEN error sends its NOTIFICATION', () => {
    for (const subcode of [1, 2, 3, 6]) {
      const r = run(inState('OpenSent'), { type: 'BgpOpenMsgErr', notification: { code: 2, subcode } });
      expect(r.ctx.state).toBe('Idle');
      expect(notification(r.actions)).toEqual({ code: 2, subcode });
    }
  });
  it('a collision dump sends Cease/Connection Collision Resolution', () => {
    const r = run(inState('OpenSent'), { type: 'OpenCollisionDump' });
    expect(notification(r.actions)).toEqual({ code: 6, subcode: 7 });
  });
  it('a NOTIFICATION received goes to Idle without sending one', () => {
    const r = run(inState('OpenSent'), { type: 'NotifMsg' });
    expect(r.ctx.state).toBe('Idle');
    expect(notification(r.actions)).toBeUndefined();
    expect(r.reason).toBe('notification-received');
    expect(run(inState('OpenSent'), { type: 'NotifMsgVerErr' }).ctx.connectRetryCounter).toBe(0);
  });
  it('an unexpected KEEPALIVE or UPDATE is an FSM error (RFC 6608 subcode 1)', () => {
    for (const type of ['KeepAliveMsg', 'UpdateMsg', 'RouteRefreshMsg', 'KeepaliveTimerExpires'] as const) {
      const r = run(inState('OpenSent'), { type });
      expect(notification(r.actions)).toEqual({ code: 5, subcode: 1 });
      expect(r.reason).toBe('fsm-error');
    }
  });
  it('stops send Cease; a second connection is left to collision handling', () => {
    expect(notification(run(inState('OpenSent'), { type: 'ManualStop' }).actions)).toEqual({
      code: 6,
      subcode: 2,
    });
    const max = { code: 6, subcode: 1 };
    expect(
      notification(run(inState('OpenSent'), { type: 'AutomaticStop', notification: max }).actions),
    ).toEqual(max);
    expect(run(inState('OpenSent'), { type: 'TcpConnectionConfirmed' }).ctx.state).toBe('OpenSent');
    const upd = { code: 3, subcode: 1 };
    expect(
      notification(run(inState('OpenSent'), { type: 'UpdateMsgErr', notification: upd }).actions),
    ).toEqual(upd);
  });
});

describe('OpenConfirm', () => {
  it('KEEPALIVE received establishes the session', () => {
    const r = run(inState('OpenConfirm'), { type: 'KeepAliveMsg' });
    expect(r.ctx.state).toBe('Established');
    expect(types(r.actions)).toContain('established');
    expect(started(r.actions)).toEqual(['hold:90', 'stable:60']);
  });
  it('sends KEEPALIVEs on its timer', () => {
    const r = run(inState('OpenConfirm'), { type: 'KeepaliveTimerExpires' });
    expect(r.ctx.state).toBe('OpenConfirm');
    expect(r.actions).toEqual([
      { type: 'send-keepalive' },
      { type: 'start-timer', timer: 'keepalive', seconds: 30 },
    ]);
  });
  it('hold expiry, NOTIFICATION and TCP failure go to Idle', () => {
    expect(notification(run(inState('OpenConfirm'), { type: 'HoldTimerExpires' }).actions)).toEqual({
      code: 4,
      subcode: 0,
    });
    expect(run(inState('OpenConfirm'), { type: 'NotifMsg' }).ctx.state).toBe('Idle');
    expect(run(inState('OpenConfirm'), { type: 'TcpConnectionFails' }).ctx.state).toBe('Idle');
    expect(run(inState('OpenConfirm'), { type: 'NotifMsgVerErr' }).ctx.state).toBe('Idle');
  });
  it('an UPDATE or a second OPEN is an FSM error (subcode 2)', () => {
    expect(notification(run(inState('OpenConfirm'), { type: 'UpdateMsg' }).actions)).toEqual({
      code: 5,
      subcode: 2,
    });
    expect(notification(run(inState('OpenConfirm'), open).actions)).toEqual({ code: 5, subcode: 2 });
  });
  it('stops, collision and errors', () => {
    expect(notification(run(inState('OpenConfirm'), { type: 'ManualStop' }).actions)?.subcode).toBe(2);
    expect(notification(run(inState('OpenConfirm'), { type: 'AutomaticStop' }).actions)?.subcode).toBe(2);
    expect(notification(run(inState('OpenConfirm'), { type: 'OpenCollisionDump' }).actions)?.subcode).toBe(7);
    const hdr = { code: 1, subcode: 1 };
    expect(
      notification(run(inState('OpenConfirm'), { type: 'BgpHeaderErr', notification: hdr }).actions),
    ).toEqual(hdr);
    expect(run(inState('OpenConfirm'), { type: 'TcpCrAcked' }).ctx.state).toBe('OpenConfirm');
  });
});

describe('Established', () => {
  it('KEEPALIVE and UPDATE restart the hold timer; UPDATE is processed', () => {
    const k = run(inState('Established'), { type: 'KeepAliveMsg' });
    expect(k.actions).toEqual([{ type: 'start-timer', timer: 'hold', seconds: 90 }]);
    const u = run(inState('Established'), { type: 'UpdateMsg' });
    expect(types(u.actions)).toEqual(['start-timer', 'process-update']);
    const rr = run(inState('Established'), { type: 'RouteRefreshMsg' });
    expect(types(rr.actions)).toEqual(['start-timer', 'process-route-refresh']);
  });
  it('keepalive cadence: every expiry sends one KEEPALIVE and re-arms the timer', () => {
    let ctx = inState('Established');
    let sent = 0;
    for (let i = 0; i < 5; i++) {
      const r = transition(ctx, { type: 'KeepaliveTimerExpires' });
      ctx = r.context;
      sent += r.actions.filter((a) => a.type === 'send-keepalive').length;
      expect(started(r.actions)).toEqual(['keepalive:30']);
    }
    expect(sent).toBe(5);
  });
  it('hold expiry sends Hold Timer Expired, releases and restarts after IdleHold', () => {
    const r = run(inState('Established'), { type: 'HoldTimerExpires' });
    expect(r.ctx.state).toBe('Idle');
    expect(notification(r.actions)).toEqual({ code: 4, subcode: 0 });
    expect(types(r.actions)).toContain('release');
    expect(started(r.actions)).toEqual(['idleHold:1']);
  });
  it('NOTIFICATION received and TCP failure go to Idle', () => {
    expect(run(inState('Established'), { type: 'NotifMsg' }).reason).toBe('notification-received');
    expect(run(inState('Established'), { type: 'TcpConnectionFails' }).reason).toBe('peer-closed');
    expect(run(inState('Established'), { type: 'NotifMsgVerErr' }).ctx.state).toBe('Idle');
  });
  it('UPDATE errors send their NOTIFICATION', () => {
    const n = { code: 3, subcode: 11 };
    expect(
      notification(run(inState('Established'), { type: 'UpdateMsgErr', notification: n }).actions),
    ).toEqual(n);
    expect(
      notification(run(inState('Established'), { type: 'BgpHeaderErr', notification: n }).actions),
    ).toEqual(n);
  });
  it('an OPEN, a collision dump and stops', () => {
    expect(notification(run(inState('Established'), open).actions)).toEqual({ code: 5, subcode: 3 });
    expect(notification(run(inState('Established'), { type: 'OpenCollisionDump' }).actions)?.subcode).toBe(7);
    const msg = { code: 6, subcode: 2, data: Uint8Array.of(3, 98, 121, 101) };
    const stop = run(inState('Established'), { type: 'ManualStop', notification: msg });
    expect(notification(stop.actions)).toEqual(msg);
    expect(stop.ctx.enabled).toBe(false);
    expect(started(stop.actions)).toEqual([]);
    expect(run(inState('Established'), { type: 'AutomaticStop', reason: 'max-prefix' }).reason).toBe(
      'max-prefix',
    );
    expect(run(inState('Established'), { type: 'TcpConnectionConfirmed' }).ctx.state).toBe('Established');
  });
});

describe('IdleHold backoff (peer oscillation damping)', () => {
  it('doubles on every failure up to the maximum and resets after a stable session', () => {
    let ctx = inState('OpenSent');
    const holds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = run(ctx, { type: 'HoldTimerExpires' });
      holds.push(...started(r.actions));
      ctx = run(r.ctx, { type: 'IdleHoldTimerExpires' }, { type: 'TcpCrAcked' }).ctx;
    }
    expect(holds).toEqual([
      'idleHold:1',
      'idleHold:2',
      'idleHold:4',
      'idleHold:8',
      'idleHold:16',
      'idleHold:16',
      'idleHold:16',
    ]);
    // A session that stays up for stableTime resets the backoff.
    ctx = run(ctx, open, { type: 'KeepAliveMsg' }, { type: 'StableTimerExpires' }).ctx;
    expect(started(run(ctx, { type: 'NotifMsg' }).actions)).toEqual(['idleHold:1']);
  });
  it('a session that drops before stableTime keeps growing the backoff', () => {
    let ctx = inState('Established');
    ctx = run(ctx, { type: 'NotifMsg' }, { type: 'IdleHoldTimerExpires' }, { type: 'TcpCrAcked' }, open).ctx;
    ctx = run(ctx, { type: 'KeepAliveMsg' }).ctx;
    expect(started(run(ctx, { type: 'NotifMsg' }).actions)).toEqual(['idleHold:2']);
  });
  it('ManualStart resets the backoff', () => {
    let ctx = run(inState('Established'), { type: 'NotifMsg' }).ctx;
    ctx = run(ctx, { type: 'ManualStop' }, { type: 'ManualStart' }).ctx;
    expect(ctx.nextIdleHoldTime).toBe(1);
  });
});

describe('every state: hold expiry and NOTIFICATION received', () => {
  const states: FsmState[] = ['Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];
  it.each(states)(
    '%s: HoldTimerExpires ends in Idle (with Hold Timer Expired once OPEN was sent)',
    (state) => {
      const r = run(inState(state), { type: 'HoldTimerExpires' });
      expect(r.ctx.state).toBe('Idle');
      const sent = notification(r.actions);
      if (state === 'Connect' || state === 'Active') expect(sent).toBeUndefined();
      else expect(sent).toEqual({ code: 4, subcode: 0 });
      expect(types(r.actions)).toContain('disconnect');
      expect(r.ctx.connectRetryCounter).toBe(1);
    },
  );
  it.each(states)('%s: a NOTIFICATION received ends in Idle without answering', (state) => {
    const r = run(inState(state), { type: 'NotifMsg' });
    expect(r.ctx.state).toBe('Idle');
    expect(notification(r.actions)).toBeUndefined();
    expect(types(r.actions)).toEqual(expect.arrayContaining(['disconnect', 'release', 'start-timer']));
  });
});
