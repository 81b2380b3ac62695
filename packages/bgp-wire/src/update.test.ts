import { describe, expect, it } from 'vitest';
import { hex, update } from '../test/hex.js';
import { decodeMessage, encodeMessage } from './message.js';
import { DEFAULT_SESSION_OPTIONS, type SessionOptions } from './session.js';
import type { FamilyKey, PathAttribute, UpdateMessage } from './types.js';
import {
  effectiveAggregator,
  effectiveAsPath,
  endOfRib,
  getAttribute,
  isEndOfRib,
} from './update-helpers.js';

const TWO: SessionOptions = DEFAULT_SESSION_OPTIONS;
const FOUR: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, fourOctetAs: true };
function withAddPath(receive: FamilyKey[], send: FamilyKey[] = receive, base = FOUR): SessionOptions {
  return { ...base, addPathReceive: new Set(receive), addPathSend: new Set(send) };
}

function ok(bytes: Uint8Array, options = TWO): UpdateMessage {
  const r = decodeMessage(bytes, options);
  if (!r.ok) throw new Error(r.error.message);
  if (r.message.type !== 'update') throw new Error('not an UPDATE');
  return r.message;
}
/** Decodes, checks, and checks that encoding gives the same bytes back. */
function golden(bytes: Uint8Array, expected: UpdateMessage, options = TWO): void {
  expect(ok(bytes, options)).toEqual(expected);
  expect(encodeMessage(expected, options)).toEqual(bytes);
}

const ORIGIN = '40 01 01 00';
const AS_PATH2 = '40 02 04 02 01 fde9'; // AS_SEQUENCE [65001], 2-octet
const AS_PATH4 = '40 02 06 02 01 0000fde9'; // AS_SEQUENCE [65001], 4-octet
const NEXT_HOP = '40 03 04 0a00010a'; // 10.0.1.10
const BASE: PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
  { type: 'next-hop', nextHop: '10.0.1.10' },
];
function u(
  attributes: PathAttribute[],
  nlri: UpdateMessage['nlri'] = [],
  withdrawn: UpdateMessage['withdrawn'] = [],
): UpdateMessage {
  return { type: 'update', withdrawn, attributes, nlri };
}

