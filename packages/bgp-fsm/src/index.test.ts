import { describe, expect, it } from 'vitest';
import { keepaliveMessage, stateLogName } from './index.js';

describe('stateLogName', () => {
  it('formats states as the advertiser logs them', () => {
    expect(stateLogName('OpenSent')).toBe('BGP_FSM_OPENSENT');
    expect(stateLogName('Established')).toBe('BGP_FSM_ESTABLISHED');
  });
  it('uses bgp-wire for keepalives', () => {
    expect(keepaliveMessage().length).toBe(19);
  });
});
