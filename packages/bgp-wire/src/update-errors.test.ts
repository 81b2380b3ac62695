/**
 * RFC 7606 bad-input list (issue #3): one test at least for each case, checking the NOTIFICATION
 * code/subcode and the handling level.
 */
import { describe, expect, it } from 'vitest';
import { hex, msg, update } from '../test/hex.js';
import type { BgpWireError } from './errors.js';
import { decodeMessage } from './message.js';
import { decodeShutdownCommunication, encodeShutdownCommunication } from './notification.js';
import { DEFAULT_SESSION_OPTIONS, type SessionOptions } from './session.js';
import type { UpdateMessage } from './types.js';
import { decodeUpdateBulk } from './update-bulk.js';
import { getAttribute, isEndOfRib } from './update-helpers.js';

const TWO: SessionOptions = DEFAULT_SESSION_OPTIONS;
const FOUR: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, fourOctetAs: true };
const EBGP: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, ebgp: true };
const ADD_PATH: SessionOptions = { ...FOUR, addPathReceive: new Set(['1/1', '2/1']) };

const ORIGIN = '40 01 01 00';
const AS_PATH = '40 02 04 02 01 fde9';
const NEXT_HOP = '40 03 04 0a00010a';
const MANDATORY = `${ORIGIN} ${AS_PATH} ${NEXT_HOP}`;

function fail(bytes: Uint8Array, options = TWO): BgpWireError {
  const r = decodeMessage(bytes, options);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}
function okWarnings(
  bytes: Uint8Array,
  options = TWO,
): { message: UpdateMessage; warnings: readonly BgpWireError[] } {
  const r = decodeMessage(bytes, options);
  if (!r.ok || r.message.type !== 'update') throw new Error(r.ok ? 'not an UPDATE' : r.error.message);
  return { message: r.message, warnings: r.warnings };
}
function expectError(e: BgpWireError, action: BgpWireError['action'], code: number, subcode: number): void {
  expect({ action: e.action, code: e.notification.code, subcode: e.notification.subcode }).toEqual({
    action,
    code,
    subcode,
  });
}

describe('1. withdrawn / total attribute length inconsistent', () => {
  it('withdrawn routes length larger than the message', () => {
    const bytes = update('', '', '');
    bytes[20] = 9;
    expectError(fail(bytes), 'session-reset', 3, 1);
  });
  it('total path attribute length larger than the message', () => {
    const bytes = update('', ORIGIN, '');
    bytes[22] = 5;
    expectError(fail(bytes), 'session-reset', 3, 1);
  });
  it('withdrawn routes length smaller than its first prefix', () => {
    // Length 1 but the /24 needs 4 octets: the prefix would run into the attribute length.
    const bytes = msg(2, '0001 18 0000');
    expectError(fail(bytes), 'session-reset', 3, 10);
  });
  it('total path attribute length smaller than its first attribute (16-bit wrap)', () => {
    const e = fail(msg(2, '0000 0002 4001 18 0a0001'));
    expectError(e, 'treat-as-withdraw', 3, 1);
    expect(e.withdraw).toEqual([{ afi: 1, safi: 1, prefix: '10.0.1.0/24' }]);
    // When the bytes after the attributes are not valid NLRI either, the session is reset.
    expectError(fail(msg(2, `0000 0002 ${MANDATORY} 18 0a0001`)), 'session-reset', 3, 10);
  });
});

