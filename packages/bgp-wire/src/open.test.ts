import { describe, expect, it } from 'vitest';
import { hex, msg } from '../test/hex.js';
import { softwareVersion } from './capabilities.js';
import { decodeMessage, encodeMessage, encodingLength } from './message.js';
import { buildOpen } from './open.js';
import { negotiateSessionOptions, openAsn } from './session.js';
import type { OpenMessage } from './types.js';

function decodeOpen(bytes: Uint8Array): OpenMessage {
  const r = decodeMessage(bytes);
  if (!r.ok) throw new Error(r.error.message);
  if (r.message.type !== 'open') throw new Error('not an OPEN');
  return r.message;
}

function openError(bytes: Uint8Array) {
  const r = decodeMessage(bytes);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

// Version 4, My AS 65001, hold time 180, BGP Identifier 10.0.0.1.
const FIXED = '04 fde9 00b4 0a000001';

describe('OPEN (RFC 4271 §4.2, RFC 5492)', () => {
  it('golden: multiprotocol, route refresh and 4-octet AS, one capability per parameter', () => {
    const bytes = msg(
      1,
      `${FIXED} 14
       02 06 01 04 0001 00 01   # MP: AFI 1, reserved, SAFI 1
       02 02 02 00              # Route Refresh
       02 06 41 04 0000fde9     # 4-octet AS 65001`,
    );
    const open = decodeOpen(bytes);
    expect(open).toEqual({
      type: 'open',
      version: 4,
      myAsn: 65001,
      holdTime: 180,
      bgpId: '10.0.0.1',
      capabilities: [
        { type: 'multiprotocol', afi: 1, safi: 1 },
        { type: 'route-refresh' },
        { type: 'four-octet-as', asn: 65001 },
      ],
    });
    expect(encodeMessage(open)).toEqual(bytes);
    expect(encodingLength(open)).toBe(bytes.length);
    expect(openAsn(open)).toBe(65001);
  });

  it('golden: several capabilities in one parameter keep their grouping', () => {
    const bytes = msg(1, `${FIXED} 0c 02 0a 01 04 0002 00 01 02 00 46 00`);
    const open = decodeOpen(bytes);
    expect(open.capabilities).toEqual([
      { type: 'multiprotocol', afi: 2, safi: 1 },
      { type: 'route-refresh' },
      { type: 'enhanced-route-refresh' },
    ]);
    expect(open.parameterGroups).toEqual([3]);
    expect(encodeMessage(open)).toEqual(bytes);
  });

  it('golden: RFC 9072 extended optional parameters', () => {
    const bytes = msg(1, `${FIXED} ff ff 0009 02 0006 41 04 00030d40`);
    const open = decodeOpen(bytes);
    expect(open.extendedParameters).toBe(true);
    expect(openAsn(open)).toBe(200000);
    expect(encodeMessage(open)).toEqual(bytes);
  });

  it('switches to RFC 9072 on its own when the parameters exceed 255 octets', () => {
    const caps = Array.from({ length: 30 }, (_, i) => ({
      type: 'unknown' as const,
      code: 200,
      data: new Uint8Array(i),
    }));
    const open = buildOpen({ asn: 4200000000, holdTime: 90, bgpId: '192.0.2.1', capabilities: caps });
    expect(open.myAsn).toBe(23456);
    const bytes = encodeMessage(open);
    const back = decodeOpen(bytes);
    expect(back.extendedParameters).toBe(true);
    expect(back.capabilities).toEqual(open.capabilities);
    expect(openAsn(back)).toBe(4200000000);
  });

  it('golden: every modelled capability', () => {
    const bytes = msg(
      1,
      `${FIXED} 51
       02 02 80 00                                  # Route Refresh, pre-standard code 128
       02 08 05 06 0001 0001 0002                   # Extended Next Hop: IPv4 unicast over IPv6
       02 02 06 00                                  # Extended Message
       02 03 09 01 03                               # Role: customer
       02 0c 40 0a 8078 0001 01 80 0002 01 00       # GR: R bit, 120 s, IPv4 fwd, IPv6
       02 06 45 04 0001 01 03                       # ADD-PATH IPv4 unicast both
       02 02 46 00                                  # Enhanced Route Refresh
       02 09 47 07 0001 01 80 000e10                # LLGR: IPv4 unicast, F bit, 3600 s
       02 0b 49 09 04 68 6f 73 74 03 6c 61 62       # FQDN host / lab
       02 06 4b 04 03 46 52 52                      # software version "FRR" (raw)`,
    );
    const open = decodeOpen(bytes);
    expect(open.capabilities).toEqual([
      { type: 'route-refresh', preStandard: true },
      { type: 'extended-next-hop', entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
      { type: 'extended-message' },
      { type: 'role', role: 3 },
      {
        type: 'graceful-restart',
        flags: 8,
        restartTime: 120,
        families: [
          { afi: 1, safi: 1, flags: 0x80 },
          { afi: 2, safi: 1, flags: 0 },
        ],
      },
      { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] },
      { type: 'enhanced-route-refresh' },
      { type: 'long-lived-graceful-restart', families: [{ afi: 1, safi: 1, flags: 0x80, staleTime: 3600 }] },
      { type: 'fqdn', hostname: 'host', domainName: 'lab' },
      { type: 'unknown', code: 75, data: hex('03465252') },
    ]);
    expect(encodeMessage(open)).toEqual(bytes);
  });
});

describe('OPEN errors', () => {
  it('version other than 4 is 2/1 with the supported version as data', () => {
    expect(openError(msg(1, '03 fde9 00b4 0a000001 00')).notification).toEqual({
      code: 2,
      subcode: 1,
      data: hex('0004'),
    });
  });
  it('AS 0 is Bad Peer AS', () => {
    expect(openError(msg(1, '04 0000 00b4 0a000001 00')).notification.subcode).toBe(2);
  });
  it('hold time 1 or 2 is Unacceptable Hold Time', () => {
    expect(openError(msg(1, '04 fde9 0002 0a000001 00')).notification.subcode).toBe(6);
  });
  it('BGP Identifier 0.0.0.0 is Bad BGP Identifier', () => {
    expect(openError(msg(1, '04 fde9 00b4 00000000 00')).notification.subcode).toBe(3);
  });
  it('optional parameters length running past the message', () => {
    expect(openError(msg(1, `${FIXED} 08 02 02 02 00`)).notification).toMatchObject({ code: 2, subcode: 0 });
  });
  it('optional parameters length shorter than the message', () => {
    expect(openError(msg(1, `${FIXED} 02 02 02 02 00`)).notification).toMatchObject({ code: 2, subcode: 0 });
  });
  it('message ending right after the RFC 9072 marker', () => {
    expect(openError(msg(1, `${FIXED} ff ff`)).message).toMatch(
      /extended optional parameters length is truncated/,
    );
  });
  it('RFC 9072 extended parameter length running past the message', () => {
    expect(openError(msg(1, `${FIXED} ff ff 0006 02 0009 41 04 00030d40`)).notification.code).toBe(2);
    expect(openError(msg(1, `${FIXED} ff ff 0002 02 00`)).message).toMatch(/header is truncated/);
  });
  it('parameter length running past the message', () => {
    expect(openError(msg(1, `${FIXED} 04 02 05 02 00`)).message).toMatch(/runs past the message/);
  });
  it('a capability whose length runs past its parameter', () => {
    const e = openError(msg(1, `${FIXED} 0a 02 04 41 04 0000 02 02 02 00`));
    expect(e.message).toMatch(/capability 65 length 4 runs past its parameter/);
  });
  it('a capability header cut by its parameter', () => {
    expect(openError(msg(1, `${FIXED} 03 02 01 41`)).message).toMatch(/capability header runs past/);
  });
  it('unsupported optional parameter type is 2/4', () => {
    expect(openError(msg(1, `${FIXED} 03 01 01 00`)).notification).toEqual({
      code: 2,
      subcode: 4,
      data: hex('010100'),
    });
  });
  it.each([
    ['multiprotocol', '01 03 000101'],
    ['route refresh', '02 01 00'],
    ['pre-standard route refresh', '80 01 00'],
    ['extended message', '06 01 00'],
    ['role', '09 02 0000'],
    ['4-octet AS', '41 02 fde9'],
    ['enhanced route refresh', '46 01 00'],
    ['graceful restart', '40 03 007800'],
    ['add-path', '45 03 000101'],
    ['extended next hop', '05 04 00010001'],
    ['long-lived GR', '47 06 000101800e10'],
    ['FQDN hostname length beyond the data', '49 03 05 6868'],
    ['FQDN domain length beyond the data', '49 04 01 68 05 64'],
    ['FQDN empty', '49 00'],
  ])('fixed-size or malformed capability: %s', (_name, cap) => {
    const capBytes = hex(cap);
    const e = openError(
      msg(
        1,
        `${FIXED} ${(capBytes.length + 2).toString(16).padStart(2, '0')} 02 ${capBytes.length.toString(16).padStart(2, '0')} ${cap}`,
      ),
    );
    expect(e.notification.code).toBe(2);
    expect(e.notification.data).toEqual(capBytes);
  });
  it('ADD-PATH Send/Receive 0 (FRR disable-addpath-rx) or over 3 is "none", not an error', () => {
    const open = decodeOpen(msg(1, `${FIXED} 0c 02 0a 45 08 0001 01 00 0002 01 07`));
    expect(open.capabilities).toEqual([
      {
        type: 'add-path',
        families: [
          { afi: 1, safi: 1, mode: 'none' },
          { afi: 2, safi: 1, mode: 'none', value: 7 },
        ],
      },
    ]);
    expect(encodeMessage(open)).toEqual(msg(1, `${FIXED} 0c 02 0a 45 08 0001 01 00 0002 01 07`));
    const peer: OpenMessage = {
      ...open,
      capabilities: [{ type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] }],
    };
    const s = negotiateSessionOptions(peer, open);
    expect([...s.addPathReceive, ...s.addPathSend]).toEqual([]);
  });
  it('software version (75) and paths-limit (76) stay raw; a version length beyond the data never reads past it', () => {
    const open = decodeOpen(
      msg(
        1,
        `${FIXED} 24
         02 0a 4b 08 07 46 52 52 2f 38 2e 34          # version with its length octet: "FRR/8.4"
         02 07 4b 05 42 49 52 44 32                   # version without it: "BIRD2"
         02 05 4b 03 09 41 42                         # length 9 but only 2 octets follow
         02 06 4c 04 0001 01 08                       # paths-limit`,
      ),
    );
    expect(open.capabilities.map(softwareVersion)).toEqual(['FRR/8.4', 'BIRD2', undefined, undefined]);
    expect(open.capabilities[2]).toEqual({ type: 'unknown', code: 75, data: hex('09 41 42') });
    expect(open.capabilities[3]).toEqual({ type: 'unknown', code: 76, data: hex('0001 01 08') });
    expect(softwareVersion({ type: 'route-refresh' })).toBeUndefined();
    expect(softwareVersion({ type: 'unknown', code: 75, data: new Uint8Array(0) })).toBeUndefined();
  });
  it('4-octet AS capability with AS 0 is Bad Peer AS', () => {
    expect(openError(msg(1, `${FIXED} 08 02 06 41 04 00000000`)).notification.subcode).toBe(2);
  });
  it('a fixed-size capability never reads into the next one', () => {
    // 4-octet AS claims 2 octets; the next capability must not be taken as its value.
    const e = openError(msg(1, `${FIXED} 08 02 06 41 02 fde9 02 00`));
    expect(e.message).toMatch(/4-octet AS must be 4 octets, got 2/);
  });
});

