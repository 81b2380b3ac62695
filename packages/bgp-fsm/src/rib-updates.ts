/**
 * What a flush sends: Adj-RIB-Out changes grouped the way they go on the wire, withdrawals by
 * family and announcements by path (one interned `PathSpec` = one next hop and one set of
 * attributes), encoded by bgp-wire's `encodeRouteGroups`. This module decides; bgp-wire packs.
 */
import { encodeRouteGroups, type PrefixGroup, type RouteGroup, type SessionOptions } from '@bgplb/bgp-wire';
import type { RibChange } from './adj-rib-out.js';
import { type PathSpec, type PeerAttributeContext, pathAttributes, summarizePath } from './paths.js';

/** One group of the packed output, for the `update-sent` event. */
export interface PackedGroup {
  /** Announced prefixes (empty for a withdrawal group). */
  nlri: string[];
  withdrawn: string[];
  /** The path ids, parallel to `nlri` or `withdrawn`, when ADD-PATH send applies. */
  pathIds?: number[];
  /** Attribute summary, `[{Origin: i} {AsPath: 65001} {Nexthop: 10.0.1.10}]`; empty for withdrawals. */
  attributes: string;
}

export interface PackResult {
  /** The UPDATEs, withdrawals first (views into shared buffers: send them, do not keep them). */
  messages: Uint8Array[];
  groups: PackedGroup[];
}

/** Prefixes (and their path ids, under ADD-PATH) collected for one wire group. */
interface Collected {
  spec: PathSpec | undefined;
  afi: 1 | 2;
  prefixes: string[];
  ids: number[] | undefined;
}

function collected(spec: PathSpec | undefined, afi: 1 | 2, addPath: boolean): Collected {
  return { spec, afi, prefixes: [], ids: addPath ? [] : undefined };
}

/** Packs the changes of one flush for one peer into UPDATEs. */
export function packChanges(
  changes: readonly RibChange[],
  peer: PeerAttributeContext,
  options: SessionOptions,
): PackResult {
  const v4AddPath = options.addPathSend.has('1/1');
  const v6AddPath = options.addPathSend.has('2/1');
  const withdraw4 = collected(undefined, 1, v4AddPath);
  const withdraw6 = collected(undefined, 2, v6AddPath);
  // Interned paths: grouping by object identity groups equal paths.
  const announce4 = new Map<PathSpec, Collected>();
  const announce6 = new Map<PathSpec, Collected>();
  for (const change of changes) {
    const v6 = change.prefix.includes(':');
    const w = v6 ? withdraw6 : withdraw4;
    for (const id of change.withdraw) {
      w.prefixes.push(change.prefix);
      w.ids?.push(id);
    }
    const map = v6 ? announce6 : announce4;
    for (const path of change.announce) {
      let group = map.get(path.spec);
      if (group === undefined) {
        group = collected(path.spec, v6 ? 2 : 1, v6 ? v6AddPath : v4AddPath);
        map.set(path.spec, group);
      }
      group.prefixes.push(change.prefix);
      group.ids?.push(path.pathId);
    }
  }
  const withdraw: PrefixGroup[] = [];
  const announce: RouteGroup[] = [];
  const groups: PackedGroup[] = [];
  const describe = (g: Collected, nlri: boolean, attributes: string) => {
    const out: PackedGroup = {
      nlri: nlri ? g.prefixes : [],
      withdrawn: nlri ? [] : g.prefixes,
      attributes,
    };
    if (g.ids !== undefined) out.pathIds = g.ids;
    groups.push(out);
  };
  for (const w of [withdraw4, withdraw6]) {
    if (w.prefixes.length === 0) continue;
    withdraw.push(
      w.ids === undefined
        ? { afi: w.afi, prefixes: w.prefixes }
        : { afi: w.afi, prefixes: w.prefixes, pathIds: w.ids },
    );
    describe(w, false, '');
  }
  for (const g of [...announce4.values(), ...announce6.values()]) {
    const spec = g.spec!;
    const group: RouteGroup = {
      afi: g.afi,
      prefixes: g.prefixes,
      nextHop: spec.nextHop,
      attributes: pathAttributes(spec, peer),
    };
    if (g.ids !== undefined) group.pathIds = g.ids;
    announce.push(group);
    describe(g, true, summarizePath(spec, peer));
  }
  return { messages: encodeRouteGroups({ withdraw, announce }, options), groups };
}

/**
 * The messages as few write chunks: views that follow each other in one buffer (bgp-wire writes
 * a batch's UPDATEs back to back) are joined, so a flush costs a few large socket writes instead
 * of one per UPDATE. No octet is copied.
 */
export function joinAdjacent(messages: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let current: Uint8Array | undefined;
  for (const m of messages) {
    if (
      current !== undefined &&
      m.buffer === current.buffer &&
      m.byteOffset === current.byteOffset + current.byteLength
    ) {
      current = new Uint8Array(current.buffer, current.byteOffset, current.byteLength + m.byteLength);
      continue;
    }
    if (current !== undefined) out.push(current);
    current = m;
  }
  if (current !== undefined) out.push(current);
  return out;
}
