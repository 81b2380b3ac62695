/**
 * The UPDATE packer: routes and withdrawals -> the fewest UPDATE messages that carry them.
 * Routes with identical attributes (and next hop, family) share messages; each message is packed
 * with as many NLRI as fit the maximum length. Output is a function of the input only (groups in
 * order of first appearance, prefixes in input order), so it is deterministic.
 */
import { afiOf, writePrefixText } from './address.js';
import { CANONICAL_FLAGS } from './attributes-decode.js';
import { attributeCode, ByteWriter, writeAttribute } from './attributes-encode.js';
import { AttributeCode, AttributeFlag, HEADER_LENGTH, MessageType } from './constants.js';
import { writeHeader } from './header.js';
import { maxMessageLength, type SessionOptions } from './session.js';
import type { AfiNumber, AsPathSegment, FamilyKey, PathAttribute, Route, RouteKey } from './types.js';

/** What to send: routes to announce and routes to withdraw. */
export interface UpdateBatch {
  announce?: readonly Route[];
  withdraw?: readonly RouteKey[];
}

/** Prefixes of one family, with their path ids (parallel to `prefixes`) when ADD-PATH applies. */
export interface PrefixGroup {
  /** Defaults to the family of `prefixes[0]`; every prefix must be in it. */
  afi?: AfiNumber;
  /** Defaults to 1 (unicast). */
  safi?: number;
  prefixes: readonly string[];
  /** Written only in the families of `options.addPathSend` (0 where missing). */
  pathIds?: readonly number[];
}

/** Prefixes that share one next hop and one set of attributes (the fields mean what they mean in {@link Route}). */
export interface RouteGroup extends PrefixGroup {
  nextHop?: string;
  linkLocalNextHop?: string;
  attributes: readonly PathAttribute[];
}

/** {@link encodeRouteGroups}'s input: routes already grouped by the caller. */
export interface GroupedBatch {
  announce?: readonly RouteGroup[];
  withdraw?: readonly PrefixGroup[];
}

function familyOf(r: RouteKey): { afi: 1 | 2; safi: number; key: FamilyKey } {
  const own = afiOf(r.prefix);
  const afi = r.afi ?? own;
  if (afi !== own) throw new TypeError(`prefix ${r.prefix} is not in AFI ${afi}`);
  const safi = r.safi ?? 1;
  return { afi, safi, key: `${afi}/${safi}` };
}

interface Group {
  afi: 1 | 2;
  safi: number;
  addPath: boolean;
  /** Encoded attributes before MP_REACH (all of them for IPv4 NLRI). */
  before: Uint8Array;
  /** Encoded attributes after MP_REACH (empty for IPv4 NLRI). */
  after: Uint8Array;
  /** MP_REACH fixed part (AFI, SAFI, next hop length, next hop, reserved), or undefined for IPv4 NLRI. */
  mpFixed: Uint8Array | undefined;
  /** The group's routes as [start, end) index pairs into the input array (no per-route copy). */
  runs: number[];
}

/** Adds input index `k` to a group's runs, extending the last run when it ends at `k`. */
function addIndex(runs: number[], k: number): void {
  const n = runs.length;
  if (n > 0 && runs[n - 1] === k) runs[n - 1] = k + 1;
  else runs.push(k, k + 1);
}

function hasWide(segments: readonly AsPathSegment[]): boolean {
  return segments.some((s) => s.asns.some((a) => a > 0xffff));
}