describe('2-4. missing mandatory attributes are treat-as-withdraw', () => {
  it('total path attribute length 0 while NLRI is present', () => {
    const e = fail(update('', '', '18 0a0001'));
    expectError(e, 'treat-as-withdraw', 3, 3);
    expect(e.notification.data).toEqual(hex('01'));
    expect(e.withdraw).toEqual([{ afi: 1, safi: 1, prefix: '10.0.1.0/24' }]);
  });
  it('NLRI with only an unknown transitive attribute', () => {
    const e = fail(update('', 'c0 63 01 00', '18 0a0001 18 0a0002'));
    expectError(e, 'treat-as-withdraw', 3, 3);
    expect(e.withdraw?.map((r) => r.prefix)).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
  });
  it('missing NEXT_HOP with NLRI; not required for MP_REACH only', () => {
    expect(fail(update('', `${ORIGIN} ${AS_PATH}`, '18 0a0001')).notification.data).toEqual(hex('03'));
    const mpOnly = update('', `${ORIGIN} ${AS_PATH} 80 0e 0d 0001 01 04 0a000001 00 18 0a0001`, '');
    expect(decodeMessage(mpOnly).ok).toBe(true);
  });
  it('MP_UNREACH followed by trailing NLRI without the mandatory attributes', () => {
    const e = fail(update('', '80 0f 0a 0002 01 30 20010db80001', '18 0a0001'));
    expectError(e, 'treat-as-withdraw', 3, 3);
    expect(e.withdraw).toEqual([
      { afi: 2, safi: 1, prefix: '2001:db8:1::/48' },
      { afi: 1, safi: 1, prefix: '10.0.1.0/24' },
    ]);
  });
  it('an End-of-RIB mixed with a malformed attribute is not an End-of-RIB', () => {
    const e = fail(update('', '80 0f 03 0002 01 40 01 02 0000', ''));
    expectError(e, 'treat-as-withdraw', 3, 5);
    expect(e.withdraw).toEqual([]);
    const bad = update('', '80 0f 03 0002 01 40 01 02 0000', '');
    expect(decodeMessage(bad).ok).toBe(false);
  });
  it('an UPDATE with only withdrawals needs no attributes', () => {
    const r = decodeMessage(update('18 0a0001', '', ''));
    expect(r.ok && r.message.type === 'update' && isEndOfRib(r.message)).toBe(undefined);
  });
});

describe('5. attribute header truncated or length past the end', () => {
  it('fewer than 3 octets left', () => {
    expectError(fail(update('', `${MANDATORY} 40 05`, '18 0a0001')), 'treat-as-withdraw', 3, 1);
  });
  it('fewer than 4 octets left with extended length', () => {
    expectError(fail(update('', `${MANDATORY} 50 05 00`, '18 0a0001')), 'treat-as-withdraw', 3, 1);
  });
  it('attribute length beyond the remaining octets', () => {
    const e = fail(update('', `${MANDATORY} 80 04 08 00000064`, '18 0a0001'));
    expectError(e, 'treat-as-withdraw', 3, 1);
    expect(e.withdraw).toEqual([{ afi: 1, safi: 1, prefix: '10.0.1.0/24' }]);
  });
});

describe('6. wrong flags', () => {
  it('ORIGIN marked optional is an Attribute Flags Error, treat-as-withdraw, data = the attribute', () => {
    const e = fail(update('', `c0 01 01 00 ${AS_PATH} ${NEXT_HOP}`, '18 0a0001'));
    expectError(e, 'treat-as-withdraw', 3, 4);
    expect(e.notification.data).toEqual(hex('c0 01 01 00'));
  });
  it('AGGREGATOR marked non-transitive is discarded', () => {
    const { message, warnings } = okWarnings(update('', `${MANDATORY} 80 07 06 fde9 0a000001`, '18 0a0001'));
    expect(getAttribute(message.attributes, 'aggregator')).toBeUndefined();
    expectError(warnings[0]!, 'attribute-discard', 3, 4);
  });
  it('MP_REACH_NLRI marked transitive resets the session', () => {
    expectError(
      fail(update('', `${MANDATORY} c0 0e 0d 0001 01 04 0a000001 00 18 0a0001`, '')),
      'session-reset',
      3,
      4,
    );
  });
});

describe('7. duplicate attributes', () => {
  it('a duplicate MP_REACH_NLRI resets the session', () => {
    const mp = '80 0e 0d 0001 01 04 0a000001 00 18 0a0001';
    expectError(fail(update('', `${ORIGIN} ${AS_PATH} ${mp} ${mp}`, '')), 'session-reset', 3, 1);
  });
  it('a duplicate MP_UNREACH_NLRI resets the session', () => {
    expectError(fail(update('', '80 0f 03 0002 01 80 0f 03 0002 01', '')), 'session-reset', 3, 1);
  });
  it('any other duplicate is discarded, keeping the first', () => {
    const { message, warnings } = okWarnings(
      update('', `${MANDATORY} 80 04 04 00000001 80 04 04 00000002`, '18 0a0001'),
    );
    expect(getAttribute(message.attributes, 'med')?.med).toBe(1);
    expect(message.attributes.filter((a) => a.type === 'med')).toHaveLength(1);
    expect(warnings.map((w) => w.action)).toEqual(['attribute-discard']);
  });
});

