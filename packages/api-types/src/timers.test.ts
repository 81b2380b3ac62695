import { describe, expect, it } from 'vitest';
import { resolveTimers, timerProblems } from './timers.js';

describe('resolveTimers', () => {
  it('uses the documented defaults (hold 90, connect retry 5) and a third of the hold time for keepalives', () => {
    expect(resolveTimers()).toEqual({ holdTime: 90, keepaliveTime: 30, connectRetryTime: 5 });
    expect(resolveTimers({ holdTime: 9 })).toEqual({ holdTime: 9, keepaliveTime: 3, connectRetryTime: 5 });
    expect(resolveTimers({ holdTime: 3 })).toEqual({ holdTime: 3, keepaliveTime: 1, connectRetryTime: 5 });
    expect(resolveTimers({ holdTime: 240, connectRetryTime: 7 }, undefined, { keepaliveTime: 60 })).toEqual({
      holdTime: 240,
      keepaliveTime: 60,
      connectRetryTime: 7,
    });
  });

  it('checks only timers that were written', () => {
    expect(timerProblems(['spec'], {}, resolveTimers())).toEqual([]);
    expect(timerProblems(['spec'], { holdTime: 30 }, resolveTimers({ holdTime: 30 }))).toEqual([]);
    const own = { holdTime: 30, keepaliveTime: 30 };
    expect(timerProblems(['spec'], own, resolveTimers(own), 'BGPPeer/p')[0]).toMatchObject({
      path: 'spec.keepaliveTime',
      severity: 'error',
      object: 'BGPPeer/p',
    });
  });

  it('blames the hold time when only the hold time was written', () => {
    const own = { holdTime: 20 };
    const resolved = resolveTimers({ keepaliveTime: 30 }, own);
    expect(timerProblems([], own, resolved)[0]?.path).toBe('holdTime');
  });
});