/** The attributes actually sent for a group, sorted by type code. */
function prepareAttributes(
  attrs: readonly PathAttribute[],
  ipv4NextHop: string | undefined,
  options: SessionOptions,
): PathAttribute[] {
  const out: PathAttribute[] = [];
  for (const a of attrs) {
    if (a.type === 'mp-reach' || a.type === 'mp-unreach') {
      throw new TypeError(
        'route attributes must not contain MP_REACH_NLRI/MP_UNREACH_NLRI (encodeUpdates builds them)',
      );
    }
    if (a.type === 'next-hop' && ipv4NextHop !== undefined) continue;
    if ((a.type === 'as4-path' || a.type === 'as4-aggregator') && options.fourOctetAs) continue; // RFC 6793 §4.1
    if (a.type === 'unknown') {
      // Extended Length only when needed (writeAttribute adds it back for long values); Partial
      // set on an unrecognized optional transitive attribute we pass on (RFC 4271 §5).
      let flags = a.flags & ~AttributeFlag.EXTENDED_LENGTH;
      if (flags & AttributeFlag.OPTIONAL && flags & AttributeFlag.TRANSITIVE) flags |= AttributeFlag.PARTIAL;
      out.push(flags === a.flags ? a : { ...a, flags });
      continue;
    }
    if (a.flags !== undefined && a.flags & AttributeFlag.EXTENDED_LENGTH) {
      const flags = a.flags & ~AttributeFlag.EXTENDED_LENGTH;
      const { flags: _dropped, ...rest } = a;
      // Canonical flags need no `flags` field; keep only a meaningful difference (e.g. Partial).
      out.push(
        flags === CANONICAL_FLAGS[attributeCode(a)]
          ? (rest as PathAttribute)
          : ({ ...a, flags } as PathAttribute),
      );
      continue;
    }
    out.push(a);
  }
  if (ipv4NextHop !== undefined) out.push({ type: 'next-hop', nextHop: ipv4NextHop });
  if (!options.fourOctetAs) {
    // RFC 6793 §4.2.2: a 2-octet session carries AS_TRANS in AS_PATH/AGGREGATOR and the real ASNs in AS4_*.
    const asPath = out.find((a) => a.type === 'as-path');
    if (asPath?.type === 'as-path' && hasWide(asPath.segments) && !out.some((a) => a.type === 'as4-path')) {
      const segments = asPath.segments.filter((s) => s.type === 'sequence' || s.type === 'set');
      if (segments.length > 0) out.push({ type: 'as4-path', segments });
    }
    const agg = out.find((a) => a.type === 'aggregator');
    if (agg?.type === 'aggregator' && agg.asn > 0xffff && !out.some((a) => a.type === 'as4-aggregator')) {
      out.push({ type: 'as4-aggregator', asn: agg.asn, address: agg.address });
    }
  }
  return out
    .map((a, i) => ({ a, i, code: attributeCode(a) }))
    .sort((x, y) => x.code - y.code || x.i - y.i)
    .map((x) => x.a);
}

function encodeList(attrs: readonly PathAttribute[], options: SessionOptions): Uint8Array {
  const w = new ByteWriter(128);
  for (const a of attrs) writeAttribute(w, a, options);
  return w.result();
}

function mpFixedPart(afi: number, safi: number, nextHop: string, linkLocal: string | undefined): Uint8Array {
  const w = new ByteWriter(40);
  w.u16(afi);
  w.u8(safi);
  const v6 = nextHop.includes(':');
  if (!v6 && linkLocal !== undefined)
    throw new TypeError('a link-local next hop needs an IPv6 global next hop');
  w.u8(v6 ? (linkLocal === undefined ? 16 : 32) : 4);
  if (v6) w.ipv6(nextHop);
  else w.ipv4(nextHop);
  if (linkLocal !== undefined) w.ipv6(linkLocal);
  w.u8(0);
  return w.result();
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 4096)));
  }
  return s;
}

/**
 * Encodes routes to announce and withdraw into UPDATE messages (each a new Uint8Array).
 *
 * - Withdrawals come first: IPv4 unicast in the Withdrawn Routes field, other families in
 *   MP_UNREACH_NLRI; then announcements grouped by identical attributes, next hop and family.
 * - Attributes are sorted by type code; NEXT_HOP comes from `route.nextHop` for IPv4 unicast with
 *   an IPv4 next hop, and MP_REACH_NLRI carries every other family (and RFC 8950 IPv6 next hops).
 * - On a 2-octet AS session ASNs over 65535 become AS_TRANS with AS4_PATH/AS4_AGGREGATOR added;
 *   on a 4-octet session AS4_* attributes are dropped (RFC 6793). Unrecognized optional transitive
 *   attributes are passed on with the Partial bit set; a received Extended Length flag is kept only
 *   where the value needs it.
 * - Path ids are written (0 when missing) exactly in the families of `options.addPathSend`.
 *
 * The messages are views into a few shared buffers of up to 1 MiB (one allocation per MiB of
 * output, not per message; consecutive messages are adjacent in them); copy one with `slice()`
 * to keep it alone for long.
 *
 * Throws TypeError for malformed routes and RangeError when the attributes alone do not fit.
 */
