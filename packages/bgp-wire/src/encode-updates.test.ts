import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex, update } from '../test/hex.js';
import { encodeRouteGroups, encodeUpdates } from './encode-updates.js';
import { decodeMessage } from './message.js';
import { DEFAULT_SESSION_OPTIONS, type SessionOptions } from './session.js';
import type { PathAttribute, Route, UpdateMessage } from './types.js';
import { getAttribute, updateRoutes } from './update-helpers.js';

const FOUR: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, fourOctetAs: true };
const ATTRS: PathAttribute[] = [
  { type: 'origin', origin: 'igp' },
  { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
];

function decodeAll(messages: Uint8Array[], options: SessionOptions): UpdateMessage[] {
  return messages.map((m) => {
    const r = decodeMessage(m, options);
    if (!r.ok || r.message.type !== 'update') throw new Error(r.ok ? 'not an UPDATE' : r.error.message);
    return r.message;
  });
}

describe('encodeUpdates', () => {
  it('golden: one IPv4 route with NEXT_HOP from route.nextHop, attributes sorted by type code', () => {
    const out = encodeUpdates(
      {
        announce: [
          {
            prefix: '10.0.1.0/24',
            nextHop: '10.0.1.10',
            attributes: [{ type: 'communities', communities: [0xfde90064] }, ...ATTRS],
          },
        ],
      },
      FOUR,
    );
    expect(out).toEqual([
      update('', '40 01 01 00  40 02 06 02 01 0000fde9  40 03 04 0a00010a  c0 08 04 fde90064', '18 0a0001'),
    ]);
  });

  it('golden: IPv6 route in MP_REACH_NLRI with link-local next hop, and withdrawals first', () => {
    const out = encodeUpdates(
      {
        announce: [
          {
            prefix: '2001:db8:1::/48',
            nextHop: '2001:db8::1',
            linkLocalNextHop: 'fe80::1',
            attributes: ATTRS,
          },
        ],
        withdraw: [{ prefix: '10.0.2.0/24' }, { prefix: '2001:db8:3::/48' }],
      },
      FOUR,
    );
    expect(out).toEqual([
      update('18 0a0002', '', ''),
      update('', '80 0f 0a 0002 01 30 20010db80003', ''),
      update(
        '',
        `40 01 01 00 40 02 06 02 01 0000fde9
         80 0e 2c 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001`,
        '',
      ),
    ]);
  });

  it('groups identical attributes (by value, not identity) and packs to the maximum size', () => {
    const routes: Route[] = [];
    for (let i = 0; i < 3000; i++) {
      routes.push({
        prefix: `10.${i >> 8}.${i & 255}.0/24`,
        nextHop: '192.0.2.1',
        attributes: i % 2 === 0 ? ATTRS : [...ATTRS.map((a) => ({ ...a }))],
      });
    }
    routes.push({ prefix: '172.16.0.0/12', nextHop: '192.0.2.2', attributes: ATTRS });
    const out = encodeUpdates({ announce: routes }, FOUR);
    for (const m of out) expect(m.length).toBeLessThanOrEqual(4096);
    const decoded = decodeAll(out, FOUR);
    const prefixes = decoded.flatMap((m) => m.nlri.map((n) => n.prefix));
    expect(prefixes).toEqual(routes.map((r) => r.prefix));
    // 3000 /24s at 4 octets each in 4096-octet messages with 23 + 25 octets overhead: 3 messages.
    expect(out).toHaveLength(4);
    expect(out[0]!.length).toBeGreaterThan(4090);
    expect(getAttribute(decoded[3]!.attributes, 'next-hop')?.nextHop).toBe('192.0.2.2');
    // Deterministic.
    expect(encodeUpdates({ announce: routes }, FOUR)).toEqual(out);
  });

  it('packs up to 65535 octets with RFC 8654 extended message, which a 4096 session refuses', () => {
    const ext: SessionOptions = { ...FOUR, extendedMessage: true };
    const announce = Array.from({ length: 20000 }, (_, i) => ({
      prefix: `10.${i >> 8}.${i & 255}.0/24`,
      nextHop: '192.0.2.1',
      attributes: ATTRS,
    }));
    const out = encodeUpdates({ announce }, ext);
    expect(out).toHaveLength(2);
    expect(out[0]!.length).toBeGreaterThan(65000);
    expect(out[0]!.length).toBeLessThanOrEqual(65535);
    expect(decodeAll(out, ext).flatMap((m) => m.nlri)).toHaveLength(20000);
    const r = decodeMessage(out[0]!, FOUR);
    expect(!r.ok && r.error.notification.subcode).toBe(2);
    expect(encodeUpdates({ announce }, ext, 4096).length).toBeGreaterThan(15);
  });

  it('packs withdrawals, with path ids only where ADD-PATH send is negotiated', () => {
    const options: SessionOptions = {
      ...FOUR,
      addPathSend: new Set(['1/1']),
      addPathReceive: new Set(['1/1']),
    };
    const withdraw = Array.from({ length: 1000 }, (_, i) => ({ prefix: `10.0.${i % 256}.0/24`, pathId: i }));
    const out = encodeUpdates({ withdraw }, options, 1024);
    for (const m of out) expect(m.length).toBeLessThanOrEqual(1024);
    const decoded = decodeAll(out, options);
    expect(decoded.flatMap((m) => m.withdrawn)).toEqual(
      withdraw.map((w) => ({ prefix: w.prefix, pathId: w.pathId })),
    );
    const v6 = Array.from({ length: 300 }, (_, i) => ({
      prefix: `2001:db8:${(i + 1).toString(16)}::/48`,
      pathId: i,
    }));
    const out6 = encodeUpdates({ withdraw: v6 }, options, 1024);
    const withdrawn6 = decodeAll(out6, options).flatMap(
      (m) => getAttribute(m.attributes, 'mp-unreach')?.withdrawn ?? [],
    );
    expect(withdrawn6).toEqual(v6.map((w) => ({ prefix: w.prefix })));
  });

  it('writes 8 paths per prefix with ADD-PATH', () => {
    const options: SessionOptions = {
      ...FOUR,
      addPathSend: new Set(['1/1']),
      addPathReceive: new Set(['1/1']),
    };
    const announce: Route[] = [];
    for (let p = 1; p <= 8; p++)
      announce.push({ prefix: '10.0.1.0/24', pathId: p, nextHop: `192.0.2.${p}`, attributes: ATTRS });
    const decoded = decodeAll(encodeUpdates({ announce }, options), options);
    expect(decoded).toHaveLength(8);
    expect(decoded.map((m) => m.nlri[0])).toEqual(
      announce.map((r) => ({ prefix: r.prefix, pathId: r.pathId })),
    );
  });

  it('uses the extended-length MP_REACH header only when needed', () => {
    const announce = Array.from({ length: 100 }, (_, i) => ({
      prefix: `2001:db8:${i.toString(16)}::/48`,
      nextHop: '2001:db8::1',
      attributes: ATTRS,
    }));
    const [m] = encodeUpdates({ announce }, FOUR);
    const decoded = decodeAll([m!], FOUR)[0]!;
    expect(getAttribute(decoded.attributes, 'mp-reach')?.nlri).toHaveLength(100);
    expect(getAttribute(decoded.attributes, 'mp-reach')?.flags).toBeUndefined();
  });

  it('on a 2-octet session adds AS4_PATH / AS4_AGGREGATOR for wide ASNs; drops them on 4-octet sessions', () => {
    const attributes: PathAttribute[] = [
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 4200000000] }] },
      { type: 'aggregator', asn: 4200000000, address: '10.0.0.1' },
    ];
    const [two] = encodeUpdates(
      { announce: [{ prefix: '10.0.0.0/8', nextHop: '10.0.0.1', attributes }] },
      DEFAULT_SESSION_OPTIONS,
    );
    const m = decodeAll([two!], DEFAULT_SESSION_OPTIONS)[0]!;
    expect(getAttribute(m.attributes, 'as-path')?.segments).toEqual([
      { type: 'sequence', asns: [65001, 23456] },
    ]);
    expect(getAttribute(m.attributes, 'as4-path')?.segments).toEqual([
      { type: 'sequence', asns: [65001, 4200000000] },
    ]);
    expect(getAttribute(m.attributes, 'as4-aggregator')).toEqual({
      type: 'as4-aggregator',
      asn: 4200000000,
      address: '10.0.0.1',
    });
    const withAs4: PathAttribute[] = [
      ...attributes,
      { type: 'as4-path', segments: [{ type: 'sequence', asns: [1] }] },
    ];
    const [four] = encodeUpdates(
      { announce: [{ prefix: '10.0.0.0/8', nextHop: '10.0.0.1', attributes: withAs4 }] },
      FOUR,
    );
    expect(decodeAll([four!], FOUR)[0]!.attributes.map((a) => a.type)).toEqual([
      'origin',
      'as-path',
      'next-hop',
      'aggregator',
    ]);
  });

  it('passes decoded attributes on with Extended Length only where needed', () => {
    // As FRR sends them: AS_PATH with 0x50 on a short value, an unknown attribute likewise.
    const attributes: PathAttribute[] = [
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }], flags: 0x50 },
      { type: 'communities', communities: [1], flags: 0xf0 },
      { type: 'unknown', code: 99, flags: 0xd0, data: hex('ab') },
    ];
    const [m] = encodeUpdates(
      { announce: [{ prefix: '10.0.0.0/8', nextHop: '10.0.0.1', attributes }] },
      FOUR,
    );
    expect(decodeAll([m!], FOUR)[0]!.attributes).toEqual([
      { type: 'origin', origin: 'igp' },
      { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
      { type: 'next-hop', nextHop: '10.0.0.1' },
      { type: 'communities', communities: [1], flags: 0xe0 },
      { type: 'unknown', code: 99, flags: 0xe0, data: hex('ab') },
    ]);
  });

  it('sets the Partial bit on unrecognized optional transitive attributes it passes on', () => {
    const attributes: PathAttribute[] = [
      ...ATTRS,
      { type: 'unknown', code: 99, flags: 0xc0, data: hex('ab') },
    ];
    const [m] = encodeUpdates(
      { announce: [{ prefix: '10.0.0.0/8', nextHop: '10.0.0.1', attributes }] },
      FOUR,
    );
    expect(decodeAll([m!], FOUR)[0]!.attributes[3]).toEqual({
      type: 'unknown',
      code: 99,
      flags: 0xe0,
      data: hex('ab'),
    });
  });

  it('round-trips through updateRoutes', () => {
    const announce: Route[] = [
      { afi: 1, safi: 1, prefix: '10.0.1.0/24', nextHop: '10.0.1.10', attributes: ATTRS },
      {
        afi: 2,
        safi: 1,
        prefix: '2001:db8::/32',
        nextHop: '2001:db8::1',
        linkLocalNextHop: 'fe80::1',
        attributes: ATTRS,
      },
    ];
    const withdraw = [
      { afi: 1 as const, safi: 1, prefix: '10.0.9.0/24' },
      { afi: 2 as const, safi: 1, prefix: '2001:db8:9::/48' },
    ];
    const decoded = decodeAll(encodeUpdates({ announce, withdraw }, FOUR), FOUR).map(updateRoutes);
    expect(decoded.flatMap((d) => d.withdraw)).toEqual(withdraw);
    expect(decoded.flatMap((d) => d.announce)).toEqual(announce);
  });

  it('rejects bad input with clear errors', () => {
    const r = (route: Partial<Route>) => () =>
      encodeUpdates({ announce: [{ prefix: '10.0.0.0/8', attributes: ATTRS, ...route } as Route] }, FOUR);
    expect(r({})).toThrow(/no next hop/);
    expect(r({ prefix: '2001:db8::/32' })).toThrow(/needs route.nextHop/);
    expect(r({ prefix: '2001:db8::/32', nextHop: '10.0.0.1' })).toThrow(/needs an IPv6 next hop/);
    expect(r({ prefix: '10.0.0.0/33', nextHop: '10.0.0.1' })).toThrow(TypeError);
    expect(r({ prefix: '10.0.0.0/8', afi: 2, nextHop: '10.0.0.1' })).toThrow(/not in AFI 2/);
    expect(r({ nextHop: '10.0.0.1', linkLocalNextHop: 'fe80::1' })).toThrow(/link-local/);
    expect(
      r({ nextHop: '10.0.0.1', attributes: [{ type: 'mp-unreach', afi: 1, safi: 1, withdrawn: [] }] }),
    ).toThrow(/MP_REACH/);
    expect(() => encodeUpdates({}, FOUR, 10)).toThrow(RangeError);
    const huge: PathAttribute[] = [
      ...ATTRS,
      { type: 'unknown', code: 99, flags: 0xc0, data: new Uint8Array(4060) },
    ];
    expect(() =>
      encodeUpdates({ announce: [{ prefix: '10.0.0.0/8', nextHop: '10.0.0.1', attributes: huge }] }, FOUR),
    ).toThrow(/no room/);
  });
});

