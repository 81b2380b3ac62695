import type { OpenMessage } from '@bgplb/bgp-wire';
import { describe, expect, it } from 'vitest';
import { buildLocalOpen, type NegotiatedSession, negotiate, type OpenRejection } from './negotiate.js';

const local = buildLocalOpen({
  asn: 4200000001,
  routerId: '10.0.0.1',
  holdTime: 90,
  families: ['ipv4-unicast', 'ipv6-unicast'],
  addPath: true,
  extendedMessage: true,
  gracefulRestart: { restartTime: 5000, restarting: true },
});

function remote(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAsn: 65002,
    holdTime: 30,
    bgpId: '10.0.0.2',
    capabilities: [
      { type: 'multiprotocol', afi: 1, safi: 1 },
      { type: 'route-refresh' },
      { type: 'four-octet-as', asn: 65002 },
      { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'receive' }] },
      { type: 'graceful-restart', flags: 8, restartTime: 120, families: [{ afi: 1, safi: 1, flags: 0x80 }] },
    ],
    ...over,
  };
}

const expect65002 = { peerAsn: 65002, localAsn: 4200000001, localRouterId: '10.0.0.1' };
const rejection = (r: NegotiatedSession | OpenRejection) => ('message' in r ? r : undefined);

describe('buildLocalOpen', () => {
  it('puts AS_TRANS in the 2-octet field and caps the GR restart time at 4095', () => {
    expect(local.myAsn).toBe(23456);
    const gr = local.capabilities.find((c) => c.type === 'graceful-restart');
    expect(gr).toMatchObject({ flags: 8, restartTime: 4095 });
    expect(local.capabilities.find((c) => c.type === 'add-path')).toMatchObject({
      families: [
        { afi: 1, safi: 1, mode: 'both' },
        { afi: 2, safi: 1, mode: 'both' },
      ],
    });
  });
});

describe('negotiate', () => {
  it('agrees on hold, keepalive, families, ADD-PATH per direction and GR', () => {
    const n = negotiate(local, remote(), expect65002) as NegotiatedSession;
    expect(n).toMatchObject({
      peerAsn: 65002,
      holdTime: 30,
      keepaliveTime: 10,
      fourOctetAs: true,
      extendedMessage: false,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      families: ['1/1'],
      addPathSend: true,
      addPathReceive: false,
      gracefulRestart: {
        restartTime: 120,
        restarting: true,
        families: [{ family: '1/1', forwardingPreserved: true }],
      },
    });
    const k = negotiate(local, remote(), { ...expect65002, keepaliveTime: 3 }) as NegotiatedSession;
    expect(k.keepaliveTime).toBe(3);
    const zero = negotiate(local, remote({ holdTime: 0 }), expect65002) as NegotiatedSession;
    expect(zero).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
  });
  it('without Multiprotocol the peer carries IPv4 unicast only', () => {
    const n = negotiate(local, remote({ capabilities: [] }), expect65002) as NegotiatedSession;
    expect(n.families).toEqual(['1/1']);
    expect(n.fourOctetAs).toBe(false);
  });
  it('refuses each bad OPEN with the right subcode', () => {
    expect(rejection(negotiate(local, remote({ version: 3 }), expect65002))).toMatchObject({
      code: 2,
      subcode: 1,
      data: Uint8Array.of(0, 4),
    });
    expect(rejection(negotiate(local, remote(), { ...expect65002, peerAsn: 65003 }))).toMatchObject({
      subcode: 2,
    });
    expect(rejection(negotiate(local, remote({ myAsn: 65009 }), expect65002))).toMatchObject({ subcode: 2 });
    expect(
      rejection(
        negotiate(local, remote({ myAsn: 23456, capabilities: [] }), { ...expect65002, peerAsn: 23456 }),
      ),
    ).toBeUndefined();
    expect(rejection(negotiate(local, remote({ bgpId: '0.0.0.0' }), expect65002))).toMatchObject({
      subcode: 3,
    });
    expect(
      rejection(
        negotiate(
          local,
          remote({
            bgpId: '10.0.0.1',
            myAsn: 23456,
            capabilities: [{ type: 'four-octet-as', asn: 4200000001 }],
          }),
          {
            ...expect65002,
            peerAsn: 4200000001,
          },
        ),
      ),
    ).toMatchObject({ subcode: 3 });
    // The same identifier is fine between different ASes (RFC 6286).
    expect(rejection(negotiate(local, remote({ bgpId: '10.0.0.1' }), expect65002))).toBeUndefined();
    for (const holdTime of [1, 2]) {
      expect(rejection(negotiate(local, remote({ holdTime }), expect65002))).toMatchObject({
        subcode: 6,
        message: `unacceptable hold time ${holdTime} s (must be 0 or at least 3)`,
      });
    }
  });
  it('AS_TRANS without the 4-octet capability is a bad peer AS', () => {
    const r = negotiate(local, remote({ myAsn: 23456, capabilities: [] }), {
      ...expect65002,
      peerAsn: 23456 + 1,
    });
    expect(rejection(r)).toMatchObject({ subcode: 2 });
  });
});
