/**
 * Paths as the speaker's users give them (`PathSpec`), their validation, and their translation
 * into BGP path attributes for one peer.
 */
import {
  AS_TRANS,
  canonicalPrefix,
  formatAddress,
  formatAttributes,
  formatIpv4Number,
  type PathAttribute,
  parseAddress,
  parseCommunity,
  parseIpv4,
  parseLargeCommunity,
} from '@bgplb/bgp-wire';

/** One path of a prefix: a next hop and its attributes. */
export interface PathSpec {
  nextHop: string;
  med?: number;
  /** Sent to iBGP peers only (RFC 4271 §5.1.5). */
  localPref?: number;
  /** Communities in bgp-wire's `parseCommunity` grammar: `'65000:1'`, `'NO_EXPORT'` (or `no-export`), `'4294967041'`. */
  communities?: string[];
  /** `'65000:1:2'` (RFC 8092). */
  largeCommunities?: string[];
  origin?: 'igp' | 'egp' | 'incomplete';
  /**
   * Link bandwidth (draft-ietf-idr-link-bandwidth, RFC 10005) in bytes per second, sent as the
   * non-transitive link-bandwidth extended community: routers that do weighted ECMP split traffic
   * over a prefix's paths in proportion to it. Must be a positive number a float32 can carry.
   */
  linkBandwidth?: number;
  /**
   * Extra copies of our AS in the AS_PATH sent to eBGP peers (0-10): a longer path, less preferred
   * by routers (graceful drain's fallback for routers without a graceful-shutdown policy).
   */
  asPathPrepend?: number;
}

/** Canonical prefix text, or a TypeError naming the bad input. */
export function normalizePrefix(prefix: string): string {
  // Fast path for IPv4 (the common case): no allocation beyond the result string.
  const slash = typeof prefix === 'string' ? prefix.indexOf('/') : -1;
  if (slash > 0 && slash >= prefix.length - 3) {
    const v = parseIpv4(prefix, 0, slash);
    const length = Number(prefix.slice(slash + 1));
    if (
      v >= 0 &&
      Number.isInteger(length) &&
      length >= 0 &&
      length <= 32 &&
      /^\d+$/.test(prefix.slice(slash + 1))
    ) {
      const masked = length === 0 ? 0 : (v & (0xffffffff << (32 - length))) >>> 0;
      return `${formatIpv4Number(masked)}/${length}`;
    }
  }
  try {
    return canonicalPrefix(prefix);
  } catch (err) {
    throw new TypeError(`invalid prefix ${JSON.stringify(prefix)}: ${(err as Error).message}`);
  }
}

/** Checks a path and returns it in canonical form (next hop normalized, values range-checked). */
export function normalizePath(path: PathSpec, prefix: string): PathSpec {
  let nextHop: string;
  try {
    nextHop = formatAddress(parseAddress(path.nextHop));
  } catch {
    throw new TypeError(`path of ${prefix}: next hop ${JSON.stringify(path?.nextHop)} is not an IP address`);
  }
  const out: PathSpec = { nextHop };
  const check = (v: number | undefined, what: string) => {
    if (v === undefined) return;
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new TypeError(`path of ${prefix}: ${what} ${v} is not a uint32`);
  };
  check(path.med, 'MED');
  check(path.localPref, 'LOCAL_PREF');
  if (path.med !== undefined) out.med = path.med;
  if (path.localPref !== undefined) out.localPref = path.localPref;
  if (path.communities !== undefined && path.communities.length > 0) {
    for (const c of path.communities) parseCommunity(c);
    out.communities = [...path.communities];
  }
  if (path.largeCommunities !== undefined && path.largeCommunities.length > 0) {
    for (const c of path.largeCommunities) parseLargeCommunity(c);
    out.largeCommunities = [...path.largeCommunities];
  }
  // Every path must fit in one 4096-octet UPDATE (with room for the other attributes and NLRI).
  const communityOctets = (out.communities?.length ?? 0) * 4 + (out.largeCommunities?.length ?? 0) * 12;
  if (communityOctets > 3500) {
    throw new TypeError(
      `path of ${prefix}: ${communityOctets} octets of communities do not fit in one UPDATE (max 3500)`,
    );
  }
  if (path.linkBandwidth !== undefined) {
    const bw = path.linkBandwidth;
    if (typeof bw !== 'number' || !Number.isFinite(bw) || bw <= 0 || Math.fround(bw) === Infinity)
      throw new TypeError(
        `path of ${prefix}: link bandwidth ${bw} is not a positive number of bytes per second (float32)`,
      );
    out.linkBandwidth = bw;
  }
  if (path.asPathPrepend !== undefined && path.asPathPrepend !== 0) {
    if (!Number.isInteger(path.asPathPrepend) || path.asPathPrepend < 0 || path.asPathPrepend > 10)
      throw new TypeError(
        `path of ${prefix}: AS-path prepend ${path.asPathPrepend} is not an integer from 0 to 10`,
      );
    out.asPathPrepend = path.asPathPrepend;
  }
  if (path.origin !== undefined) {
    if (path.origin !== 'igp' && path.origin !== 'egp' && path.origin !== 'incomplete') {
      throw new TypeError(
        `path of ${prefix}: origin ${JSON.stringify(path.origin)} is not igp, egp or incomplete`,
      );
    }
    if (path.origin !== 'igp') out.origin = path.origin;
  }
  return out;
}

