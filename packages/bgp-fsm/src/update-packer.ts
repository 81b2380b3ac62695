/**
 * Packs Adj-RIB-Out changes into as few UPDATEs as possible: withdrawals together, and
 * announcements grouped by identical attributes (next hop included), each UPDATE filled up to
 * the session's maximum message size. IPv4 prefixes with an IPv4 next hop use the classic
 * NLRI fields; everything else goes into MP_REACH_NLRI / MP_UNREACH_NLRI.
 */
import {
  encodeAttribute,
  encodeMessage,
  formatAttributes,
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
  prefixes: string[];
  /** Path ids parallel to `prefixes` (ADD-PATH), else undefined. */
  ids: number[] | undefined;
}

/** Human summary of a path's attributes as sent to a peer: `[{Origin: i} 65001 {Nexthop: 10.0.1.10}]`. */
export function summarizePath(spec: PathSpec, peer: PeerAttributeContext): string {
  const attrs = pathAttributes(spec, peer);
  // ORIGIN, AS_PATH, NEXT_HOP, then the rest (wire order).
  attrs.splice(2, 0, { type: 'next-hop', nextHop: spec.nextHop });
  return formatAttributes(attrs);
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
 * NLRI octets of prefix text, cached for one packing run (a prefix is written once per path):
 * all in one growing buffer, so caching 10k prefixes allocates no typed array per prefix.
 */
class NlriCache {
  private readonly index = new Map<string, number>();
  private starts: Int32Array = new Int32Array(1024);
  private bytes: Uint8Array = new Uint8Array(8192);
  private used = 0;
  private count = 0;
  buf: Uint8Array = this.bytes;

  /** Index of the prefix's NLRI; its octets are `buf[start(i) .. start(i + 1))`. */
  get(prefix: string): number {
    let i = this.index.get(prefix);
    if (i !== undefined) return i;
    if (this.used + 17 > this.bytes.length) {
      const next = new Uint8Array(this.bytes.length * 2);
      next.set(this.bytes);
      this.bytes = next;
      this.buf = next;
    }
    if (this.count + 2 > this.starts.length) {
      const next = new Int32Array(this.starts.length * 2);
      next.set(this.starts);
      this.starts = next;
    }
    i = this.count++;
    this.starts[i] = this.used;
    this.used = writePrefixText(prefix, this.bytes, this.used);
    this.starts[i + 1] = this.used;
    this.index.set(prefix, i);
    return i;
  }

  start(i: number): number {
    return this.starts[i]!;
  }

  end(i: number): number {
    return this.starts[i + 1]!;
  }
}

/**
 * Builds classic IPv4 UPDATEs: `attrs` (already encoded) and the NLRI, or the withdrawn routes
 * when `attrs` is undefined, filled up to `max` octets each.
 */
function packClassic(
  prefixes: readonly string[],
  ids: readonly number[] | undefined,
  attrs: Uint8Array | undefined,
  max: number,
  cache: NlriCache,
  out: Uint8Array[],
) {
  const start = attrs === undefined ? HEADER_LENGTH + 2 : HEADER_LENGTH + 4 + attrs.length;
  // A withdrawal UPDATE still needs the (zero) total path attribute length after the routes.
  const limit = attrs === undefined ? max - 2 : max;
  let i = 0;
  while (i < prefixes.length) {
    // Size this message for what is left, so small changes do not allocate a full buffer.
    let need = start;
    for (let j = i; j < prefixes.length && need <= limit; j++) {
      const k = cache.get(prefixes[j]!);
      need += cache.end(k) - cache.start(k) + (ids ? 4 : 0);
    }
    const buf = new Uint8Array(Math.min(max, need + 2));
    let o = start;
    while (i < prefixes.length) {
      const k = cache.get(prefixes[i]!);
      const from = cache.start(k);
      const to = cache.end(k);
      if (o + (to - from) + (ids ? 4 : 0) > limit) break;
      if (ids) {
        writeU32(buf, o, ids[i]!);
        o += 4;
      }
      const src = cache.buf;
      for (let x = from; x < to; x++) buf[o++] = src[x]!;
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
    out.push(total === buf.length ? buf : buf.subarray(0, total));
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

function toNlri(prefixes: readonly string[], ids: readonly number[] | undefined): Nlri[] {
  return prefixes.map((prefix, i) => (ids ? { prefix, pathId: ids[i]! } : { prefix }));
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
  const cache = new NlriCache();
  const v4AddPath = options.addPathSend.has('1/1');
  const v6AddPath = options.addPathSend.has('2/1');
  const withdraw4: Group = {
    spec: { nextHop: '' },
    classic: true,
    prefixes: [],
    ids: v4AddPath ? [] : undefined,
  };
  const withdraw6: Group = {
    spec: { nextHop: '' },
    classic: false,
    prefixes: [],
    ids: v6AddPath ? [] : undefined,
  };
  // Grouped by the (interned) path object, then by encoding.
  const announce4 = new Map<PathSpec, Group>();
  const announce6 = new Map<PathSpec, Group>();
  for (const change of changes) {
    const v6 = change.prefix.includes(':');
    const addPath = v6 ? v6AddPath : v4AddPath;
    const w = v6 ? withdraw6 : withdraw4;
    for (const id of change.withdraw) {
      w.prefixes.push(change.prefix);
      w.ids?.push(id);
    }
    const map = v6 ? announce6 : announce4;
    for (const path of change.announce) {
      let group = map.get(path.spec);
      if (group === undefined) {
        // An IPv4 prefix with an IPv6 next hop (RFC 8950) goes into MP_REACH_NLRI.
        const classic = !v6 && parseIpv4(path.spec.nextHop) >= 0;
        group = { spec: path.spec, classic, prefixes: [], ids: addPath ? [] : undefined };
        map.set(path.spec, group);
      }
      group.prefixes.push(change.prefix);
      group.ids?.push(path.pathId);
    }
  }
  const addGroup = (g: Group, attributes: string, before: number, withdrawn: boolean) => {
    const out: PackedGroup = {
      nlri: withdrawn ? [] : g.prefixes,
      withdrawn: withdrawn ? g.prefixes : [],
      attributes,
      messages: messages.length - before,
    };
    if (g.ids !== undefined) out.pathIds = g.ids;
    groups.push(out);
  };
  if (withdraw4.prefixes.length > 0) {
    const before = messages.length;
    packClassic(withdraw4.prefixes, withdraw4.ids, undefined, max, cache, messages);
    addGroup(withdraw4, '', before, true);
  }
  if (withdraw6.prefixes.length > 0) {
    const before = messages.length;
    packMultiprotocol(toNlri(withdraw6.prefixes, withdraw6.ids), 2, undefined, undefined, options, messages);
    addGroup(withdraw6, '', before, true);
  }
  for (const group of [...announce4.values(), ...announce6.values()]) {
    const before = messages.length;
    const base = pathAttributes(group.spec, peer);
    if (group.classic) {
      const attrs = concat([
        ...base.map((a) => encodeAttribute(a, options)),
        encodeAttribute({ type: 'next-hop', nextHop: group.spec.nextHop }, options),
      ]);
      packClassic(group.prefixes, group.ids, attrs, max, cache, messages);
    } else {
      const v6 = group.prefixes[0]!.includes(':');
      packMultiprotocol(
        toNlri(group.prefixes, group.ids),
        v6 ? 2 : 1,
        base,
        group.spec.nextHop,
        options,
        messages,
      );
    }
    addGroup(group, summarizePath(group.spec, peer), before, false);
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
