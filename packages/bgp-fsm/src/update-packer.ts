/**
 * Packs Adj-RIB-Out changes into as few UPDATEs as possible: withdrawals together, and
 * announcements grouped by identical attributes (next hop included), each UPDATE filled up to
 * the session's maximum message size. IPv4 prefixes with an IPv4 next hop use the classic
 * NLRI fields; everything else goes into MP_REACH_NLRI / MP_UNREACH_NLRI.
 */
import {
  encodeAttribute,
  encodeMessage,
  HEADER_LENGTH,
  MessageType,
  maxMessageLength,
  type Nlri,
  type PathAttribute,
  parseIpv4,
  type SessionOptions,
  writePrefixText,
} from '@bgplb/bgp-wire';
import type { RibChange } from './adj-rib-out.js';
import { type PathSpec, type PeerAttributeContext, pathAttributes } from './paths.js';

/** One group of the packed output, for the `update-sent` event. */
export interface PackedGroup {
  /** Announced prefixes (empty for a withdrawal group). */
  nlri: string[];
  withdrawn: string[];
  /** The path ids, parallel to `nlri` or `withdrawn`, when ADD-PATH send applies. */
  pathIds?: number[];
  /** Attribute summary, `[{Origin: i} 65001 {Nexthop: 10.0.1.10}]`; empty for withdrawals. */
  attributes: string;
  /** Number of UPDATE messages of this group. */
  messages: number;
}

export interface PackResult {
  messages: Uint8Array[];
  groups: PackedGroup[];
}

interface Group {
  spec: PathSpec;
  classic: boolean;
  nlri: Nlri[];
}

/** Human summary of a path's attributes as sent to a peer (GoBGP style). */
export function summarizePath(spec: PathSpec, peer: PeerAttributeContext): string {
  const parts = [`{Origin: ${spec.origin === 'egp' ? 'e' : spec.origin === 'incomplete' ? '?' : 'i'}}`];
  if (!peer.ibgp) parts.push(String(peer.localAsn));
  parts.push(`{Nexthop: ${spec.nextHop}}`);
  if (spec.med !== undefined) parts.push(`{Med: ${spec.med}}`);
  if (peer.ibgp) parts.push(`{LocalPref: ${spec.localPref ?? 100}}`);
  if (spec.communities !== undefined) parts.push(`{Communities: ${spec.communities.join(', ')}}`);
  if (spec.largeCommunities !== undefined)
    parts.push(`{LargeCommunity: ${spec.largeCommunities.join(', ')}}`);
  return `[${parts.join(' ')}]`;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 255;
  b[o + 2] = (v >>> 8) & 255;
  b[o + 3] = v & 255;
}

/**
 * Builds classic IPv4 UPDATEs: `attrs` (already encoded) and the NLRI, or the withdrawn routes
 * when `attrs` is undefined, filled up to `max` octets each.
 */
function packClassic(
  entries: Nlri[],
  attrs: Uint8Array | undefined,
  addPath: boolean,
  max: number,
  out: Uint8Array[],
) {
  const start = attrs === undefined ? HEADER_LENGTH + 2 : HEADER_LENGTH + 4 + attrs.length;
  // A withdrawal UPDATE still needs the (zero) total path attribute length after the routes.
  const limit = attrs === undefined ? max - 2 : max;
  let i = 0;
  while (i < entries.length) {
    const buf = new Uint8Array(max);
    const view = buf.subarray(0, limit);
    let o = start;
    while (i < entries.length) {
      const e = entries[i]!;
      if (addPath && o + 4 > limit) break;
      const at = addPath ? o + 4 : o;
      const end = writePrefixText(e.prefix, view, at);
      if (end < 0) break;
      if (addPath) writeU32(buf, o, e.pathId ?? 0);
      o = end;
      i++;
    }
    if (o === start)
      throw new RangeError(`path attributes of ${attrs?.length ?? 0} octets leave no room for NLRI`);
    let total = o;
    if (attrs === undefined) {
      const section = o - start;
      buf[19] = section >>> 8;
      buf[20] = section & 255;
      buf[o] = 0;
      buf[o + 1] = 0;
      total = o + 2;
    } else {
      buf[19] = 0;
      buf[20] = 0;
      buf[21] = attrs.length >>> 8;
      buf[22] = attrs.length & 255;
      buf.set(attrs, 23);
    }
    buf.fill(0xff, 0, 16);
    buf[16] = total >>> 8;
    buf[17] = total & 255;
    buf[18] = MessageType.UPDATE;
    out.push(buf.subarray(0, total));
  }
}

