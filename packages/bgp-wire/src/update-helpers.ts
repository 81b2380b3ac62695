/** Helpers over decoded UPDATEs: End-of-RIB, routes view, attribute lookup, RFC 6793 merge. */
import { AS_TRANS } from './constants.js';
import type {
  AfiNumber,
  AsPathSegment,
  FamilyKey,
  PathAttribute,
  Route,
  RouteKey,
  UpdateMessage,
} from './types.js';

/**
 * The End-of-RIB marker of a family (RFC 4724 §2): an empty UPDATE for IPv4 unicast, an UPDATE
 * holding only an empty MP_UNREACH_NLRI for the others.
 */
export function endOfRib(afi: number, safi: number): UpdateMessage {
  if (afi === 1 && safi === 1) return { type: 'update', withdrawn: [], attributes: [], nlri: [] };
  if (afi !== 1 && afi !== 2) throw new RangeError(`End-of-RIB for AFI ${afi} is not supported`);
  return {
    type: 'update',
    withdrawn: [],
    attributes: [{ type: 'mp-unreach', afi, safi, withdrawn: [] }],
    nlri: [],
  };
}

/** The family whose End-of-RIB marker this UPDATE is, or undefined when it is not one. */
export function isEndOfRib(update: UpdateMessage): FamilyKey | undefined {
  if (update.withdrawn.length > 0 || update.nlri.length > 0) return undefined;
  if (update.attributes.length === 0) return '1/1';
  const [only] = update.attributes;
  if (update.attributes.length === 1 && only?.type === 'mp-unreach' && only.withdrawn.length === 0) {
    return `${only.afi}/${only.safi}`;
  }
  return undefined;
}

/** The first attribute of a type, typed: `getAttribute(update.attributes, 'as-path')?.segments`. */
export function getAttribute<T extends PathAttribute['type']>(
  attributes: readonly PathAttribute[],
  type: T,
): Extract<PathAttribute, { type: T }> | undefined {
  for (const a of attributes) if (a.type === type) return a as Extract<PathAttribute, { type: T }>;
  return undefined;
}

/**
 * The routes an UPDATE announces and withdraws, in a form {@link encodeUpdates} takes back.
 * Announced routes of one UPDATE share one `attributes` array (without NEXT_HOP, MP_REACH and
 * MP_UNREACH: the next hop moves to `route.nextHop`).
 */
export function updateRoutes(update: UpdateMessage): { announce: Route[]; withdraw: RouteKey[] } {
  const attributes = update.attributes.filter(
    (a) => a.type !== 'next-hop' && a.type !== 'mp-reach' && a.type !== 'mp-unreach',
  );
  const announce: Route[] = [];
  const withdraw: RouteKey[] = [];
  const key = (afi: AfiNumber, safi: number, prefix: string, pathId: number | undefined): RouteKey =>
    pathId === undefined ? { afi, safi, prefix } : { afi, safi, prefix, pathId };
  for (const n of update.withdrawn) withdraw.push(key(1, 1, n.prefix, n.pathId));
  for (const a of update.attributes) {
    if (a.type === 'mp-unreach')
      for (const n of a.withdrawn) withdraw.push(key(a.afi, a.safi, n.prefix, n.pathId));
  }
  for (const a of update.attributes) {
    if (a.type !== 'mp-reach') continue;
    for (const n of a.nlri) {
      const r: Route = { ...key(a.afi, a.safi, n.prefix, n.pathId), attributes };
      if (a.nextHops[0] !== undefined) r.nextHop = a.nextHops[0];
      if (a.nextHops[1] !== undefined) r.linkLocalNextHop = a.nextHops[1];
      announce.push(r);
    }
  }
  const nh = getAttribute(update.attributes, 'next-hop')?.nextHop;
  for (const n of update.nlri) {
    const r: Route = { ...key(1, 1, n.prefix, n.pathId), attributes };
    if (nh !== undefined) r.nextHop = nh;
    announce.push(r);
  }
  return { announce, withdraw };
}

/** Number of ASes a path counts for route selection (RFC 4271 §9.1.2.2: a set counts 1, confed segments 0). */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === 'sequence') n += s.asns.length;
    else if (s.type === 'set') n += 1;
  }
  return n;
}

/**
 * The real AS path of an UPDATE received on a 2-octet AS session (RFC 6793 §4.2.3): AS_PATH
 * merged with AS4_PATH. On a 4-octet session (or without AS4_PATH) it is AS_PATH itself.
 * AS4_PATH is ignored when AGGREGATOR holds a real (non-AS_TRANS) ASN, or when it is longer
 * than AS_PATH.
 */
export function effectiveAsPath(attributes: readonly PathAttribute[]): AsPathSegment[] {
  const asPath = getAttribute(attributes, 'as-path')?.segments ?? [];
  const as4Path = getAttribute(attributes, 'as4-path')?.segments;
  if (as4Path === undefined) return asPath;
  const aggregator = getAttribute(attributes, 'aggregator');
  if (aggregator !== undefined && aggregator.asn !== AS_TRANS) return asPath;
  const n2 = asPathLength(asPath);
  const n4 = asPathLength(as4Path);
  if (n2 < n4) return asPath;
  let need = n2 - n4;
  const merged: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (seg.type === 'confed-sequence' || seg.type === 'confed-set') {
      merged.push(seg);
    } else if (need > 0) {
      if (seg.type === 'set') {
        merged.push(seg);
        need -= 1;
      } else {
        const take = Math.min(need, seg.asns.length);
        merged.push({ type: 'sequence', asns: seg.asns.slice(0, take) });
        need -= take;
      }
    }
  }
  for (const seg of as4Path) {
    const last = merged[merged.length - 1];
    if (
      last !== undefined &&
      last.type === 'sequence' &&
      seg.type === 'sequence' &&
      last.asns.length + seg.asns.length <= 255
    ) {
      merged[merged.length - 1] = { type: 'sequence', asns: [...last.asns, ...seg.asns] };
    } else {
      merged.push(seg);
    }
  }
  return merged;
}

/** The real aggregator (RFC 6793 §4.2.3): AS4_AGGREGATOR when AGGREGATOR holds AS_TRANS. */
export function effectiveAggregator(
  attributes: readonly PathAttribute[],
): { asn: number; address: string } | undefined {
  const aggregator = getAttribute(attributes, 'aggregator');
  if (aggregator === undefined) return undefined;
  const as4 = getAttribute(attributes, 'as4-aggregator');
  if (aggregator.asn === AS_TRANS && as4 !== undefined) return { asn: as4.asn, address: as4.address };
  return { asn: aggregator.asn, address: aggregator.address };
}
