/** fast-check arbitraries for valid messages under arbitrary session options. */
import fc from 'fast-check';
import { formatPrefix } from '../src/address.js';
import type { SessionOptions } from '../src/session.js';
import type {
  AsPathSegment,
  BgpMessage,
  Capability,
  ExtendedCommunity,
  FamilyKey,
  Nlri,
  OpenMessage,
  PathAttribute,
  UpdateMessage,
} from '../src/types.js';

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.nat({ max: 0xffffffff });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength });

export const sessionOptions: fc.Arbitrary<SessionOptions> = fc.record({
  fourOctetAs: fc.boolean(),
  extendedMessage: fc.boolean(),
  addPathReceive: fc.subarray(['1/1', '2/1'] as FamilyKey[]).map((a) => new Set(a)),
  addPathSend: fc.subarray(['1/1', '2/1'] as FamilyKey[]).map((a) => new Set(a)),
});

/** The options the receiving side has when the sender used `options` (ADD-PATH mirrored). */
export function receiverOf(options: SessionOptions): SessionOptions {
  return { ...options, addPathReceive: options.addPathSend, addPathSend: options.addPathReceive };
}

export const ipv4 = u32.map((v) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);
export const unicastIpv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), u8, u8, u8)
  .map(([a, b, c, d]) => `${a}.${b}.${c}.${d}`);
export const ipv6 = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((b) => formatPrefix({ afi: 2, length: 128, address: b }).slice(0, -4));

export function prefix(afi: 1 | 2): fc.Arbitrary<string> {
  const n = afi === 1 ? 4 : 16;
  return fc
    .tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.integer({ min: 0, max: n * 8 }))
    .map(([address, length]) => {
      const masked = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const bits = Math.max(0, Math.min(8, length - 8 * i));
        masked[i] = address[i]! & ((0xff << (8 - bits)) & 255);
      }
      return formatPrefix({ afi, length, address: masked });
    });
}

export function nlriList(afi: 1 | 2, addPath: boolean, maxLength: number): fc.Arbitrary<Nlri[]> {
  return fc.array(
    addPath ? fc.record({ prefix: prefix(afi), pathId: u32 }) : fc.record({ prefix: prefix(afi) }),
    { maxLength },
  );
}

function segments(maxAsn: number): fc.Arbitrary<AsPathSegment[]> {
  return fc.array(
    fc.record({
      type: fc.constantFrom('set', 'sequence', 'confed-sequence', 'confed-set') as fc.Arbitrary<
        AsPathSegment['type']
      >,
      asns: fc.array(fc.integer({ min: 0, max: maxAsn }), { minLength: 1, maxLength: 12 }),
    }),
    { maxLength: 4 },
  );
}

const extendedCommunity: fc.Arbitrary<ExtendedCommunity> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('route-target', 'route-origin') as fc.Arbitrary<'route-target' | 'route-origin'>,
    format: fc.constant('as2' as const),
    globalAdmin: u16,
    localAdmin: u32,
    transitive: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom('route-target', 'route-origin') as fc.Arbitrary<'route-target' | 'route-origin'>,
    format: fc.constant('ipv4' as const),
    globalAdmin: ipv4,
    localAdmin: u16,
    transitive: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom('route-target', 'route-origin') as fc.Arbitrary<'route-target' | 'route-origin'>,
    format: fc.constant('as4' as const),
    globalAdmin: u32,
    localAdmin: u16,
    transitive: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('link-bandwidth' as const),
    asn: u16,
    bandwidth: fc.float({ noNaN: true }),
    transitive: fc.boolean(),
  }),
  fc
    .tuple(fc.constantFrom(0x03, 0x06, 0x43, 0x80, 0x81), fc.uint8Array({ minLength: 7, maxLength: 7 }))
    .map(([t, rest]) => ({ kind: 'raw' as const, bytes: Uint8Array.of(t, ...rest) })),
);

const KNOWN_ATTRIBUTE_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 35]);