const attributeKeys = new WeakMap<PathSpec, string>();

/** A string identifying the attributes of a path (next hop excluded): equal keys pack together. */
export function attributeKey(path: PathSpec): string {
  let key = attributeKeys.get(path);
  if (key === undefined) {
    key = `${path.origin ?? 'igp'}|${path.med ?? ''}|${path.localPref ?? ''}|${(path.communities ?? []).join(',')}|${(
      path.largeCommunities ?? []
    ).join(',')}|${path.linkBandwidth ?? ''}|${path.asPathPrepend ?? 0}`;
    attributeKeys.set(path, key);
  }
  return key;
}

/**
 * Normalizes paths and shares one frozen object per distinct path, so that 10k prefixes with
 * the same 8 next hops hold 8 path objects, not 80k (and packing groups them by identity).
 */
export class PathInterner {
  private readonly byInput = new WeakMap<PathSpec, PathSpec>();
  private readonly byKey = new Map<string, PathSpec>();
  /** The last list's input objects (a copy) and its result, for `internList`. */
  private lastInput: readonly PathSpec[] = [];
  private lastOutput: readonly PathSpec[] | undefined;

  constructor(private readonly limit = 100_000) {}

  intern(path: PathSpec, prefix: string): PathSpec {
    const known = this.byInput.get(path);
    if (known !== undefined) return known;
    const raw = `${path?.nextHop}|${path?.med}|${path?.localPref}|${path?.origin}|${path?.communities?.join(',')}|${path?.largeCommunities?.join(',')}|${path?.linkBandwidth}|${path?.asPathPrepend}`;
    let normalized = this.byKey.get(raw);
    if (normalized === undefined) {
      normalized = Object.freeze(normalizePath(path, prefix));
      if (this.byKey.size >= this.limit) this.byKey.clear();
      this.byKey.set(raw, normalized);
    }
    if (typeof path === 'object' && path !== null) this.byInput.set(path, normalized);
    return normalized;
  }

  /**
   * A prefix's paths, interned, with paths of the same next hop merged (the last wins). Callers
   * typically pass the same path objects for many prefixes (one set of next hops for every
   * VIP), so the previous result is reused when the input holds the same objects: the list is
   * then shared (frozen) between those prefixes instead of rebuilt for each of them.
   */
  internList(paths: readonly PathSpec[], prefix: string): readonly PathSpec[] {
    const last = this.lastInput;
    if (this.lastOutput !== undefined && last.length === paths.length) {
      let same = true;
      for (let i = 0; i < last.length && same; i++) same = last[i] === paths[i];
      if (same) return this.lastOutput;
    }
    let out: PathSpec[] = [];
    for (const p of paths) out.push(this.intern(p, prefix));
    if (hasDuplicateNextHop(out)) {
      const byNextHop = new Map<string, PathSpec>();
      for (const n of out) byNextHop.set(n.nextHop, n);
      out = [...byNextHop.values()];
    }
    // A copy: the caller may change its array afterwards.
    this.lastInput = [...paths];
    this.lastOutput = Object.freeze(out);
    return this.lastOutput;
  }
}

