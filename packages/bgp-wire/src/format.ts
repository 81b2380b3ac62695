/** Human-readable forms for logs: prefixes, communities, AS paths, attributes, whole messages. */
import { describeNotification } from './errors.js';
import { decodeShutdownCommunication } from './notification.js';
import type {
  AsPathSegment,
  BgpMessage,
  Capability,
  ExtendedCommunity,
  LargeCommunity,
  Nlri,
  PathAttribute,
} from './types.js';
import { toHex as toHexString } from './utf8.js';

const WELL_KNOWN: Record<number, string> = {
  4294901760: 'GRACEFUL_SHUTDOWN',
  4294902426: 'BLACKHOLE',
  4294967041: 'NO_EXPORT',
  4294967042: 'NO_ADVERTISE',
  4294967043: 'NO_EXPORT_SUBCONFED',
};

/** `65000:100`, or the well-known name (`NO_EXPORT`, `GRACEFUL_SHUTDOWN`, `BLACKHOLE`, ...). */
export function formatCommunity(value: number): string {
  return WELL_KNOWN[value] ?? `${value >>> 16}:${value & 0xffff}`;
}

/** Well-known community names, as {@link parseCommunity} accepts them (after case and `-` folding). */
const BY_NAME: ReadonlyMap<string, number> = new Map(
  Object.entries(WELL_KNOWN).map(([v, n]) => [n, Number(v)]),
);

function decimal(text: string, max: number, what: string, whole: string): number {
  if (!/^\d+$/.test(text)) {
    throw new TypeError(
      `${what} ${JSON.stringify(text)} in ${JSON.stringify(whole)} is not a decimal number`,
    );
  }
  const v = Number(text);
  if (v > max) throw new TypeError(`${what} ${v} in ${JSON.stringify(whole)} is over ${max}`);
  return v;
}

/**
 * Parses a community (RFC 1997) into its 32-bit value. The one grammar of the project:
 *
 * - `ASN:VALUE`, two decimal numbers 0..65535 each: `65000:100`; `65535:0` is GRACEFUL_SHUTDOWN.
 * - a well-known name, case-insensitive, `_` or `-` between words: `NO_EXPORT`, `no-export`,
 *   `NO_ADVERTISE`, `NO_EXPORT_SUBCONFED`, `GRACEFUL_SHUTDOWN` (RFC 8326), `BLACKHOLE` (RFC 7999).
 * - the plain 32-bit value in decimal, 0..4294967295: `4294967041` is NO_EXPORT.
 *
 * No spaces, signs, hex or empty parts. Throws a TypeError naming the bad part otherwise.
 * {@link formatCommunity} prints what this reads (names for the well-known values).
 */
export function parseCommunity(text: string): number {
  if (typeof text !== 'string') throw new TypeError(`community ${String(text)} is not a string`);
  const known = BY_NAME.get(text.toUpperCase().replaceAll('-', '_'));
  if (known !== undefined) return known;
  const colon = text.indexOf(':');
  if (colon < 0) {
    if (/^\d+$/.test(text)) return decimal(text, 0xffffffff, 'community', text);
    throw new TypeError(
      `community ${JSON.stringify(text)} is not ASN:VALUE, a 32-bit number or a well-known name (NO_EXPORT, NO_ADVERTISE, NO_EXPORT_SUBCONFED, GRACEFUL_SHUTDOWN, BLACKHOLE)`,
    );
  }
  const high = decimal(text.slice(0, colon), 0xffff, 'community ASN', text);
  const low = decimal(text.slice(colon + 1), 0xffff, 'community value', text);
  return ((high << 16) | low) >>> 0;
}

/**
 * Parses a large community (RFC 8092) `GLOBAL:DATA1:DATA2`, three decimal numbers
 * 0..4294967295. Throws a TypeError naming the bad part.
 */
export function parseLargeCommunity(text: string): LargeCommunity {
  const parts = typeof text === 'string' ? text.split(':') : [];
  if (parts.length !== 3)
    throw new TypeError(`large community ${JSON.stringify(text)} is not GLOBAL:DATA1:DATA2`);
  return {
    globalAdmin: decimal(parts[0]!, 0xffffffff, 'large community global administrator', text),
    localData1: decimal(parts[1]!, 0xffffffff, 'large community local data 1', text),
    localData2: decimal(parts[2]!, 0xffffffff, 'large community local data 2', text),
  };
}