describe('encodeRouteGroups (pre-grouped routes)', () => {
  const ADD_PATH: SessionOptions = {
    ...FOUR,
    extendedMessage: true,
    addPathSend: new Set(['1/1', '2/1']),
  };
  const hops = ['10.0.0.1', '10.0.0.2', '2001:db8::1'];
  const v4 = fc
    .tuple(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 8, max: 32 }))
    .map(([n, len]) => {
      const v = (n << 8) >>> 0;
      return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.0/${Math.min(len, 24)}`;
    });
  const v6 = fc.integer({ min: 0, max: 0xffff }).map((n) => `2001:db8:${n.toString(16)}::/48`);

  it('gives exactly the bytes of encodeUpdates for the same groups, with and without ADD-PATH', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            v6: fc.boolean(),
            hop: fc.integer({ min: 0, max: 2 }),
            med: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
            n: fc.integer({ min: 1, max: 900 }),
            seed: fc.integer(),
          }),
          { maxLength: 5 },
        ),
        fc.array(fc.oneof(v4, v6), { maxLength: 700 }),
        fc.boolean(),
        (specs, withdrawn, addPath) => {
          const options = addPath ? ADD_PATH : FOUR;
          const groups = specs.map((g, i) => {
            const attributes: PathAttribute[] = [...ATTRS];
            if (g.med !== undefined) attributes.push({ type: 'med', med: g.med });
            // Distinct attributes per group, so that encodeUpdates does not merge two of them.
            attributes.push({ type: 'local-pref', localPref: i });
            const prefixes = Array.from({ length: g.n }, (_, k) => {
              const v = (g.seed + k * 7919) >>> 0;
              return g.v6
                ? `2001:db8:${(v & 0xffff).toString(16)}::/48`
                : `10.${(v >>> 8) & 255}.${v & 255}.0/24`;
            });
            return {
              nextHop: g.v6 ? hops[2]! : hops[g.hop]!,
              attributes,
              prefixes,
              pathIds: prefixes.map((_, k) => k + 1),
            };
          });
          const withdraw4 = withdrawn.filter((p) => !p.includes(':'));
          const withdraw6 = withdrawn.filter((p) => p.includes(':'));
          const byGroups = encodeRouteGroups(
            {
              withdraw: [
                { prefixes: withdraw4, pathIds: withdraw4.map((_, k) => k) },
                { prefixes: withdraw6, pathIds: withdraw6.map((_, k) => k) },
              ],
              announce: groups,
            },
            options,
          );
          const byRoutes = encodeUpdates(
            {
              withdraw: [
                ...withdraw4.map((prefix, k) => ({ prefix, pathId: k })),
                ...withdraw6.map((prefix, k) => ({ prefix, pathId: k })),
              ],
              announce: groups.flatMap((g) =>
                g.prefixes.map((prefix, k) => ({
                  prefix,
                  pathId: g.pathIds[k]!,
                  nextHop: g.nextHop,
                  attributes: g.attributes,
                })),
              ),
            },
            options,
          );
          expect(byGroups.length).toBeGreaterThanOrEqual(specs.length);
          expect(byGroups).toEqual(byRoutes);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sends withdrawal groups first and skips empty groups', () => {
    const out = encodeRouteGroups(
      {
        announce: [
          { prefixes: [], nextHop: '10.0.0.1', attributes: ATTRS },
          { prefixes: ['10.0.1.0/24'], nextHop: '10.0.1.10', attributes: ATTRS },
        ],
        withdraw: [{ prefixes: ['10.0.2.0/24'] }, { prefixes: [] }],
      },
      FOUR,
    );
    expect(out).toEqual([
      update('18 0a0002', '', ''),
      update('', '40 01 01 00  40 02 06 02 01 0000fde9  40 03 04 0a00010a', '18 0a0001'),
    ]);
  });

  it('refuses a prefix outside its group family and path ids not parallel to the prefixes', () => {
    expect(() =>
      encodeRouteGroups(
        { announce: [{ prefixes: ['10.0.0.0/8', '2001:db8::/32'], nextHop: '10.0.0.1', attributes: ATTRS }] },
        FOUR,
      ),
    ).toThrow('prefix 2001:db8::/32 is not in AFI 1');
    expect(() => encodeRouteGroups({ withdraw: [{ afi: 2, prefixes: ['10.0.0.0/8'] }] }, FOUR)).toThrow(
      'prefix 10.0.0.0/8 is not in AFI 2',
    );
    expect(() =>
      encodeRouteGroups({ withdraw: [{ prefixes: ['10.0.0.0/8'], pathIds: [1, 2] }] }, FOUR),
    ).toThrow('2 path ids for 1 prefixes');
    expect(() => encodeRouteGroups({}, FOUR, 10)).toThrow(RangeError);
  });
});