describe('8. next hops', () => {
  it('NEXT_HOP of length 5', () => {
    expectError(
      fail(update('', `${ORIGIN} ${AS_PATH} 40 03 05 0a00010a00`, '18 0a0001')),
      'treat-as-withdraw',
      3,
      5,
    );
  });
  it('NEXT_HOP 0.0.0.0 or multicast is Invalid NEXT_HOP', () => {
    expectError(
      fail(update('', `${ORIGIN} ${AS_PATH} 40 03 04 00000000`, '18 0a0001')),
      'treat-as-withdraw',
      3,
      8,
    );
    expectError(
      fail(update('', `${ORIGIN} ${AS_PATH} 40 03 04 e0000001`, '18 0a0001')),
      'treat-as-withdraw',
      3,
      8,
    );
  });
  it('a bad NEXT_HOP in an UPDATE whose only NLRI is in MP_REACH is discarded (RFC 4760 §3)', () => {
    const { message, warnings } = okWarnings(
      update('', `${ORIGIN} ${AS_PATH} 40 03 04 00000000 80 0e 0d 0001 01 04 0a000001 00 18 0a0001`, ''),
    );
    expect(message.attributes.map((a) => a.type)).toEqual(['origin', 'as-path', 'mp-reach']);
    expectError(warnings[0]!, 'attribute-discard', 3, 8);
  });
  it('MP_REACH next-hop length invalid for its AFI disables the family', () => {
    const e = fail(update('', `${ORIGIN} ${AS_PATH} 80 0e 0d 0002 01 04 0a000001 00 18 0a0001`, ''));
    expectError(e, 'afi-safi-disable', 3, 9);
    expect(e.family).toBe('2/1');
  });
  it('MP_REACH next hop running past the attribute', () => {
    expect(fail(update('', `${ORIGIN} ${AS_PATH} 80 0e 06 0002 01 10 0000`, '')).family).toBe('2/1');
  });
  it('MP_REACH or MP_UNREACH too short to name a family resets the session', () => {
    expectError(fail(update('', `${ORIGIN} ${AS_PATH} 80 0e 03 0002 01`, '')), 'session-reset', 3, 9);
    expectError(fail(update('', '80 0f 02 0002', '')), 'session-reset', 3, 9);
  });
});