/** Attributes of an UPDATE, in type-code order, valid under `options`. */
export function attributes(options: SessionOptions): fc.Arbitrary<PathAttribute[]> {
  const maxAsn = options.fourOctetAs ? 0xffffffff : 0xffff;
  const mpFamily = fc.constantFrom(1, 2) as fc.Arbitrary<1 | 2>;
  const mpReach = mpFamily.chain((afi) =>
    fc.record({
      type: fc.constant('mp-reach' as const),
      afi: fc.constant(afi),
      safi: fc.constant(1),
      nextHops:
        afi === 1
          ? fc.oneof(
              unicastIpv4.map((a) => [a]),
              ipv6.map((a) => [a]),
            )
          : fc.oneof(
              ipv6.map((a) => [a]),
              fc.tuple(ipv6, ipv6),
            ),
      nlri: nlriList(afi, options.addPathSend.has(`${afi}/1`), 8),
    }),
  );
  const mpUnreach = mpFamily.chain((afi) =>
    fc.record({
      type: fc.constant('mp-unreach' as const),
      afi: fc.constant(afi),
      safi: fc.constant(1),
      withdrawn: nlriList(afi, options.addPathSend.has(`${afi}/1`), 8),
    }),
  );
  const optional = fc.record(
    {
      med: fc.record({ type: fc.constant('med' as const), med: u32 }),
      localPref: fc.record({ type: fc.constant('local-pref' as const), localPref: u32 }),
      atomic: fc.constant({ type: 'atomic-aggregate' as const }),
      aggregator: fc.record({
        type: fc.constant('aggregator' as const),
        asn: fc.integer({ min: 0, max: maxAsn }),
        address: ipv4,
      }),
      communities: fc.record({
        type: fc.constant('communities' as const),
        communities: fc.array(u32, { minLength: 1, maxLength: 10 }),
      }),
      originatorId: fc.record({ type: fc.constant('originator-id' as const), originatorId: ipv4 }),
      clusterList: fc.record({
        type: fc.constant('cluster-list' as const),
        clusterIds: fc.array(ipv4, { minLength: 1, maxLength: 5 }),
      }),
      mpReach,
      mpUnreach,
      ext: fc.record({
        type: fc.constant('extended-communities' as const),
        communities: fc.array(extendedCommunity, { minLength: 1, maxLength: 5 }),
      }),
      as4Path: fc.record({ type: fc.constant('as4-path' as const), segments: segments(0xffffffff) }),
      as4Aggregator: fc.record({ type: fc.constant('as4-aggregator' as const), asn: u32, address: ipv4 }),
      large: fc.record({
        type: fc.constant('large-communities' as const),
        communities: fc.array(fc.record({ globalAdmin: u32, localData1: u32, localData2: u32 }), {
          minLength: 1,
          maxLength: 5,
        }),
      }),
      otc: fc.record({ type: fc.constant('otc' as const), asn: u32 }),
      unknown: fc.record({
        type: fc.constant('unknown' as const),
        code: fc.integer({ min: 19, max: 255 }).filter((c) => !KNOWN_ATTRIBUTE_CODES.has(c)),
        flags: fc.constantFrom(0xc0, 0xe0, 0xd0, 0xf0),
        data: bytes(300),
      }),
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(
      fc.constantFrom('igp', 'egp', 'incomplete') as fc.Arbitrary<'igp' | 'egp' | 'incomplete'>,
      segments(maxAsn),
      unicastIpv4,
      optional,
    )
    .map(([origin, asPath, nextHop, o]) => {
      const list: PathAttribute[] = [
        { type: 'origin', origin },
        { type: 'as-path', segments: asPath },
        { type: 'next-hop', nextHop },
      ];
      if (o.med) list.push(o.med);
      if (o.localPref) list.push(o.localPref);
      if (o.atomic) list.push(o.atomic);
      if (o.aggregator) list.push(o.aggregator);
      if (o.communities) list.push(o.communities);
      if (o.originatorId) list.push(o.originatorId);
      if (o.clusterList) list.push(o.clusterList);
      if (o.mpReach) list.push(o.mpReach as PathAttribute);
      if (o.mpUnreach) list.push(o.mpUnreach as PathAttribute);
      if (o.ext) list.push(o.ext);
      // AS4_* exist only on 2-octet sessions (a 4-octet receiver discards them).
      if (o.as4Path && !options.fourOctetAs) list.push(o.as4Path);
      if (o.as4Aggregator && !options.fourOctetAs) list.push(o.as4Aggregator);
      if (o.large) list.push(o.large);
      if (o.otc) list.push(o.otc);
      if (o.unknown) {
        const u = o.unknown;
        // The encoder sets Extended Length for long values; so does a real sender.
        list.push(u.data.length > 255 ? { ...u, flags: u.flags | 0x10 } : u);
      }
      return list;
    });
}

export function updateMessage(options: SessionOptions): fc.Arbitrary<UpdateMessage> {
  const addPath = options.addPathSend.has('1/1');
  return fc.oneof(
    fc.record({
      type: fc.constant('update' as const),
      withdrawn: nlriList(1, addPath, 20),
      attributes: attributes(options),
      nlri: nlriList(1, addPath, 20),
    }),
    fc.record({
      type: fc.constant('update' as const),
      withdrawn: nlriList(1, addPath, 30),
      attributes: fc.constant<PathAttribute[]>([]),
      nlri: fc.constant<Nlri[]>([]),
    }),
  );
}

const KNOWN_CAPABILITY_CODES = new Set([1, 2, 5, 6, 9, 64, 65, 69, 70, 71, 73, 128]);
const family = fc.record({ afi: u16, safi: u8 });
const shortText = fc.string({ maxLength: 40 });

export const capability: fc.Arbitrary<Capability> = fc.oneof(
  family.map((f) => ({ type: 'multiprotocol' as const, ...f })),
  fc.constant({ type: 'route-refresh' as const }),
  fc.constant({ type: 'route-refresh' as const, preStandard: true as const }),
  fc.record({
    type: fc.constant('extended-next-hop' as const),
    entries: fc.array(fc.record({ afi: u16, safi: u16, nextHopAfi: u16 }), { maxLength: 4 }),
  }),
  fc.constant({ type: 'extended-message' as const }),
  fc.record({ type: fc.constant('role' as const), role: u8 }),
  fc.record({
    type: fc.constant('graceful-restart' as const),
    flags: fc.integer({ min: 0, max: 15 }),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: u16, safi: u8, flags: u8 }), { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant('four-octet-as' as const), asn: fc.integer({ min: 1, max: 0xffffffff }) }),
  fc.record({
    type: fc.constant('add-path' as const),
    families: fc.array(
      fc.record({
        afi: u16,
        safi: u8,
        mode: fc.constantFrom('receive', 'send', 'both', 'none') as fc.Arbitrary<
          'receive' | 'send' | 'both' | 'none'
        >,
      }),
      { maxLength: 4 },
    ),
  }),
  fc.constant({ type: 'enhanced-route-refresh' as const }),
  fc.record({
    type: fc.constant('long-lived-graceful-restart' as const),
    families: fc.array(
      fc.record({ afi: u16, safi: u8, flags: u8, staleTime: fc.integer({ min: 0, max: 0xffffff }) }),
      { maxLength: 4 },
    ),
  }),
  fc.record({ type: fc.constant('fqdn' as const), hostname: shortText, domainName: shortText }),
  fc.record({
    type: fc.constant('unknown' as const),
    code: u8.filter((c) => !KNOWN_CAPABILITY_CODES.has(c)),
    data: bytes(40),
  }),
);

export const openMessage: fc.Arbitrary<OpenMessage> = fc
  .record({
    type: fc.constant('open' as const),
    version: fc.constant(4),
    myAsn: fc.integer({ min: 1, max: 0xffff }),
    holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
    bgpId: unicastIpv4,
    capabilities: fc.array(capability, { maxLength: 12 }),
    extended: fc.boolean(),
  })
  .map(({ extended, ...open }) => (extended ? { ...open, extendedParameters: true as const } : open));

export function message(options: SessionOptions): fc.Arbitrary<BgpMessage> {
  return fc.oneof(
    openMessage,
    updateMessage(options),
    fc.record({ type: fc.constant('notification' as const), code: u8, subcode: u8, data: bytes(64) }),
    fc.constant({ type: 'keepalive' as const }),
    fc
      .record({ afi: u16, safi: u8, subtype: u8, data: bytes(8) })
      .map(({ afi, safi, subtype, data }) =>
        subtype === 1 || subtype === 2 || data.length === 0
          ? { type: 'route-refresh' as const, afi, safi, subtype }
          : { type: 'route-refresh' as const, afi, safi, subtype, data },
      ),
  );
}
