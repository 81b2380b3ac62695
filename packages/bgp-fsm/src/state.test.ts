import { describe, expect, it } from 'vitest';
import { FakeClock, jitter } from './clock.js';
import { formatStateChange, stateLogName } from './state.js';

describe('state names', () => {
  it('formats states as the advertiser logs them', () => {
    expect(stateLogName('OpenSent')).toBe('BGP_FSM_OPENSENT');
    expect(stateLogName('Established')).toBe('BGP_FSM_ESTABLISHED');
  });
  it('formats a state change exactly', () => {
    expect(formatStateChange({ from: 'Active', to: 'OpenSent', reason: 'new-connection' })).toBe(
      'state changed old=BGP_FSM_ACTIVE new=BGP_FSM_OPENSENT reason=new-connection',
    );
  });
});

describe('FakeClock', () => {
  it('fires timers in order, including ones set by timers, and cancels', () => {
    const clock = new FakeClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => {
      fired.push(`a@${clock.now()}`);
      clock.setTimeout(() => fired.push(`c@${clock.now()}`), 5);
    }, 10);
    const cancelled = clock.setTimeout(() => fired.push('x'), 15);
    clock.clearTimeout(cancelled);
    expect(clock.pending).toBe(2);
    clock.advance(100);
    expect(fired).toEqual(['a@1010', 'c@1015', 'b@1020']);
    expect(clock.now()).toBe(1100);
  });
});

describe('jitter', () => {
  it('scales into [0.75, 1.0] of the value', () => {
    expect(jitter(4, () => 0)).toBe(3);
    expect(jitter(4, () => 1)).toBe(4);
    const v = jitter(10);
    expect(v).toBeGreaterThanOrEqual(7.5);
    expect(v).toBeLessThanOrEqual(10);
  });
});