describe('9. AS_PATH and AS4_PATH', () => {
  it.each([
    ['a segment longer than the data', '40 02 04 02 02 fde9'],
    ['a zero-length segment', '40 02 02 02 00'],
    ['an unknown segment type', '40 02 04 05 01 fde9'],
    ['a truncated segment header', '40 02 01 02'],
  ])('%s is Malformed AS_PATH, treat-as-withdraw', (_name, asPath) => {
    expectError(fail(update('', `${ORIGIN} ${asPath} ${NEXT_HOP}`, '18 0a0001')), 'treat-as-withdraw', 3, 11);
  });
  it('an AS4_PATH before AS_PATH is discarded', () => {
    const { message, warnings } = okWarnings(
      update('', `${ORIGIN} c0 11 06 02 01 00030d40 ${AS_PATH} ${NEXT_HOP}`, '18 0a0001'),
    );
    expect(getAttribute(message.attributes, 'as4-path')).toBeUndefined();
    expectError(warnings[0]!, 'attribute-discard', 3, 9);
  });
  it('a malformed AS4_PATH is discarded', () => {
    const { message, warnings } = okWarnings(update('', `${MANDATORY} c0 11 04 02 02 0003`, '18 0a0001'));
    expect(getAttribute(message.attributes, 'as4-path')).toBeUndefined();
    expect(warnings[0]?.action).toBe('attribute-discard');
  });
  it('AS4_PATH and AS4_AGGREGATOR on a 4-octet session are discarded', () => {
    const bytes = update(
      '',
      `${ORIGIN} 40 02 06 02 01 0000fde9 ${NEXT_HOP} c0 11 06 02 01 00030d40 c0 12 08 00030d40 0a000001`,
      '18 0a0001',
    );
    const { message, warnings } = okWarnings(bytes, FOUR);
    expect(message.attributes.map((a) => a.type)).toEqual(['origin', 'as-path', 'next-hop']);
    expect(warnings).toHaveLength(2);
  });
  it('an empty AS_PATH from an eBGP peer is treat-as-withdraw (fine from iBGP)', () => {
    const bytes = update('', `${ORIGIN} 40 02 00 ${NEXT_HOP}`, '18 0a0001');
    expectError(fail(bytes, EBGP), 'treat-as-withdraw', 3, 11);
    expect(decodeMessage(bytes, TWO).ok).toBe(true);
  });
  it('with peerAsn, an eBGP AS_PATH must start with the peer AS (AS_TRANS for a 4-octet peer on a 2-octet session)', () => {
    const bytes = update('', MANDATORY, '18 0a0001'); // AS_PATH 65001
    expect(decodeMessage(bytes, { ...EBGP, peerAsn: 65001 }).ok).toBe(true);
    expectError(fail(bytes, { ...EBGP, peerAsn: 65002 }), 'treat-as-withdraw', 3, 11);
    const trans = update('', `${ORIGIN} 40 02 04 02 01 5ba0 ${NEXT_HOP}`, '18 0a0001');
    expect(decodeMessage(trans, { ...EBGP, peerAsn: 4200000000 }).ok).toBe(true);
    const set = update('', `${ORIGIN} 40 02 04 01 01 fde9 ${NEXT_HOP}`, '18 0a0001');
    expectError(fail(set, { ...EBGP, peerAsn: 65001 }), 'treat-as-withdraw', 3, 11);
  });
  it('confederation segments from an eBGP peer are treat-as-withdraw', () => {
    const bytes = update('', `${ORIGIN} 40 02 04 03 01 0064 ${NEXT_HOP}`, '18 0a0001');
    expectError(fail(bytes, EBGP), 'treat-as-withdraw', 3, 11);
  });
});

describe('10-12. attribute lengths', () => {
  it('AGGREGATOR of the wrong length is discarded (2- and 4-octet sessions)', () => {
    const { message, warnings } = okWarnings(
      update('', `${MANDATORY} c0 07 08 0000fde9 0a000001`, '18 0a0001'),
      TWO,
    );
    expect(getAttribute(message.attributes, 'aggregator')).toBeUndefined();
    expectError(warnings[0]!, 'attribute-discard', 3, 5);
    const four = update(
      '',
      `${ORIGIN} 40 02 06 02 01 0000fde9 ${NEXT_HOP} c0 07 06 fde9 0a000001`,
      '18 0a0001',
    );
    expect(okWarnings(four, FOUR).warnings[0]?.action).toBe('attribute-discard');
  });
  it.each([
    ['COMMUNITIES not a multiple of 4', 'c0 08 05 fde90064 01'],
    ['COMMUNITIES empty', 'c0 08 00'],
    ['LARGE_COMMUNITY not a multiple of 12', 'c0 20 0d 0000fde9 00000001 00000002 00'],
    ['EXTENDED_COMMUNITIES not a multiple of 8', 'c0 10 09 0002fde900000064 00'],
    ['ORIGINATOR_ID of length 0', '80 09 00'],
    ['ORIGINATOR_ID of length 5', '80 09 05 0a00000200'],
    ['CLUSTER_LIST of length 0', '80 0a 00'],
    ['CLUSTER_LIST of length 6', '80 0a 06 0a0000030a00'],
    ['MED of length 3', '80 04 03 000064'],
    ['LOCAL_PREF of length 2', '40 05 02 0064'],
    ['OTC of length 2', 'c0 23 02 fde9'],
  ])('%s is an Attribute Length Error, treat-as-withdraw', (_name, attr) => {
    const e = fail(update('', `${MANDATORY} ${attr}`, '18 0a0001'));
    expectError(e, 'treat-as-withdraw', 3, 5);
    expect(e.notification.data).toEqual(hex(attr));
  });
  it('ORIGIN of length 2, or value 3', () => {
    expectError(
      fail(update('', `40 01 02 0000 ${AS_PATH} ${NEXT_HOP}`, '18 0a0001')),
      'treat-as-withdraw',
      3,
      5,
    );
    expectError(
      fail(update('', `40 01 01 03 ${AS_PATH} ${NEXT_HOP}`, '18 0a0001')),
      'treat-as-withdraw',
      3,
      6,
    );
  });
  it('ATOMIC_AGGREGATE with a value is discarded', () => {
    expect(okWarnings(update('', `${MANDATORY} 40 06 01 00`, '18 0a0001')).warnings[0]?.action).toBe(
      'attribute-discard',
    );
  });
  it('LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from an eBGP peer are discarded', () => {
    const { message, warnings } = okWarnings(
      update('', `${MANDATORY} 40 05 04 00000064 80 09 04 0a000002 80 0a 04 0a000003`, '18 0a0001'),
      EBGP,
    );
    expect(message.attributes.map((a) => a.type)).toEqual(['origin', 'as-path', 'next-hop']);
    expect(warnings).toHaveLength(3);
  });
});