export function encodeUpdates(
  batch: UpdateBatch,
  options: SessionOptions,
  maxLength: number = maxMessageLength(options),
): Uint8Array[] {
  checkMaxLength(maxLength, options);
  const buf = new Uint8Array(maxLength);
  const out = new OutputArena();

  // Withdrawals, grouped by family in order of first appearance.
  const withdraw = batch.withdraw ?? [];
  const withdrawals = new Map<FamilyKey, { afi: 1 | 2; safi: number; runs: number[] }>();
  for (let k = 0; k < withdraw.length; k++) {
    const f = familyOf(withdraw[k]!);
    let g = withdrawals.get(f.key);
    if (g === undefined) {
      g = { afi: f.afi, safi: f.safi, runs: [] };
      withdrawals.set(f.key, g);
    }
    addIndex(g.runs, k);
  }
  for (const g of withdrawals.values()) {
    packWithdrawals(buf, out, withdraw, undefined, g.runs, g.afi, g.safi, options);
  }

  // Announcements, grouped by attributes + next hop + family.
  const groups = new Map<string, Group>();
  const attrKeys = new Map<readonly PathAttribute[], string>();
  let lastAttrs: readonly PathAttribute[] | undefined;
  let lastNextHop: string | undefined;
  let lastLinkLocal: string | undefined;
  let lastAfi: number | undefined;
  let lastSafi: number | undefined;
  let lastGroup: Group | undefined;
  const announce = batch.announce ?? [];
  for (let k = 0; k < announce.length; k++) {
    const r = announce[k]!;
    const own = afiOf(r.prefix);
    const afi = r.afi ?? own;
    if (afi !== own) throw new TypeError(`prefix ${r.prefix} is not in AFI ${afi}`);
    const safi = r.safi ?? 1;
    if (
      lastGroup !== undefined &&
      r.attributes === lastAttrs &&
      r.nextHop === lastNextHop &&
      r.linkLocalNextHop === lastLinkLocal &&
      afi === lastAfi &&
      safi === lastSafi
    ) {
      lastGroup.runs[lastGroup.runs.length - 1] = k + 1;
      continue;
    }
    const f = familyOf(r);
    let attrKey = attrKeys.get(r.attributes);
    if (attrKey === undefined) {
      attrKey = latin1(encodeList(r.attributes, options));
      attrKeys.set(r.attributes, attrKey);
    }
    const groupKey = `${f.key}|${r.nextHop ?? ''}|${r.linkLocalNextHop ?? ''}|${attrKey}`;
    let g = groups.get(groupKey);
    if (g === undefined) {
      g = makeGroup(r, f.afi, f.safi, f.key, options);
      groups.set(groupKey, g);
    }
    addIndex(g.runs, k);
    lastAttrs = r.attributes;
    lastNextHop = r.nextHop;
    lastLinkLocal = r.linkLocalNextHop;
    lastAfi = afi;
    lastSafi = safi;
    lastGroup = g;
  }
  for (const g of groups.values())
    packMessages(buf, out, announce, undefined, g.runs, g.addPath, announceLayout(g));
  return out.messages;
}

/**
 * The same encoding as {@link encodeUpdates} for routes the caller has already grouped (a
 * speaker knows which prefixes share a path): no per-route object, no grouping work, and each
 * group's attributes are encoded once. Withdrawal groups are sent first, then the route groups,
 * each in the given order; empty groups send nothing. Groups with equal attributes are not
 * merged. Same errors as {@link encodeUpdates}; also a TypeError when a prefix is not in its
 * group's family or `pathIds` is not parallel to `prefixes`.
 */
export function encodeRouteGroups(
  batch: GroupedBatch,
  options: SessionOptions,
  maxLength: number = maxMessageLength(options),
): Uint8Array[] {
  checkMaxLength(maxLength, options);
  const buf = new Uint8Array(maxLength);
  const out = new OutputArena();
  for (const w of batch.withdraw ?? []) {
    if (w.prefixes.length === 0) continue;
    const f = groupFamily(w);
    packWithdrawals(buf, out, w.prefixes, w.pathIds, [0, w.prefixes.length], f.afi, f.safi, options);
  }
  for (const r of batch.announce ?? []) {
    if (r.prefixes.length === 0) continue;
    const f = groupFamily(r);
    const route: Route = { prefix: r.prefixes[0]!, attributes: r.attributes };
    if (r.nextHop !== undefined) route.nextHop = r.nextHop;
    if (r.linkLocalNextHop !== undefined) route.linkLocalNextHop = r.linkLocalNextHop;
    const g = makeGroup(route, f.afi, f.safi, f.key, options);
    packMessages(buf, out, r.prefixes, r.pathIds, [0, r.prefixes.length], g.addPath, announceLayout(g));
  }
  return out.messages;
}

function checkMaxLength(maxLength: number, options: SessionOptions): void {
  if (!(maxLength >= 64 && maxLength <= maxMessageLength(options))) {
    throw new RangeError(`maxLength ${maxLength} must be 64..${maxMessageLength(options)}`);
  }
}