describe('UPDATE golden vectors (RFC 4271 §4.3)', () => {
  it('withdrawn routes only', () => {
    golden(
      update('18 0a0001 20 c0000201 00', '', ''),
      u([], [], [{ prefix: '10.0.1.0/24' }, { prefix: '192.0.2.1/32' }, { prefix: '0.0.0.0/0' }]),
    );
  });
  it('ORIGIN, AS_PATH, NEXT_HOP and two prefixes', () => {
    golden(
      update('', `${ORIGIN} ${AS_PATH2} ${NEXT_HOP}`, '18 0a0001 20 c0000201'),
      u(BASE, [{ prefix: '10.0.1.0/24' }, { prefix: '192.0.2.1/32' }]),
    );
  });
  it('ORIGIN EGP and INCOMPLETE', () => {
    expect(getAttribute(ok(update('', '40 01 01 01', '')).attributes, 'origin')?.origin).toBe('egp');
    expect(getAttribute(ok(update('', '40 01 01 02', '')).attributes, 'origin')?.origin).toBe('incomplete');
  });
  it('every attribute, 2-octet AS session', () => {
    const attrs = `${ORIGIN}
      40 02 10 02 02 fde9 fdea 01 02 0001 0002 03 01 0064   # SEQ [65001 65002] SET {1 2} CONFED_SEQ (100)
      ${NEXT_HOP}
      80 04 04 00000064                    # MED 100
      40 05 04 000000c8                    # LOCAL_PREF 200
      40 06 00                             # ATOMIC_AGGREGATE
      c0 07 06 fde9 0a000001               # AGGREGATOR 65001 10.0.0.1
      c0 08 14 fde90064 ffffff01 ffffff02 ffffff03 ffff0000  # COMMUNITIES
      80 09 04 0a000002                    # ORIGINATOR_ID
      80 0a 08 0a000003 0a000004           # CLUSTER_LIST
      c0 10 20 0002fde900000064 01020a0000010007 020200030d400009 40 04 fde9 4cee6b28  # EXT COMMUNITIES
      c0 11 0a 02 02 0000fde9 00030d40     # AS4_PATH
      c0 12 08 00030d40 0a000001           # AS4_AGGREGATOR
      c0 20 0c 0000fde9 00000001 00000002  # LARGE_COMMUNITY
      c0 23 04 0000fde9                    # OTC`;
    const expected = u(
      [
        { type: 'origin', origin: 'igp' },
        {
          type: 'as-path',
          segments: [
            { type: 'sequence', asns: [65001, 65002] },
            { type: 'set', asns: [1, 2] },
            { type: 'confed-sequence', asns: [100] },
          ],
        },
        { type: 'next-hop', nextHop: '10.0.1.10' },
        { type: 'med', med: 100 },
        { type: 'local-pref', localPref: 200 },
        { type: 'atomic-aggregate' },
        { type: 'aggregator', asn: 65001, address: '10.0.0.1' },
        { type: 'communities', communities: [0xfde90064, 0xffffff01, 0xffffff02, 0xffffff03, 0xffff0000] },
        { type: 'originator-id', originatorId: '10.0.0.2' },
        { type: 'cluster-list', clusterIds: ['10.0.0.3', '10.0.0.4'] },
        {
          type: 'extended-communities',
          communities: [
            { kind: 'route-target', format: 'as2', globalAdmin: 65001, localAdmin: 100, transitive: true },
            {
              kind: 'route-target',
              format: 'ipv4',
              globalAdmin: '10.0.0.1',
              localAdmin: 7,
              transitive: true,
            },
            { kind: 'route-target', format: 'as4', globalAdmin: 200000, localAdmin: 9, transitive: true },
            { kind: 'link-bandwidth', asn: 65001, bandwidth: 125000000, transitive: false },
          ],
        },
        { type: 'as4-path', segments: [{ type: 'sequence', asns: [65001, 200000] }] },
        { type: 'as4-aggregator', asn: 200000, address: '10.0.0.1' },
        { type: 'large-communities', communities: [{ globalAdmin: 65001, localData1: 1, localData2: 2 }] },
        { type: 'otc', asn: 65001 },
      ],
      [{ prefix: '10.0.1.0/24' }],
    );
    golden(update('', attrs, '18 0a0001'), expected);
  });
  it('4-octet AS_PATH and AGGREGATOR on a 4-octet session', () => {
    const bytes = update(
      '',
      `${ORIGIN} 40 02 0a 02 02 0000fde9 00030d40 ${NEXT_HOP} c0 07 08 00030d40 0a000001`,
      '18 0a0001',
    );
    golden(
      bytes,
      u(
        [
          { type: 'origin', origin: 'igp' },
          { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 200000] }] },
          { type: 'next-hop', nextHop: '10.0.1.10' },
          { type: 'aggregator', asn: 200000, address: '10.0.0.1' },
        ],
        [{ prefix: '10.0.1.0/24' }],
      ),
      FOUR,
    );
  });
  it('confederation set and raw extended community', () => {
    const bytes = update(
      '',
      `${ORIGIN} 40 02 08 04 01 0064 02 01 fde9 ${NEXT_HOP} c0 10 08 0302000000000001`,
      '18 0a0001',
    );
    const m = ok(bytes);
    expect(getAttribute(m.attributes, 'as-path')?.segments[0]).toEqual({ type: 'confed-set', asns: [100] });
    expect(getAttribute(m.attributes, 'extended-communities')?.communities).toEqual([
      { kind: 'raw', bytes: hex('0302000000000001') },
    ]);
    expect(encodeMessage(m)).toEqual(bytes);
  });
  it('MP_REACH_NLRI IPv6 with global + link-local next hop, and MP_UNREACH_NLRI', () => {
    const bytes = update(
      '',
      `${ORIGIN} ${AS_PATH2}
       80 0e 35 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00
          30 20010db80001  40 20010db800020000   # 2001:db8:1::/48, 2001:db8:2::/64
       80 0f 0a 0002 01 30 20010db80003`,
      '',
    );
    golden(
      bytes,
      u([
        BASE[0]!,
        BASE[1]!,
        {
          type: 'mp-reach',
          afi: 2,
          safi: 1,
          nextHops: ['2001:db8::1', 'fe80::1'],
          nlri: [{ prefix: '2001:db8:1::/48' }, { prefix: '2001:db8:2::/64' }],
        },
        { type: 'mp-unreach', afi: 2, safi: 1, withdrawn: [{ prefix: '2001:db8:3::/48' }] },
      ]),
    );
  });
  it('MP_REACH_NLRI IPv4 with an IPv6 next hop (RFC 8950) and IPv4 next hop', () => {
    const v6nh = update(
      '',
      `${ORIGIN} ${AS_PATH2} 80 0e 19 0001 01 10 20010db8000000000000000000000001 00 18 0a0001`,
      '',
    );
    expect(getAttribute(ok(v6nh).attributes, 'mp-reach')).toEqual({
      type: 'mp-reach',
      afi: 1,
      safi: 1,
      nextHops: ['2001:db8::1'],
      nlri: [{ prefix: '10.0.1.0/24' }],
    });
    const v4nh = update('', `${ORIGIN} ${AS_PATH2} 80 0e 0d 0001 02 04 0a000001 00 18 0a0001`, '');
    const m = ok(v4nh);
    expect(getAttribute(m.attributes, 'mp-reach')?.nextHops).toEqual(['10.0.0.1']);
    expect(encodeMessage(m)).toEqual(v4nh);
  });
  it('an MP attribute of another family (EVPN) is kept verbatim', () => {
    const bytes = update('', `${ORIGIN} ${AS_PATH2} 90 0e 0005 0019 46 00 00 80 0f 03 0019 46`, '');
    const m = ok(bytes);
    expect(m.attributes.slice(2)).toEqual([
      { type: 'unknown', code: 14, flags: 0x90, data: hex('0019 46 00 00') },
      { type: 'unknown', code: 15, flags: 0x80, data: hex('0019 46') },
    ]);
    expect(encodeMessage(m)).toEqual(bytes);
  });
  it('ADD-PATH path ids in NLRI, withdrawn routes and MP attributes (RFC 7911)', () => {
    const bytes = update(
      '00000002 18 0a0002',
      `${ORIGIN} ${AS_PATH4} ${NEXT_HOP}
       80 0e 20 0002 01 10 20010db8000000000000000000000001 00 00000007 30 20010db80001`,
      '00000001 18 0a0001 00000003 18 0a0001',
    );
    const options = withAddPath(['1/1', '2/1']);
    golden(
      bytes,
      {
        type: 'update',
        withdrawn: [{ prefix: '10.0.2.0/24', pathId: 2 }],
        attributes: [
          BASE[0]!,
          BASE[1]!,
          BASE[2]!,
          {
            type: 'mp-reach',
            afi: 2,
            safi: 1,
            nextHops: ['2001:db8::1'],
            nlri: [{ prefix: '2001:db8:1::/48', pathId: 7 }],
          },
        ],
        nlri: [
          { prefix: '10.0.1.0/24', pathId: 1 },
          { prefix: '10.0.1.0/24', pathId: 3 },
        ],
      },
      options,
    );
  });
  it('ADD-PATH is per direction: receive without send reads ids, encoding writes none', () => {
    const bytes = update('', `${ORIGIN} ${AS_PATH4} ${NEXT_HOP}`, '00000001 18 0a0001');
    const options = withAddPath(['1/1'], []);
    const m = ok(bytes, options);
    expect(m.nlri).toEqual([{ prefix: '10.0.1.0/24', pathId: 1 }]);
    expect(encodeMessage(m, options)).toEqual(update('', `${ORIGIN} ${AS_PATH4} ${NEXT_HOP}`, '18 0a0001'));
    // Without receive the same bytes read as five plain prefixes: the classic interop bug.
    expect(ok(bytes, FOUR).nlri.map((n) => n.prefix)).toEqual([
      '0.0.0.0/0',
      '0.0.0.0/0',
      '0.0.0.0/0',
      '0.0.0.0/1',
      '0.0.0.0/10',
    ]);
  });
  it('host bits beyond the prefix length are zeroed', () => {
    const m = ok(update('', `${ORIGIN} ${AS_PATH2} ${NEXT_HOP}`, '17 0a00ff 09 ff80 1f c0000203'));
    expect(m.nlri.map((n) => n.prefix)).toEqual(['10.0.254.0/23', '255.128.0.0/9', '192.0.2.2/31']);
  });
  it('an extended-length flag on a short value is accepted and kept for re-encoding', () => {
    const bytes = update('', `50 01 0001 00 ${AS_PATH2} ${NEXT_HOP}`, '18 0a0001');
    const m = ok(bytes);
    expect(m.attributes[0]).toEqual({ type: 'origin', origin: 'igp', flags: 0x50 });
    expect(encodeMessage(m)).toEqual(bytes);
    // Without the recorded flags the encoder uses the short form.
    expect(encodeMessage({ ...m, attributes: [BASE[0]!, ...m.attributes.slice(1)] })).toEqual(
      update('', `${ORIGIN} ${AS_PATH2} ${NEXT_HOP}`, '18 0a0001'),
    );
  });
  it('a long AS_PATH uses the extended length', () => {
    const asns = Array.from({ length: 200 }, (_, i) => 64512 + i);
    const m = u(
      [BASE[0]!, { type: 'as-path', segments: [{ type: 'sequence', asns }] }, BASE[2]!],
      [{ prefix: '10.0.0.0/8' }],
    );
    const bytes = encodeMessage(m, FOUR);
    expect(bytes[19 + 4 + 4]).toBe(0x50);
    expect(ok(bytes, FOUR)).toEqual(m);
  });
  it('an unknown optional transitive attribute is kept with its flags', () => {
    const bytes = update('', `${ORIGIN} ${AS_PATH2} ${NEXT_HOP} e0 63 02 abcd`, '18 0a0001');
    const m = ok(bytes);
    expect(m.attributes[3]).toEqual({ type: 'unknown', code: 99, flags: 0xe0, data: hex('abcd') });
    expect(encodeMessage(m)).toEqual(bytes);
  });
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('IPv4 unicast is the empty UPDATE', () => {
    const bytes = update('', '', '');
    expect(isEndOfRib(ok(bytes))).toBe('1/1');
    expect(encodeMessage(endOfRib(1, 1))).toEqual(bytes);
  });
  it('IPv6 unicast is an empty MP_UNREACH_NLRI', () => {
    const bytes = update('', '80 0f 03 0002 01', '');
    expect(isEndOfRib(ok(bytes))).toBe('2/1');
    expect(encodeMessage(endOfRib(2, 1))).toEqual(bytes);
    expect(() => endOfRib(25, 70)).toThrow(RangeError);
  });
  it('an UPDATE with prefixes or other attributes is not End-of-RIB', () => {
    expect(isEndOfRib(ok(update('18 0a0001', '', '')))).toBeUndefined();
    expect(isEndOfRib(ok(update('', `80 0f 03 0002 01 ${ORIGIN}`, '')))).toBeUndefined();
    expect(isEndOfRib(ok(update('', '80 0f 06 0002 01 10 2001', '')))).toBeUndefined();
  });
});