describe('negotiateSessionOptions', () => {
  const base = { type: 'open', version: 4, myAsn: 65001, holdTime: 90, bgpId: '10.0.0.1' } as const;
  it('ADD-PATH is per direction; 4-octet AS and extended message need both sides', () => {
    const local: OpenMessage = {
      ...base,
      capabilities: [
        { type: 'four-octet-as', asn: 65001 },
        { type: 'extended-message' },
        {
          type: 'add-path',
          families: [
            { afi: 1, safi: 1, mode: 'send' },
            { afi: 2, safi: 1, mode: 'both' },
          ],
        },
      ],
    };
    const remote: OpenMessage = {
      ...base,
      capabilities: [
        { type: 'four-octet-as', asn: 65002 },
        {
          type: 'add-path',
          families: [
            { afi: 1, safi: 1, mode: 'both' },
            { afi: 2, safi: 1, mode: 'receive' },
          ],
        },
      ],
    };
    const s = negotiateSessionOptions(local, remote);
    expect(s.fourOctetAs).toBe(true);
    expect(s.extendedMessage).toBe(false);
    expect([...s.addPathSend].sort()).toEqual(['1/1', '2/1']);
    expect([...s.addPathReceive]).toEqual([]);
    const reverse = negotiateSessionOptions(remote, local);
    expect([...reverse.addPathReceive].sort()).toEqual(['1/1', '2/1']);
    expect([...reverse.addPathSend]).toEqual([]);
  });
});
