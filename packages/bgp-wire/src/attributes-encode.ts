/** Path attribute encoding: one attribute to its flags/type/length/value octets. */
import { parseIpv4, parseIpv6, writePrefixText } from './address.js';
import { CANONICAL_FLAGS } from './attributes-decode.js';
import { checkUint } from './check.js';
import { AS_TRANS, AttributeCode, AttributeFlag } from './constants.js';
import type { SessionOptions } from './session.js';
import type { AsPathSegment, ExtendedCommunity, Nlri, PathAttribute } from './types.js';

/** A growable byte writer for attribute values (small; NLRI bulk paths write directly). */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  constructor(size = 64) {
    this.buf = new Uint8Array(size);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 255;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 255;
    this.buf[this.pos++] = v & 255;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 255;
    this.buf[this.pos++] = (v >>> 16) & 255;
    this.buf[this.pos++] = (v >>> 8) & 255;
    this.buf[this.pos++] = v & 255;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  ipv4(text: string): void {
    const v = parseIpv4(text);
    if (v < 0) throw new TypeError(`not an IPv4 address: ${JSON.stringify(text)}`);
    this.u32(v);
  }
  ipv6(text: string): void {
    this.ensure(16);
    if (!parseIpv6(text, this.buf, this.pos))
      throw new TypeError(`not an IPv6 address: ${JSON.stringify(text)}`);
    this.pos += 16;
  }
  /** Writes one NLRI entry (optional path id, then the prefix). */
  nlri(n: Nlri, addPath: boolean): void {
    if (addPath) this.u32(n.pathId ?? 0);
    this.ensure(17);
    const end = writePrefixText(n.prefix, this.buf, this.pos);
    this.pos = end;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function writeSegments(w: ByteWriter, segments: readonly AsPathSegment[], asSize: 2 | 4): void {
  const types = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 } as const;
  for (const seg of segments) {
    const t = types[seg.type];
    if (t === undefined) throw new TypeError(`unknown AS_PATH segment type ${String(seg.type)}`);
    if (seg.asns.length === 0) throw new RangeError('AS_PATH segment with no ASNs');
    // Sequences longer than 255 are split (same meaning); a set cannot be split.
    if (seg.asns.length > 255 && (t === 1 || t === 4)) throw new RangeError('AS_SET with more than 255 ASNs');
    for (let i = 0; i < seg.asns.length; i += 255) {
      const part = seg.asns.slice(i, i + 255);
      w.u8(t);
      w.u8(part.length);
      for (const asn of part) {
        checkUint(asn, 0xffffffff, 'ASN');
        if (asSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

function writeExtendedCommunity(w: ByteWriter, c: ExtendedCommunity): void {
  switch (c.kind) {
    case 'raw':
      if (c.bytes.length !== 8) throw new RangeError('raw extended community must be 8 octets');
      w.bytes(c.bytes);
      return;
    case 'link-bandwidth': {
      w.u8(c.transitive ? 0x00 : 0x40);
      w.u8(0x04);
      w.u16(checkUint(c.asn, 0xffff, 'link-bandwidth ASN'));
      const f = new DataView(new ArrayBuffer(4));
      f.setFloat32(0, c.bandwidth);
      w.bytes(new Uint8Array(f.buffer));
      return;
    }
    default: {
      const sub = c.kind === 'route-target' ? 2 : 3;
      const t = c.format === 'as2' ? 0 : c.format === 'ipv4' ? 1 : 2;
      w.u8(t | (c.transitive ? 0 : 0x40));
      w.u8(sub);
      if (c.format === 'as2') {
        w.u16(checkUint(Number(c.globalAdmin), 0xffff, 'route target AS'));
        w.u32(checkUint(c.localAdmin, 0xffffffff, 'route target local'));
      } else if (c.format === 'ipv4') {
        w.ipv4(String(c.globalAdmin));
        w.u16(checkUint(c.localAdmin, 0xffff, 'route target local'));
      } else {
        w.u32(checkUint(Number(c.globalAdmin), 0xffffffff, 'route target AS'));
        w.u16(checkUint(c.localAdmin, 0xffff, 'route target local'));
      }
    }
  }
}

/** The type code of an attribute. */
export function attributeCode(attr: PathAttribute): number {
  switch (attr.type) {
    case 'origin':
      return AttributeCode.ORIGIN;
    case 'as-path':
      return AttributeCode.AS_PATH;
    case 'next-hop':
      return AttributeCode.NEXT_HOP;
    case 'med':
      return AttributeCode.MULTI_EXIT_DISC;
    case 'local-pref':
      return AttributeCode.LOCAL_PREF;
    case 'atomic-aggregate':
      return AttributeCode.ATOMIC_AGGREGATE;
    case 'aggregator':
      return AttributeCode.AGGREGATOR;
    case 'communities':
      return AttributeCode.COMMUNITIES;
    case 'originator-id':
      return AttributeCode.ORIGINATOR_ID;
    case 'cluster-list':
      return AttributeCode.CLUSTER_LIST;
    case 'mp-reach':
      return AttributeCode.MP_REACH_NLRI;
    case 'mp-unreach':
      return AttributeCode.MP_UNREACH_NLRI;
    case 'extended-communities':
      return AttributeCode.EXTENDED_COMMUNITIES;
    case 'as4-path':
      return AttributeCode.AS4_PATH;
    case 'as4-aggregator':
      return AttributeCode.AS4_AGGREGATOR;
    case 'large-communities':
      return AttributeCode.LARGE_COMMUNITY;
    case 'otc':
      return AttributeCode.OTC;
    case 'unknown':
      return attr.code;
  }
}

/** Writes an attribute's value (no header). */
function writeValue(w: ByteWriter, attr: PathAttribute, options: SessionOptions): void {
  switch (attr.type) {
    case 'origin': {
      const v = attr.origin === 'igp' ? 0 : attr.origin === 'egp' ? 1 : attr.origin === 'incomplete' ? 2 : -1;
      if (v < 0) throw new TypeError(`unknown origin ${String(attr.origin)}`);
      w.u8(v);
      return;
    }
    case 'as-path':
      writeSegments(w, attr.segments, options.fourOctetAs ? 4 : 2);
      return;
    case 'as4-path':
      writeSegments(w, attr.segments, 4);
      return;
    case 'next-hop':
      w.ipv4(attr.nextHop);
      return;
    case 'med':
      w.u32(checkUint(attr.med, 0xffffffff, 'MED'));
      return;
    case 'local-pref':
      w.u32(checkUint(attr.localPref, 0xffffffff, 'LOCAL_PREF'));
      return;
    case 'atomic-aggregate':
      return;
    case 'aggregator':
      checkUint(attr.asn, 0xffffffff, 'AGGREGATOR ASN');
      if (options.fourOctetAs) w.u32(attr.asn);
      else w.u16(attr.asn > 0xffff ? AS_TRANS : attr.asn);
      w.ipv4(attr.address);
      return;
    case 'as4-aggregator':
      w.u32(checkUint(attr.asn, 0xffffffff, 'AS4_AGGREGATOR ASN'));
      w.ipv4(attr.address);
      return;
    case 'communities':
      if (attr.communities.length === 0) throw new RangeError('COMMUNITIES must not be empty');
      for (const c of attr.communities) w.u32(checkUint(c, 0xffffffff, 'community'));
      return;
    case 'originator-id':
      w.ipv4(attr.originatorId);
      return;
    case 'cluster-list':
      if (attr.clusterIds.length === 0) throw new RangeError('CLUSTER_LIST must not be empty');
      for (const id of attr.clusterIds) w.ipv4(id);
      return;
    case 'mp-reach': {
      w.u16(checkUint(attr.afi, 0xffff, 'AFI'));
      w.u8(checkUint(attr.safi, 255, 'SAFI'));
      const sizes = attr.nextHops.map((nh) => (nh.includes(':') ? 16 : 4));
      const total = sizes.reduce((a, b) => a + b, 0);
      if (
        !(
          (total === 4 && attr.afi === 1) ||
          (total === 16 && sizes[0] === 16) ||
          (total === 32 && sizes[0] === 16 && sizes[1] === 16)
        )
      ) {
        throw new RangeError(
          `MP_REACH_NLRI next hops ${JSON.stringify(attr.nextHops)} are not 4, 16 or 2x16 octets`,
        );
      }
      w.u8(total);
      for (const nh of attr.nextHops) {
        if (nh.includes(':')) w.ipv6(nh);
        else w.ipv4(nh);
      }
      w.u8(0);
      const addPath = options.addPathSend.has(`${attr.afi}/${attr.safi}`);
      for (const n of attr.nlri) w.nlri(n, addPath);
      return;
    }
    case 'mp-unreach': {
      w.u16(checkUint(attr.afi, 0xffff, 'AFI'));
      w.u8(checkUint(attr.safi, 255, 'SAFI'));
      const addPath = options.addPathSend.has(`${attr.afi}/${attr.safi}`);
      for (const n of attr.withdrawn) w.nlri(n, addPath);
      return;
    }
    case 'extended-communities':
      if (attr.communities.length === 0) throw new RangeError('EXTENDED_COMMUNITIES must not be empty');
      for (const c of attr.communities) writeExtendedCommunity(w, c);
      return;
    case 'large-communities':
      if (attr.communities.length === 0) throw new RangeError('LARGE_COMMUNITY must not be empty');
      for (const c of attr.communities) {
        w.u32(checkUint(c.globalAdmin, 0xffffffff, 'large community'));
        w.u32(checkUint(c.localData1, 0xffffffff, 'large community'));
        w.u32(checkUint(c.localData2, 0xffffffff, 'large community'));
      }
      return;
    case 'otc':
      w.u32(checkUint(attr.asn, 0xffffffff, 'OTC ASN'));
      return;
    case 'unknown':
      w.bytes(attr.data);
      return;
  }
}

const valueWriter = new ByteWriter(256);

/**
 * Writes one attribute (flags, type, length, value) to `w`. Flags are the attribute's `flags`
 * when set, else the canonical flags of its type; Extended Length is added when the value is
 * over 255 octets and otherwise used only if `flags` asks for it.
 */
export function writeAttribute(w: ByteWriter, attr: PathAttribute, options: SessionOptions): void {
  const code = attributeCode(attr);
  checkUint(code, 255, 'attribute type code');
  valueWriter.pos = 0;
  writeValue(valueWriter, attr, options);
  const length = valueWriter.pos;
  if (length > 0xffff) throw new RangeError(`attribute ${code} value is ${length} octets (max 65535)`);
  let flags = attr.flags ?? CANONICAL_FLAGS[code] ?? AttributeFlag.OPTIONAL | AttributeFlag.TRANSITIVE;
  checkUint(flags, 255, 'attribute flags');
  if (length > 255) flags |= AttributeFlag.EXTENDED_LENGTH;
  w.u8(flags);
  w.u8(code);
  if (flags & AttributeFlag.EXTENDED_LENGTH) w.u16(length);
  else w.u8(length);
  w.bytes(valueWriter.buf.subarray(0, length));
}

/** Encodes one attribute to a new array. */
export function encodeAttribute(attr: PathAttribute, options: SessionOptions): Uint8Array {
  const w = new ByteWriter(64);
  writeAttribute(w, attr, options);
  return w.result();
}