describe('RFC 6793 AS4_PATH merge (§4.2.3)', () => {
  it('prepends the leading AS_PATH ASNs that AS4_PATH lacks', () => {
    const m = ok(
      update(
        '',
        `${ORIGIN} 40 02 08 02 03 fde8 5ba0 5ba0 ${NEXT_HOP} c0 11 0a 02 02 00030d40 00030d41`,
        '18 0a0001',
      ),
    );
    expect(effectiveAsPath(m.attributes)).toEqual([{ type: 'sequence', asns: [65000, 200000, 200001] }]);
  });
  it('ignores AS4_PATH when it is longer than AS_PATH, or when AGGREGATOR is not AS_TRANS', () => {
    const longer = ok(
      update('', `${ORIGIN} ${AS_PATH2} ${NEXT_HOP} c0 11 0a 02 02 00030d40 00030d41`, '18 0a0001'),
    );
    expect(effectiveAsPath(longer.attributes)).toEqual([{ type: 'sequence', asns: [65001] }]);
    const agg = ok(
      update(
        '',
        `${ORIGIN} 40 02 04 02 01 5ba0 ${NEXT_HOP} c0 07 06 fde9 0a000001 c0 11 06 02 01 00030d40`,
        '18 0a0001',
      ),
    );
    expect(effectiveAsPath(agg.attributes)).toEqual([{ type: 'sequence', asns: [23456] }]);
    expect(effectiveAggregator(agg.attributes)).toEqual({ asn: 65001, address: '10.0.0.1' });
  });
  it('keeps confederation segments and sets, and takes AS4_AGGREGATOR for AS_TRANS', () => {
    const m = ok(
      update(
        '',
        `${ORIGIN} 40 02 0e 03 01 0064 01 02 0001 0002 02 01 5ba0 ${NEXT_HOP} c0 07 06 5ba0 0a000001 c0 11 06 02 01 00030d40 c0 12 08 00030d40 0a000001`,
        '18 0a0001',
      ),
    );
    expect(effectiveAsPath(m.attributes)).toEqual([
      { type: 'confed-sequence', asns: [100] },
      { type: 'set', asns: [1, 2] },
      { type: 'sequence', asns: [200000] },
    ]);
    expect(effectiveAggregator(m.attributes)).toEqual({ asn: 200000, address: '10.0.0.1' });
    expect(effectiveAggregator([])).toBeUndefined();
    expect(effectiveAsPath([])).toEqual([]);
  });
});
