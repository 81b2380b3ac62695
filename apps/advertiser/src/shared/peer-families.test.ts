import { describe, expect, it } from 'vitest';
import { peerFamilySettings } from './peer-families.js';

describe('peerFamilySettings', () => {
  it('IPv4 session: both families, router id = the local address, no RFC 8950', () => {
    expect(peerFamilySettings('10.0.1.100')).toEqual({
      families: ['ipv4-unicast', 'ipv6-unicast'],
      routerId: '10.0.1.100',
    });
  });

  it('IPv6 session: both families, RFC 8950 with the local address, router id from its last 32 bits', () => {
    expect(peerFamilySettings('2001:db8:1::a00:164')).toEqual({
      families: ['ipv4-unicast', 'ipv6-unicast'],
      routerId: '10.0.1.100',
      extendedNextHop: '2001:db8:1::a00:164',
    });
  });

  it('returns a fresh families list each time (the speaker keeps it)', () => {
    const a = peerFamilySettings('10.0.1.1');
    a.families.pop();
    expect(peerFamilySettings('10.0.1.1').families).toHaveLength(2);
  });
});