describe('13. NLRI', () => {
  it('prefix length over 32 in the NLRI field resets the session', () => {
    expectError(fail(update('', MANDATORY, '21 0a000001 00')), 'session-reset', 3, 10);
  });
  it('prefix bytes beyond the end', () => {
    expectError(fail(update('', MANDATORY, '18 0a00')), 'session-reset', 3, 10);
  });
  it('an ADD-PATH path id truncated', () => {
    expectError(fail(update('', MANDATORY, '000000'), ADD_PATH), 'session-reset', 3, 10);
    expectError(fail(update('', MANDATORY, '00000001'), ADD_PATH), 'session-reset', 3, 10);
  });
  it('IPv6 prefix length over 128 in MP_REACH disables the family', () => {
    const e = fail(
      update('', `${ORIGIN} ${AS_PATH} 80 0e 16 0002 01 10 20010db8000000000000000000000001 00 81`, ''),
    );
    expectError(e, 'afi-safi-disable', 3, 9);
  });
  it('a bad prefix in MP_UNREACH disables the family', () => {
    expect(fail(update('', '80 0f 05 0002 01 30 2001', '')).family).toBe('2/1');
  });
});

describe('15. NOTIFICATION shutdown communication (RFC 9003)', () => {
  it('length exceeding the data fails cleanly; the NOTIFICATION itself still decodes', () => {
    const bytes = msg(3, '0602 0a 6869');
    const r = decodeMessage(bytes);
    expect(r.ok).toBe(true);
    if (r.ok && r.message.type === 'notification') {
      expect(decodeShutdownCommunication(r.message.data)).toEqual({
        ok: false,
        reason: 'shutdown communication length 10 exceeds the 2 octets of data',
      });
    }
  });
  it('decodes UTF-8 and keeps trailing data; rejects invalid UTF-8 and empty data', () => {
    const data = encodeShutdownCommunication('maintenance ✓');
    expect(decodeShutdownCommunication(data)).toEqual({
      ok: true,
      text: 'maintenance ✓',
      trailing: new Uint8Array(0),
    });
    expect(decodeShutdownCommunication(hex('02 6869 ff'))).toEqual({
      ok: true,
      text: 'hi',
      trailing: hex('ff'),
    });
    expect(decodeShutdownCommunication(hex('02 c328')).ok).toBe(false);
    expect(decodeShutdownCommunication(new Uint8Array(0)).ok).toBe(false);
    expect(() => encodeShutdownCommunication('x'.repeat(256))).toThrow(RangeError);
  });
});