/** The family of a group, checking that every prefix is in it (an IPv6 prefix would corrupt IPv4 NLRI). */
function groupFamily(g: PrefixGroup): { afi: 1 | 2; safi: number; key: FamilyKey } {
  const afi = g.afi ?? afiOf(g.prefixes[0]!);
  const v6 = afi === 2;
  for (const p of g.prefixes) {
    if (typeof p !== 'string' || p.includes(':') !== v6)
      throw new TypeError(`prefix ${p} is not in AFI ${afi}`);
  }
  if (g.pathIds !== undefined && g.pathIds.length !== g.prefixes.length) {
    throw new TypeError(`${g.pathIds.length} path ids for ${g.prefixes.length} prefixes`);
  }
  const safi = g.safi ?? 1;
  return { afi, safi, key: `${afi}/${safi}` };
}

const NO_ATTRIBUTES = new Uint8Array(0);

/** IPv4 unicast in the Withdrawn Routes field, every other family in MP_UNREACH_NLRI. */
function packWithdrawals(
  buf: Uint8Array,
  out: OutputArena,
  keys: readonly (RouteKey | string)[],
  ids: readonly number[] | undefined,
  runs: readonly number[],
  afi: 1 | 2,
  safi: number,
  options: SessionOptions,
): void {
  const classic = afi === 1 && safi === 1;
  packMessages(buf, out, keys, ids, runs, options.addPathSend.has(`${afi}/${safi}`), {
    before: NO_ATTRIBUTES,
    after: NO_ATTRIBUTES,
    mpFixed: classic ? undefined : Uint8Array.of(0, afi, safi),
    withdrawn: classic,
    mpCode: classic ? 0 : AttributeCode.MP_UNREACH_NLRI,
  });
}

function announceLayout(g: Group): PackLayout {
  return {
    before: g.before,
    after: g.after,
    mpFixed: g.mpFixed,
    withdrawn: false,
    mpCode: AttributeCode.MP_REACH_NLRI,
  };
}

function makeGroup(r: Route, afi: 1 | 2, safi: number, key: FamilyKey, options: SessionOptions): Group {
  const plainIpv4 = afi === 1 && safi === 1 && (r.nextHop === undefined || !r.nextHop.includes(':'));
  const addPath = options.addPathSend.has(key);
  if (plainIpv4) {
    if (r.linkLocalNextHop !== undefined) throw new TypeError('a link-local next hop needs an IPv6 next hop');
    const attrs = prepareAttributes(r.attributes, r.nextHop, options);
    if (!attrs.some((a) => a.type === 'next-hop')) {
      throw new TypeError(`route ${r.prefix} has no next hop (set route.nextHop or a next-hop attribute)`);
    }
    return {
      afi,
      safi,
      addPath,
      before: encodeList(attrs, options),
      after: new Uint8Array(0),
      mpFixed: undefined,
      runs: [],
    };
  }
  if (r.nextHop === undefined) throw new TypeError(`route ${r.prefix} needs route.nextHop for MP_REACH_NLRI`);
  if (afi === 2 && !r.nextHop.includes(':'))
    throw new TypeError(`IPv6 route ${r.prefix} needs an IPv6 next hop`);
  const attrs = prepareAttributes(
    r.attributes.filter((a) => a.type !== 'next-hop'),
    undefined,
    options,
  );
  const before = attrs.filter((a) => attributeCode(a) < AttributeCode.MP_REACH_NLRI);
  const after = attrs.filter((a) => attributeCode(a) > AttributeCode.MP_REACH_NLRI);
  return {
    afi,
    safi,
    addPath,
    before: encodeList(before, options),
    after: encodeList(after, options),
    mpFixed: mpFixedPart(afi, safi, r.nextHop, r.linkLocalNextHop),
    runs: [],
  };
}

/**
 * Where finished messages go: views into a few large buffers rather than one small allocation
 * each. Thousands of separate 4 KiB buffers count as external memory and push V8 into marking the
 * whole heap (which, for a speaker holding a full table of routes, is the expensive part).
 */
class OutputArena {
  readonly messages: Uint8Array[] = [];
  private arena = new Uint8Array(0);
  private pos = 0;
  /** Small first (a flush of a few routes), doubling up to 1 MiB for large outputs. */
  private next = 64 * 1024;

  push(buf: Uint8Array, length: number): void {
    if (this.pos + length > this.arena.length) {
      this.arena = new Uint8Array(Math.max(length, this.next));
      this.next = Math.min(this.next * 2, 1 << 20);
      this.pos = 0;
    }
    this.arena.set(buf.subarray(0, length), this.pos);
    this.messages.push(this.arena.subarray(this.pos, this.pos + length));
    this.pos += length;
  }
}

