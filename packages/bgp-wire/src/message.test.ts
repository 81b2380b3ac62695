import { describe, expect, it } from 'vitest';
import { hex, MARKER, msg, toHex } from '../test/hex.js';
import { decodeMessage, encodeKeepalive, encodeMessage, encodingLength } from './message.js';
import { DEFAULT_SESSION_OPTIONS } from './session.js';
import type { BgpMessage } from './types.js';

function ok(bytes: Uint8Array, options = DEFAULT_SESSION_OPTIONS): BgpMessage {
  const r = decodeMessage(bytes, options);
  if (!r.ok) throw new Error(r.error.message);
  return r.message;
}

describe('KEEPALIVE (RFC 4271 §4.4)', () => {
  it('is the marker, length 19 and type 4', () => {
    expect(toHex(encodeKeepalive())).toBe(`${MARKER}001304`);
    expect(ok(hex(`${MARKER}001304`))).toEqual({ type: 'keepalive' });
    expect(encodingLength({ type: 'keepalive' })).toBe(19);
  });
  it('with a body is Bad Message Length', () => {
    const r = decodeMessage(msg(4, '00'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.notification).toEqual({ code: 1, subcode: 2, data: hex('0014') });
  });
});

describe('NOTIFICATION (RFC 4271 §4.5)', () => {
  it('decodes and encodes code, subcode and data', () => {
    const bytes = msg(3, '0602 05 68656c6c6f');
    const m = ok(bytes);
    expect(m).toEqual({ type: 'notification', code: 6, subcode: 2, data: hex('0568656c6c6f') });
    expect(encodeMessage(m)).toEqual(bytes);
    expect(encodingLength(m)).toBe(bytes.length);
  });
  it('below 21 octets is Bad Message Length', () => {
    const r = decodeMessage(msg(3, '06'));
    expect(!r.ok && r.error.notification).toEqual({ code: 1, subcode: 2, data: hex('0014') });
  });
});

describe('ROUTE-REFRESH (RFC 2918, RFC 7313)', () => {
  it('decodes a request, BoRR and EoRR', () => {
    for (const subtype of [0, 1, 2]) {
      const bytes = msg(5, `0001 0${subtype} 01`);
      const m = ok(bytes);
      expect(m).toEqual({ type: 'route-refresh', afi: 1, safi: 1, subtype });
      expect(encodeMessage(m)).toEqual(bytes);
      expect(encodingLength(m)).toBe(23);
    }
  });
  it('keeps ORF data after a request', () => {
    const bytes = msg(5, '0002 00 01 0102');
    const m = ok(bytes);
    expect(m).toEqual({ type: 'route-refresh', afi: 2, safi: 1, subtype: 0, data: hex('0102') });
    expect(encodeMessage(m)).toEqual(bytes);
  });
  it('rejects a BoRR that is not 23 octets with 7/1 and the message as data', () => {
    const bytes = msg(5, '0001 01 01 00');
    const r = decodeMessage(bytes);
    expect(!r.ok && r.error.notification).toEqual({ code: 7, subcode: 1, data: bytes });
  });
});

describe('decodeMessage', () => {
  it('rejects fewer than 19 octets and a length past the bytes', () => {
    const short = decodeMessage(hex(MARKER));
    expect(!short.ok && short.error.notification.subcode).toBe(2);
    const cut = decodeMessage(msg(3, '0602', 30));
    expect(!cut.ok && cut.error.notification).toEqual({ code: 1, subcode: 2, data: hex('001e') });
  });
});

describe('encodeMessage refuses values it would have to truncate', () => {
  const open = {
    type: 'open',
    version: 4,
    myAsn: 65001,
    holdTime: 90,
    bgpId: '10.0.0.1',
    capabilities: [],
  } as const;
  it.each([
    ['hold time', { ...open, holdTime: 70000 }],
    ['version', { ...open, version: 256 }],
    ['myAsn', { ...open, myAsn: 70000 }],
    ['bgpId', { ...open, bgpId: '10.0.0' }],
    ['capability AFI', { ...open, capabilities: [{ type: 'multiprotocol', afi: 70000, safi: 1 }] }],
    [
      'restart time',
      { ...open, capabilities: [{ type: 'graceful-restart', flags: 0, restartTime: 5000, families: [] }] },
    ],
    ['4-octet AS', { ...open, capabilities: [{ type: 'four-octet-as', asn: -1 }] }],
    [
      'stale time',
      {
        ...open,
        capabilities: [
          {
            type: 'long-lived-graceful-restart',
            families: [{ afi: 1, safi: 1, flags: 0, staleTime: 2 ** 24 }],
          },
        ],
      },
    ],
    ['NOTIFICATION code', { type: 'notification', code: 256, subcode: 0, data: new Uint8Array(0) }],
    ['ROUTE-REFRESH AFI', { type: 'route-refresh', afi: 65536, safi: 1, subtype: 0 }],
    [
      'MP_REACH SAFI',
      {
        type: 'update',
        withdrawn: [],
        nlri: [],
        attributes: [{ type: 'mp-reach', afi: 2, safi: 300, nextHops: ['2001:db8::1'], nlri: [] }],
      },
    ],
    [
      'IPv4 next hop for IPv6',
      {
        type: 'update',
        withdrawn: [],
        nlri: [],
        attributes: [{ type: 'mp-reach', afi: 2, safi: 1, nextHops: ['10.0.0.1'], nlri: [] }],
      },
    ],
    [
      'attribute flags',
      {
        type: 'update',
        withdrawn: [],
        nlri: [],
        attributes: [{ type: 'unknown', code: 99, flags: 300, data: new Uint8Array(1) }],
      },
    ],
    ['MED', { type: 'update', withdrawn: [], nlri: [], attributes: [{ type: 'med', med: 2 ** 32 }] }],
    [
      'community',
      { type: 'update', withdrawn: [], nlri: [], attributes: [{ type: 'communities', communities: [-1] }] },
    ],
  ] as [string, BgpMessage][])('%s', (_name, m) => {
    expect(() => encodeMessage(m)).toThrow(/must be|does not fit|not a dotted quad|are not 4/);
  });
});
