/**
 * Path attribute decoding with RFC 7606 handling. Each decoder gets the attribute value (a
 * bounds-checked range of the message) and returns the typed attribute or a failure saying which
 * RFC 7606 action applies. The caller (update-decode.ts) turns failures into BgpWireErrors.
 */
import { formatIpv4 } from './address.js';
import { AttributeCode, AttributeFlag, UpdateSubcode } from './constants.js';
import type { ErrorAction } from './errors.js';
import type {
  AsPathSegment,
  AsPathSegmentType,
  ExtendedCommunity,
  LargeCommunity,
  Origin,
  PathAttribute,
} from './types.js';

/** Why an attribute was rejected. */
export interface AttributeFailure {
  failure: true;
  action: ErrorAction;
  subcode: number;
  reason: string;
}

function fail(action: ErrorAction, subcode: number, reason: string): AttributeFailure {
  return { failure: true, action, subcode, reason };
}

/** Optional + Transitive flag bits each known attribute must carry. */
export const CANONICAL_FLAGS: Readonly<Record<number, number>> = {
  [AttributeCode.ORIGIN]: AttributeFlag.TRANSITIVE,
  [AttributeCode.AS_PATH]: AttributeFlag.TRANSITIVE,
  [AttributeCode.NEXT_HOP]: AttributeFlag.TRANSITIVE,
  [AttributeCode.MULTI_EXIT_DISC]: AttributeFlag.OPTIONAL,
  [AttributeCode.LOCAL_PREF]: AttributeFlag.TRANSITIVE,
  [AttributeCode.ATOMIC_AGGREGATE]: AttributeFlag.TRANSITIVE,
  [AttributeCode.AGGREGATOR]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
  [AttributeCode.COMMUNITIES]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
  [AttributeCode.ORIGINATOR_ID]: AttributeFlag.OPTIONAL,
  [AttributeCode.CLUSTER_LIST]: AttributeFlag.OPTIONAL,
  [AttributeCode.MP_REACH_NLRI]: AttributeFlag.OPTIONAL,
  [AttributeCode.MP_UNREACH_NLRI]: AttributeFlag.OPTIONAL,
  [AttributeCode.EXTENDED_COMMUNITIES]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
  [AttributeCode.AS4_PATH]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
  [AttributeCode.AS4_AGGREGATOR]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
  [AttributeCode.LARGE_COMMUNITY]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
  [AttributeCode.OTC]: AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE,
};

/** The RFC 7606 action for a malformed instance of each known attribute (MP ones handled apart). */
export const MALFORMED_ACTION: Readonly<Record<number, ErrorAction>> = {
  [AttributeCode.ORIGIN]: 'treat-as-withdraw',
  [AttributeCode.AS_PATH]: 'treat-as-withdraw',
  [AttributeCode.NEXT_HOP]: 'treat-as-withdraw',
  [AttributeCode.MULTI_EXIT_DISC]: 'treat-as-withdraw',
  [AttributeCode.LOCAL_PREF]: 'treat-as-withdraw',
  [AttributeCode.ATOMIC_AGGREGATE]: 'attribute-discard',
  [AttributeCode.AGGREGATOR]: 'attribute-discard',
  [AttributeCode.COMMUNITIES]: 'treat-as-withdraw',
  [AttributeCode.ORIGINATOR_ID]: 'treat-as-withdraw',
  [AttributeCode.CLUSTER_LIST]: 'treat-as-withdraw',
  [AttributeCode.EXTENDED_COMMUNITIES]: 'treat-as-withdraw',
  [AttributeCode.AS4_PATH]: 'attribute-discard',
  [AttributeCode.AS4_AGGREGATOR]: 'attribute-discard',
  [AttributeCode.LARGE_COMMUNITY]: 'treat-as-withdraw',
  [AttributeCode.OTC]: 'treat-as-withdraw',
};

const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];
const SEGMENT_TYPES: readonly (AsPathSegmentType | undefined)[] = [
  undefined,
  'set',
  'sequence',
  'confed-sequence',
  'confed-set',
];