interface PackLayout {
  before: Uint8Array;
  after: Uint8Array;
  /** MP attribute fixed part; undefined = prefixes go in the Withdrawn Routes or NLRI field. */
  mpFixed: Uint8Array | undefined;
  /** For IPv4 without MP: prefixes go to the Withdrawn Routes field. */
  withdrawn: boolean;
  mpCode: number;
}

/**
 * Writes as many messages as needed to carry the prefixes of `keys` (route keys or prefix text,
 * path ids from `ids` when given, else from the keys) with the given layout, in one pass: each
 * prefix is written straight into the message buffer until the next one does not fit.
 */
function packMessages(
  buf: Uint8Array,
  out: OutputArena,
  keys: readonly (RouteKey | string)[],
  ids: readonly number[] | undefined,
  runs: readonly number[],
  addPath: boolean,
  layout: PackLayout,
): void {
  const max = buf.length;
  const { before, after, mpFixed } = layout;
  const idSize = addPath ? 4 : 0;
  // Fixed overhead: header, withdrawn length, attribute length, attributes, MP header (4 max).
  const overhead = HEADER_LENGTH + 4 + before.length + after.length + (mpFixed ? 4 + mpFixed.length : 0);
  if (max - overhead < idSize + 17) {
    throw new RangeError(`attributes take ${overhead} octets; no room for NLRI in ${max}-octet messages`);
  }
  const withdrawnField = mpFixed === undefined && layout.withdrawn;
  // Cursor over the runs: run `ri` covers routes[runs[2ri] .. runs[2ri+1]).
  let ri = 0;
  let pos = runs[0] ?? 0;
  const nRuns = runs.length >> 1;
  while (ri < nRuns) {
    let p = HEADER_LENGTH + 4;
    let mpHeader = 0;
    if (withdrawnField) {
      p = HEADER_LENGTH + 2;
    } else {
      buf.set(before, p);
      p += before.length;
      if (mpFixed !== undefined) {
        mpHeader = p;
        p += 4; // flags, type, 2-octet length; shrunk to 3 octets below when the value is short
        buf.set(mpFixed, p);
        p += mpFixed.length;
      }
    }
    const nlriStart = p;
    const limit = max - (withdrawnField ? 2 : after.length);
    let runEnd = runs[2 * ri + 1]!;
    for (;;) {
      if (pos >= runEnd) {
        if (++ri >= nRuns) break;
        pos = runs[2 * ri]!;
        runEnd = runs[2 * ri + 1]!;
        continue;
      }
      const key = keys[pos]!;
      const prefix = typeof key === 'string' ? key : key.prefix;
      let q = p;
      if (addPath) {
        if (q + 4 > limit) break;
        const id = ids !== undefined ? (ids[pos] ?? 0) : typeof key === 'string' ? 0 : (key.pathId ?? 0);
        if (!(id >= 0 && id <= 0xffffffff && Number.isInteger(id)))
          throw new RangeError(`path id ${id} is not a uint32`);
        buf[q] = id >>> 24;
        buf[q + 1] = (id >>> 16) & 255;
        buf[q + 2] = (id >>> 8) & 255;
        buf[q + 3] = id & 255;
        q += 4;
      }
      const end = writePrefixText(prefix, buf, q, limit);
      if (end < 0) break;
      p = end;
      pos++;
    }
    const used = p - nlriStart;
    if (withdrawnField) {
      buf[HEADER_LENGTH] = used >>> 8;
      buf[HEADER_LENGTH + 1] = used & 255;
      buf[p++] = 0;
      buf[p++] = 0;
    } else {
      if (mpFixed !== undefined) {
        const value = mpFixed.length + used;
        let h = mpHeader;
        if (value > 255) {
          buf[h++] = AttributeFlag.OPTIONAL | AttributeFlag.EXTENDED_LENGTH;
          buf[h++] = layout.mpCode;
          buf[h++] = value >>> 8;
          buf[h] = value & 255;
        } else {
          buf.copyWithin(mpHeader + 3, mpHeader + 4, p);
          p -= 1;
          buf[h++] = AttributeFlag.OPTIONAL;
          buf[h++] = layout.mpCode;
          buf[h] = value;
        }
        buf.set(after, p);
        p += after.length;
      }
      const attrTotal = mpFixed === undefined ? before.length : p - (HEADER_LENGTH + 4);
      buf[HEADER_LENGTH] = 0;
      buf[HEADER_LENGTH + 1] = 0;
      buf[HEADER_LENGTH + 2] = attrTotal >>> 8;
      buf[HEADER_LENGTH + 3] = attrTotal & 255;
    }
    writeHeader(buf, 0, p, MessageType.UPDATE);
    out.push(buf, p);
  }
}