describe('16. message header through decodeMessage', () => {
  it.each([
    [
      'bad marker',
      (() => {
        const b = update('', '', '');
        b[3] = 0;
        return b;
      })(),
      1,
      1,
    ],
    ['length below 19', msg(2, '0000 0000', 18), 1, 2],
    ['length above the maximum', msg(2, '0000 0000', 4097), 1, 2],
    ['length below the type minimum', msg(2, '0000'), 1, 2],
    ['unknown type', msg(6, ''), 1, 3],
  ] as const)('%s', (_name, bytes, code, subcode) => {
    expectError(fail(bytes), 'session-reset', code, subcode);
  });
});

describe('17. unknown attributes', () => {
  it('unknown optional non-transitive is ignored', () => {
    const { message, warnings } = okWarnings(update('', `${MANDATORY} 80 63 02 abcd`, '18 0a0001'));
    expect(message.attributes.map((a) => a.type)).toEqual(['origin', 'as-path', 'next-hop']);
    expect(warnings).toHaveLength(0);
  });
  it('unknown well-known is NOTIFICATION 3/2 with the attribute as data', () => {
    const e = fail(update('', `${MANDATORY} 40 63 02 abcd`, '18 0a0001'));
    expectError(e, 'session-reset', 3, 2);
    expect(e.notification.data).toEqual(hex('40 63 02 abcd'));
    expect(e.attributeCode).toBe(99);
  });
});

describe('severity', () => {
  it('the most severe error of an UPDATE wins', () => {
    // A discard (bad AGGREGATOR), a treat-as-withdraw (bad MED) and a session reset (unknown well-known).
    const e = fail(update('', `${MANDATORY} c0 07 01 00 80 04 01 00 40 63 00`, '18 0a0001'));
    expectError(e, 'session-reset', 3, 2);
    const e2 = fail(update('', `${MANDATORY} c0 07 01 00 80 04 01 00`, '18 0a0001'));
    expectError(e2, 'treat-as-withdraw', 3, 5);
  });
});

describe('decodeUpdateBulk', () => {
  it('streams prefixes through one reused view, withdrawals first', () => {
    const bytes = update(
      '18 0a0002',
      `${ORIGIN} ${AS_PATH} ${NEXT_HOP} 80 0e 1c 0002 01 10 20010db8000000000000000000000001 00 30 20010db80001`,
      '18 0a0001 20 c0000201',
    );
    const seen: string[] = [];
    const views = new Set<object>();
    const r = decodeUpdateBulk(bytes, TWO, (p) => {
      views.add(p);
      seen.push(
        `${p.withdrawn ? '-' : '+'}${p.afi}:${p.afi === 1 ? p.ipv4.toString(16) : Array.from(p.address.subarray(0, 6)).join('.')}/${p.length}`,
      );
    });
    expect(seen).toEqual(['-1:a000200/24', '+2:32.1.13.184.0.1/48', '+1:a000100/24', '+1:c0000201/32']);
    expect(views.size).toBe(1);
    expect(r.ok && [r.announced, r.withdrawn]).toEqual([3, 1]);
    expect(r.ok && getAttribute(r.attributes, 'mp-reach')?.nlri).toEqual([]);
  });
  it('delivers path ids, and turns announcements into withdrawals on treat-as-withdraw', () => {
    const ids: number[] = [];
    const r = decodeUpdateBulk(update('', ORIGIN, '00000005 18 0a0001'), ADD_PATH, (p) => {
      ids.push(p.pathId);
      expect(p.withdrawn).toBe(true);
    });
    expect(ids).toEqual([5]);
    expect(!r.ok && r.error.action).toBe('treat-as-withdraw');
  });
  it('delivers nothing on a session reset and rejects what is not an UPDATE', () => {
    let n = 0;
    const r = decodeUpdateBulk(update('', `${MANDATORY} 40 63 00`, '18 0a0001'), TWO, () => n++);
    expect(n).toBe(0);
    expect(!r.ok && r.error.action).toBe('session-reset');
    expect(decodeUpdateBulk(msg(4, ''), TWO, () => n++).ok).toBe(false);
    expect(decodeUpdateBulk(update('', '', '').subarray(0, 22), TWO, () => n++).ok).toBe(false);
  });
});