/** MP_REACH / MP_UNREACH UPDATEs, chunked so that each fits. */
function packMultiprotocol(
  entries: Nlri[],
  afi: 1 | 2,
  base: PathAttribute[] | undefined,
  nextHop: string | undefined,
  options: SessionOptions,
  out: Uint8Array[],
) {
  const max = maxMessageLength(options);
  const addPath = options.addPathSend.has(`${afi}/1`);
  const baseLength =
    base === undefined ? 0 : base.reduce((n, a) => n + encodeAttribute(a, options).length, 0);
  const perEntry = (afi === 1 ? 5 : 17) + (addPath ? 4 : 0);
  const room = max - HEADER_LENGTH - 4 - baseLength - 4 - 5 - 33;
  const chunk = Math.max(1, Math.floor(room / perEntry));
  for (let i = 0; i < entries.length; i += chunk) {
    const part = entries.slice(i, i + chunk);
    const attributes: PathAttribute[] =
      base === undefined
        ? [{ type: 'mp-unreach', afi, safi: 1, withdrawn: part }]
        : [{ type: 'mp-reach', afi, safi: 1, nextHops: [nextHop!], nlri: part }, ...base];
    out.push(encodeMessage({ type: 'update', withdrawn: [], attributes, nlri: [] }, options));
  }
}

/** Packs the changes of one flush for one peer. */
export function packChanges(
  changes: readonly RibChange[],
  peer: PeerAttributeContext,
  options: SessionOptions,
): PackResult {
  const max = maxMessageLength(options);
  const messages: Uint8Array[] = [];
  const groups: PackedGroup[] = [];
  const v4AddPath = options.addPathSend.has('1/1');
  const withdrawV4: Nlri[] = [];
  const withdrawV6: Nlri[] = [];
  const announce = new Map<string, Group>();
  for (const change of changes) {
    const v6 = change.prefix.includes(':');
    const addPath = options.addPathSend.has(v6 ? '2/1' : '1/1');
    for (const id of change.withdraw) {
      (v6 ? withdrawV6 : withdrawV4).push(
        addPath ? { prefix: change.prefix, pathId: id } : { prefix: change.prefix },
      );
    }
    for (const path of change.announce) {
      const key = `${path.spec.nextHop}|${path.attrKey}`;
      let group = announce.get(key);
      if (group === undefined) {
        group = { spec: path.spec, classic: !v6 && parseIpv4(path.spec.nextHop) >= 0, nlri: [] };
        announce.set(key, group);
      }
      if (!v6 && !group.classic) {
        // An IPv4 prefix with an IPv6 next hop (RFC 8950) shares attributes but not the encoding.
        const mpKey = `${key}|mp4`;
        let mp = announce.get(mpKey);
        if (mp === undefined) {
          mp = { spec: path.spec, classic: false, nlri: [] };
          announce.set(mpKey, mp);
        }
        group = mp;
      }
      group.nlri.push(addPath ? { prefix: change.prefix, pathId: path.pathId } : { prefix: change.prefix });
    }
  }
  const withdrawGroup = (entries: Nlri[], addPath: boolean, before: number) => {
    const g: PackedGroup = {
      nlri: [],
      withdrawn: entries.map((e) => e.prefix),
      attributes: '',
      messages: messages.length - before,
    };
    if (addPath) g.pathIds = entries.map((e) => e.pathId ?? 0);
    groups.push(g);
  };
  if (withdrawV4.length > 0) {
    const before = messages.length;
    packClassic(withdrawV4, undefined, v4AddPath, max, messages);
    withdrawGroup(withdrawV4, v4AddPath, before);
  }
  if (withdrawV6.length > 0) {
    const before = messages.length;
    packMultiprotocol(withdrawV6, 2, undefined, undefined, options, messages);
    withdrawGroup(withdrawV6, options.addPathSend.has('2/1'), before);
  }
  for (const group of announce.values()) {
    const before = messages.length;
    const base = pathAttributes(group.spec, peer);
    const first = group.nlri[0]!;
    const v6 = first.prefix.includes(':');
    if (group.classic) {
      const attrs = concat([
        ...base.map((a) => encodeAttribute(a, options)),
        encodeAttribute({ type: 'next-hop', nextHop: group.spec.nextHop }, options),
      ]);
      packClassic(group.nlri, attrs, v4AddPath, max, messages);
    } else {
      packMultiprotocol(group.nlri, v6 ? 2 : 1, base, group.spec.nextHop, options, messages);
    }
    const g: PackedGroup = {
      nlri: group.nlri.map((n) => n.prefix),
      withdrawn: [],
      attributes: summarizePath(group.spec, peer),
      messages: messages.length - before,
    };
    if (first.pathId !== undefined) g.pathIds = group.nlri.map((n) => n.pathId ?? 0);
    groups.push(g);
  }
  return { messages, groups };
}

/** End-of-RIB for a family (RFC 4724 §2): an empty UPDATE for IPv4 unicast, else an empty MP_UNREACH. */
export function endOfRib(family: string, options: SessionOptions): Uint8Array {
  if (family === '1/1')
    return encodeMessage({ type: 'update', withdrawn: [], attributes: [], nlri: [] }, options);
  const [afi, safi] = family.split('/').map(Number) as [number, number];
  return encodeMessage(
    {
      type: 'update',
      withdrawn: [],
      attributes: [{ type: 'mp-unreach', afi: afi as 1 | 2, safi, withdrawn: [] }],
      nlri: [],
    },
    options,
  );
}