/** `1:2:3` (RFC 8092 text form). */
export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.globalAdmin}:${c.localData1}:${c.localData2}`;
}

/** `RT:65000:1`, `RO:192.0.2.1:7`, `LB:65000:1.25e+8` (bytes/s), or the raw hex. */
export function formatExtendedCommunity(c: ExtendedCommunity): string {
  switch (c.kind) {
    case 'route-target':
    case 'route-origin':
      return `${c.kind === 'route-target' ? 'RT' : 'RO'}:${c.globalAdmin}:${c.localAdmin}`;
    case 'link-bandwidth':
      return `LB:${c.asn}:${c.bandwidth}`;
    case 'raw':
      return `0x${toHexString(c.bytes)}`;
  }
}

/** `65001 65002 {65003 65004}`: sets in braces, confederation sequences in (), sets in []. */
export function formatAsPath(segments: readonly AsPathSegment[]): string {
  return segments
    .map((s) => {
      const asns = s.asns.join(' ');
      switch (s.type) {
        case 'sequence':
          return asns;
        case 'set':
          return `{${asns}}`;
        case 'confed-sequence':
          return `(${asns})`;
        case 'confed-set':
          return `[${asns}]`;
      }
      return asns;
    })
    .join(' ');
}

const ORIGIN_CODES = { igp: 'i', egp: 'e', incomplete: '?' } as const;

function formatFamily(afi: number, safi: number): string {
  const a = afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : `afi${afi}`;
  const s = safi === 1 ? 'unicast' : safi === 2 ? 'multicast' : `safi${safi}`;
  return `${a}-${s}`;
}

/** `10.0.0.0/24` or `10.0.0.0/24 (path 5)`. */
export function formatNlri(n: Nlri): string {
  return n.pathId === undefined ? n.prefix : `${n.prefix} (path ${n.pathId})`;
}

/** One attribute in the summary form used by {@link formatAttributes}. */
export function formatAttribute(a: PathAttribute): string {
  switch (a.type) {
    case 'origin':
      return `{Origin: ${ORIGIN_CODES[a.origin]}}`;
    case 'as-path':
      return a.segments.length === 0 ? '{AsPath: }' : formatAsPath(a.segments);
    case 'next-hop':
      return `{Nexthop: ${a.nextHop}}`;
    case 'med':
      return `{Med: ${a.med}}`;
    case 'local-pref':
      return `{LocalPref: ${a.localPref}}`;
    case 'atomic-aggregate':
      return '{AtomicAggregate}';
    case 'aggregator':
      return `{Aggregator: ${a.asn} ${a.address}}`;
    case 'communities':
      return `{Communities: ${a.communities.map(formatCommunity).join(', ')}}`;
    case 'originator-id':
      return `{Originator: ${a.originatorId}}`;
    case 'cluster-list':
      return `{ClusterList: ${a.clusterIds.join(' ')}}`;
    case 'mp-reach':
      return `{MpReach(${formatFamily(a.afi, a.safi)}): ${a.nextHops.join(' ')}, [${a.nlri.map(formatNlri).join(' ')}]}`;
    case 'mp-unreach':
      return `{MpUnreach(${formatFamily(a.afi, a.safi)}): [${a.withdrawn.map(formatNlri).join(' ')}]}`;
    case 'extended-communities':
      return `{Extcomms: ${a.communities.map(formatExtendedCommunity).join(', ')}}`;
    case 'as4-path':
      return `{As4Path: ${formatAsPath(a.segments)}}`;
    case 'as4-aggregator':
      return `{As4Aggregator: ${a.asn} ${a.address}}`;
    case 'large-communities':
      return `{LargeCommunity: ${a.communities.map(formatLargeCommunity).join(', ')}}`;
    case 'otc':
      return `{Otc: ${a.asn}}`;
    case 'unknown':
      return `{Unknown(${a.code}, flags 0x${a.flags.toString(16)}): 0x${toHexString(a.data)}}`;
  }
}

/** `[{Origin: i} 65001 {Nexthop: 10.0.1.10}]` */
export function formatAttributes(attributes: readonly PathAttribute[]): string {
  return `[${attributes.map(formatAttribute).join(' ')}]`;
}

/** A capability for logs: `multiprotocol(ipv4-unicast)`, `add-path(ipv4-unicast:both)`, ... */
export function formatCapability(c: Capability): string {
  switch (c.type) {
    case 'multiprotocol':
      return `multiprotocol(${formatFamily(c.afi, c.safi)})`;
    case 'four-octet-as':
      return `4-octet-as(${c.asn})`;
    case 'add-path':
      return `add-path(${c.families.map((f) => `${formatFamily(f.afi, f.safi)}:${f.mode}`).join(',')})`;
    case 'graceful-restart':
      return `graceful-restart(flags 0x${c.flags.toString(16)}, ${c.restartTime}s)`;
    case 'fqdn':
      return `fqdn(${c.hostname}${c.domainName ? `.${c.domainName}` : ''})`;
    case 'role':
      return `role(${c.role})`;
    case 'unknown':
      return `capability-${c.code}(0x${toHexString(c.data)})`;
    case 'route-refresh':
      return c.preStandard ? 'route-refresh(128)' : 'route-refresh';
    default:
      return c.type;
  }
}

/** One line describing a message, for logs. */
export function formatMessage(m: BgpMessage): string {
  switch (m.type) {
    case 'open':
      return `OPEN as=${m.myAsn} hold=${m.holdTime} id=${m.bgpId} caps=[${m.capabilities.map(formatCapability).join(' ')}]`;
    case 'update': {
      const parts = ['UPDATE'];
      if (m.withdrawn.length > 0) parts.push(`withdrawn=[${m.withdrawn.map(formatNlri).join(' ')}]`);
      if (m.attributes.length > 0) parts.push(formatAttributes(m.attributes));
      if (m.nlri.length > 0) parts.push(`nlri=[${m.nlri.map(formatNlri).join(' ')}]`);
      return parts.join(' ');
    }
    case 'notification': {
      let text = `NOTIFICATION ${describeNotification(m.code, m.subcode)}`;
      if (m.code === 6 && (m.subcode === 2 || m.subcode === 4) && m.data.length > 0) {
        const sc = decodeShutdownCommunication(m.data);
        if (sc.ok) text += ` ${JSON.stringify(sc.text)}`;
      } else if (m.data.length > 0) {
        text += ` data=0x${toHexString(m.data)}`;
      }
      return text;
    }
    case 'keepalive':
      return 'KEEPALIVE';
    case 'route-refresh':
      return `ROUTE-REFRESH ${formatFamily(m.afi, m.safi)}${m.subtype === 1 ? ' BoRR' : m.subtype === 2 ? ' EoRR' : ''}`;
  }
}
