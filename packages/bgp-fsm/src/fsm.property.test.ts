import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FsmEvent, type FsmEventType, initialFsmContext, transition } from './fsm.js';

const simple: FsmEventType[] = [
  'ManualStart',
  'AutomaticStart',
  'ManualStop',
  'AutomaticStop',
  'ConnectRetryTimerExpires',
  'HoldTimerExpires',
  'KeepaliveTimerExpires',
  'DelayOpenTimerExpires',
  'IdleHoldTimerExpires',
  'StableTimerExpires',
  'TcpCrAcked',
  'TcpConnectionConfirmed',
  'TcpConnectionFails',
  'OpenCollisionDump',
  'NotifMsgVerErr',
  'NotifMsg',
  'KeepAliveMsg',
  'UpdateMsg',
  'RouteRefreshMsg',
];
const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  fc.constantFrom(...simple).map((type) => ({ type }) as FsmEvent),
  fc.record({
    type: fc.constant('BgpOpen' as const),
    holdTime: fc.constantFrom(0, 3, 90),
    keepaliveTime: fc.constantFrom(0, 1, 30),
  }),
  fc
    .constantFrom('BgpHeaderErr' as const, 'BgpOpenMsgErr' as const, 'UpdateMsgErr' as const)
    .map((type) => ({ type, notification: { code: 1, subcode: 1 } }) as FsmEvent),
);

describe('FSM (property)', () => {
  it('any event sequence keeps the RFC 4271 invariants', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), fc.boolean(), (events, delayOpen) => {
        let ctx = initialFsmContext({ delayOpenTime: delayOpen ? 2 : 0 });
        for (const e of events) {
          const from = ctx.state;
          const r = transition(ctx, e);
          const to = r.context.state;
          const kinds = r.actions.map((a) => a.type);
          // Established only from OpenConfirm on a KEEPALIVE.
          if (to === 'Established' && from !== 'Established') {
            expect(from).toBe('OpenConfirm');
            expect(e.type).toBe('KeepAliveMsg');
            expect(kinds).toContain('established');
          }
          // Every fall back to Idle drops the connection and releases the session's resources.
          if (to === 'Idle' && from !== 'Idle') {
            expect(kinds).toEqual(expect.arrayContaining(['disconnect', 'release']));
            expect(r.context.holdTime).toBe(0);
          }
          // OPEN goes out exactly when entering OpenSent, or with the KEEPALIVE under DelayOpen.
          if (kinds.includes('send-open')) expect(['OpenSent', 'OpenConfirm']).toContain(to);
          // A NOTIFICATION is never sent before our OPEN could have been (no connection yet),
          // except the Cease of a stop while DelayOpen runs.
          if (kinds.includes('send-notification') && (from === 'Connect' || from === 'Active')) {
            expect(ctx.delayOpenRunning || e.type === 'BgpHeaderErr' || e.type === 'BgpOpenMsgErr').toBe(
              true,
            );
          }
          // Negotiated timers only exist in OpenConfirm and Established.
          if (r.context.holdTime > 0) expect(['OpenConfirm', 'Established']).toContain(to);
          expect(r.context.connectRetryCounter).toBeGreaterThanOrEqual(0);
          expect(r.context.nextIdleHoldTime).toBeLessThanOrEqual(r.context.timers.idleHoldMaxTime);
          expect(typeof r.reason).toBe('string');
          ctx = r.context;
        }
      }),
      { numRuns: 500 },
    );
  });
});