function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** Decodes AS_PATH / AS4_PATH segments; returns a reason string when malformed (RFC 7606 §7.2). */
export function decodeAsPathSegments(
  b: Uint8Array,
  start: number,
  end: number,
  asSize: 2 | 4,
): AsPathSegment[] | string {
  const segments: AsPathSegment[] = [];
  let p = start;
  while (p < end) {
    if (p + 2 > end) return 'AS_PATH segment header is truncated';
    const type = SEGMENT_TYPES[b[p]!];
    const count = b[p + 1]!;
    if (type === undefined) return `AS_PATH segment type ${b[p]} is unknown`;
    if (count === 0) return 'AS_PATH segment has length 0';
    const segEnd = p + 2 + count * asSize;
    if (segEnd > end) return `AS_PATH segment of ${count} ASNs runs past the attribute`;
    const asns = new Array<number>(count);
    p += 2;
    if (asSize === 4) for (let i = 0; i < count; i++, p += 4) asns[i] = u32(b, p);
    else for (let i = 0; i < count; i++, p += 2) asns[i] = (b[p]! << 8) | b[p + 1]!;
    segments.push({ type, asns });
  }
  return segments;
}

function decodeExtendedCommunity(b: Uint8Array, p: number): ExtendedCommunity {
  const high = b[p]!;
  const low = b[p + 1]!;
  const typeNoT = high & ~0x40;
  const transitive = (high & 0x40) === 0;
  // Route target (subtype 2) and route origin (subtype 3) for AS2 (0x00), IPv4 (0x01), AS4 (0x02).
  if (typeNoT <= 2 && (low === 2 || low === 3)) {
    const kind = low === 2 ? 'route-target' : 'route-origin';
    if (typeNoT === 0) {
      return {
        kind,
        format: 'as2',
        globalAdmin: (b[p + 2]! << 8) | b[p + 3]!,
        localAdmin: u32(b, p + 4),
        transitive,
      };
    }
    if (typeNoT === 1) {
      return {
        kind,
        format: 'ipv4',
        globalAdmin: formatIpv4(b, p + 2),
        localAdmin: (b[p + 6]! << 8) | b[p + 7]!,
        transitive,
      };
    }
    return {
      kind,
      format: 'as4',
      globalAdmin: u32(b, p + 2),
      localAdmin: (b[p + 6]! << 8) | b[p + 7]!,
      transitive,
    };
  }
  // Link bandwidth: type 0x40 (non-transitive AS2) or 0x00, subtype 0x04; float32 bytes/s.
  if (typeNoT === 0 && low === 4) {
    const view = new DataView(b.buffer, b.byteOffset + p + 4, 4);
    return {
      kind: 'link-bandwidth',
      asn: (b[p + 2]! << 8) | b[p + 3]!,
      bandwidth: view.getFloat32(0),
      transitive,
    };
  }
  return { kind: 'raw', bytes: b.slice(p, p + 8) };
}

/**
 * Decodes a known, non-MP attribute value in b[start, end). `flagsField` is the `flags` property
 * to record (undefined when canonical). Returns undefined for a code this function does not know.
 */