function hasDuplicateNextHop(paths: readonly PathSpec[]): boolean {
  if (paths.length > 32) return new Set(paths.map((p) => p.nextHop)).size !== paths.length;
  for (let i = 1; i < paths.length; i++) {
    for (let j = 0; j < i; j++) if (paths[i]!.nextHop === paths[j]!.nextHop) return true;
  }
  return false;
}

/** What a peer needs to build attributes. */
export interface PeerAttributeContext {
  localAsn: number;
  /** iBGP (same ASN): empty AS_PATH, LOCAL_PREF sent (default 100). */
  ibgp: boolean;
}

/**
 * The path attributes of a path for one peer, without the next hop (the packer adds NEXT_HOP or
 * MP_REACH_NLRI): ORIGIN, AS_PATH (our ASN prepended for eBGP), MED, LOCAL_PREF (iBGP),
 * COMMUNITIES (sorted, deduplicated), LARGE_COMMUNITY, EXTENDED_COMMUNITIES (link bandwidth; its
 * 2-octet AS field carries the local ASN, or AS_TRANS when that does not fit, as FRR does).
 */
export function pathAttributes(path: PathSpec, peer: PeerAttributeContext): PathAttribute[] {
  const attrs: PathAttribute[] = [
    { type: 'origin', origin: path.origin ?? 'igp' },
    {
      type: 'as-path',
      segments: peer.ibgp
        ? []
        : [{ type: 'sequence', asns: new Array<number>(1 + (path.asPathPrepend ?? 0)).fill(peer.localAsn) }],
    },
  ];
  if (path.med !== undefined) attrs.push({ type: 'med', med: path.med });
  if (peer.ibgp) attrs.push({ type: 'local-pref', localPref: path.localPref ?? 100 });
  if (path.communities !== undefined && path.communities.length > 0) {
    const values = [...new Set(path.communities.map(parseCommunity))].sort((a, b) => a - b);
    attrs.push({ type: 'communities', communities: values });
  }
  // Type-code order: EXTENDED_COMMUNITIES (16) before LARGE_COMMUNITY (32).
  if (path.linkBandwidth !== undefined) {
    const asn = peer.localAsn > 0xffff ? AS_TRANS : peer.localAsn;
    attrs.push({
      type: 'extended-communities',
      communities: [{ kind: 'link-bandwidth', asn, bandwidth: path.linkBandwidth, transitive: false }],
    });
  }
  if (path.largeCommunities !== undefined && path.largeCommunities.length > 0) {
    attrs.push({ type: 'large-communities', communities: path.largeCommunities.map(parseLargeCommunity) });
  }
  return attrs;
}

/** True for an IPv4 address in text form. */
export function isIpv4(address: string): boolean {
  return parseIpv4(address) >= 0;
}

/** 32-bit FNV-1a of a string; the default selector's deterministic hash. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The path chooser used when ADD-PATH send is not negotiated. */
export type PathSelector = (prefix: string, paths: readonly PathSpec[]) => PathSpec | undefined;

/**
 * The default selector: the paths sorted by next hop, one picked by a hash of the prefix, so
 * many prefixes spread evenly over the next hops and the same prefix always gets the same one.
 */
export const hashPathSelector: PathSelector = (prefix, paths) => {
  if (paths.length === 0) return undefined;
  if (paths.length === 1) return paths[0];
  const sorted = [...paths].sort((a, b) => (a.nextHop < b.nextHop ? -1 : a.nextHop > b.nextHop ? 1 : 0));
  return sorted[fnv1a(prefix) % sorted.length];
};

/** Human summary of a path's attributes as sent to a peer: `[{Origin: i} {AsPath: 65001} {Nexthop: 10.0.1.10}]`. */
export function summarizePath(spec: PathSpec, peer: PeerAttributeContext): string {
  const attrs = pathAttributes(spec, peer);
  // ORIGIN, AS_PATH, NEXT_HOP, then the rest (wire order).
  attrs.splice(2, 0, { type: 'next-hop', nextHop: spec.nextHop });
  return formatAttributes(attrs);
}