export function decodeKnownAttribute(
  code: number,
  b: Uint8Array,
  start: number,
  end: number,
  fourOctetAs: boolean,
): PathAttribute | AttributeFailure | undefined {
  const n = end - start;
  const lengthError = (what: string) =>
    fail(MALFORMED_ACTION[code]!, UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `${what} length ${n} is invalid`);
  switch (code) {
    case AttributeCode.ORIGIN: {
      if (n !== 1) return lengthError('ORIGIN');
      const origin = ORIGINS[b[start]!];
      if (origin === undefined) {
        return fail(
          'treat-as-withdraw',
          UpdateSubcode.INVALID_ORIGIN_ATTRIBUTE,
          `ORIGIN value ${b[start]} is not 0..2`,
        );
      }
      return { type: 'origin', origin };
    }
    case AttributeCode.AS_PATH:
    case AttributeCode.AS4_PATH: {
      const as4 = code === AttributeCode.AS4_PATH;
      const segments = decodeAsPathSegments(b, start, end, as4 || fourOctetAs ? 4 : 2);
      if (typeof segments === 'string') {
        return as4
          ? fail('attribute-discard', UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `AS4_PATH: ${segments}`)
          : fail('treat-as-withdraw', UpdateSubcode.MALFORMED_AS_PATH, segments);
      }
      return as4 ? { type: 'as4-path', segments } : { type: 'as-path', segments };
    }
    case AttributeCode.NEXT_HOP: {
      if (n !== 4) return lengthError('NEXT_HOP');
      const first = b[start]!;
      if (u32(b, start) === 0 || first >= 224) {
        return fail(
          'treat-as-withdraw',
          UpdateSubcode.INVALID_NEXT_HOP_ATTRIBUTE,
          `NEXT_HOP ${formatIpv4(b, start)} is not a unicast host address`,
        );
      }
      return { type: 'next-hop', nextHop: formatIpv4(b, start) };
    }
    case AttributeCode.MULTI_EXIT_DISC:
      return n !== 4 ? lengthError('MULTI_EXIT_DISC') : { type: 'med', med: u32(b, start) };
    case AttributeCode.LOCAL_PREF:
      return n !== 4 ? lengthError('LOCAL_PREF') : { type: 'local-pref', localPref: u32(b, start) };
    case AttributeCode.ATOMIC_AGGREGATE:
      return n !== 0 ? lengthError('ATOMIC_AGGREGATE') : { type: 'atomic-aggregate' };
    case AttributeCode.AGGREGATOR: {
      const asSize = fourOctetAs ? 4 : 2;
      if (n !== asSize + 4) return lengthError(`AGGREGATOR (${asSize}-octet AS)`);
      const asn = asSize === 4 ? u32(b, start) : (b[start]! << 8) | b[start + 1]!;
      return { type: 'aggregator', asn, address: formatIpv4(b, start + asSize) };
    }
    case AttributeCode.AS4_AGGREGATOR:
      if (n !== 8) return lengthError('AS4_AGGREGATOR');
      return { type: 'as4-aggregator', asn: u32(b, start), address: formatIpv4(b, start + 4) };
    case AttributeCode.COMMUNITIES: {
      if (n === 0 || n % 4 !== 0) return lengthError('COMMUNITIES');
      const communities = new Array<number>(n / 4);
      for (let i = 0; i < communities.length; i++) communities[i] = u32(b, start + 4 * i);
      return { type: 'communities', communities };
    }
    case AttributeCode.ORIGINATOR_ID:
      return n !== 4
        ? lengthError('ORIGINATOR_ID')
        : { type: 'originator-id', originatorId: formatIpv4(b, start) };
    case AttributeCode.CLUSTER_LIST: {
      if (n === 0 || n % 4 !== 0) return lengthError('CLUSTER_LIST');
      const clusterIds: string[] = [];
      for (let p = start; p < end; p += 4) clusterIds.push(formatIpv4(b, p));
      return { type: 'cluster-list', clusterIds };
    }
    case AttributeCode.EXTENDED_COMMUNITIES: {
      if (n === 0 || n % 8 !== 0) return lengthError('EXTENDED_COMMUNITIES');
      const communities: ExtendedCommunity[] = [];
      for (let p = start; p < end; p += 8) communities.push(decodeExtendedCommunity(b, p));
      return { type: 'extended-communities', communities };
    }
    case AttributeCode.LARGE_COMMUNITY: {
      if (n === 0 || n % 12 !== 0) return lengthError('LARGE_COMMUNITY');
      const communities: LargeCommunity[] = [];
      for (let p = start; p < end; p += 12) {
        communities.push({ globalAdmin: u32(b, p), localData1: u32(b, p + 4), localData2: u32(b, p + 8) });
      }
      return { type: 'large-communities', communities };
    }
    case AttributeCode.OTC:
      return n !== 4 ? lengthError('OTC') : { type: 'otc', asn: u32(b, start) };
    default:
      return undefined;
  }
}
