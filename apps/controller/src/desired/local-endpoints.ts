/**
 * `externalTrafficPolicy: Local` (SPEC §13): where a Service's endpoints are, and what its route
 * announces from them. Pure functions of the EndpointSlices and the load-balancer nodes.
 *
 * With Local, kube-proxy on a node forwards external traffic only to that node's own endpoints
 * and keeps the client's source address. So a next hop must be a ready load-balancer node with at
 * least one ready endpoint of the Service, and traffic should reach each such node in proportion
 * to its endpoints: its weight is its count of ready, not terminating endpoints, sent as the
 * link-bandwidth extended community (see LINK_BANDWIDTH_PER_ENDPOINT in the node agent). Raw
 * counts, not reduced ones: a change on one node changes that node's weight only, so endpoint
 * churn re-announces only the affected path.
 */
import { MAX_NEXT_HOP_WEIGHT } from '@bgplb/api-types';
import { compareAddressText } from '@bgplb/floating-ip-allocator';
import type { EndpointSliceObject } from '../types.js';

/** Node name -> ready, not terminating endpoints of one Service on it. */
export type EndpointCounts = ReadonlyMap<string, number>;

/** The node name of endpoints that carry none (they cannot be reached through any node). */
export const UNKNOWN_NODE = '<no nodeName>';

/**
 * Counts a Service's ready endpoints per node from its EndpointSlices. Ready follows the
 * EndpointSlice API: `ready` absent means ready, and a terminating endpoint never counts (it may
 * still be `serving`, but new connections must not be sent to it). An endpoint listed in several
 * slices (one IPv4 and one IPv6 slice of a dual-stack Service, or a slice being split) counts once,
 * identified by its Pod (targetRef uid), else by its first address.
 */
export function readyEndpointsByNode(slices: readonly EndpointSliceObject[]): Map<string, number> {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  for (const slice of slices) {
    if (slice.metadata.deletionTimestamp !== undefined) continue;
    const endpoints = Array.isArray(slice.endpoints) ? slice.endpoints : [];
    for (const e of endpoints) {
      if (e === null || typeof e !== 'object') continue;
      if (e.conditions?.ready === false || e.conditions?.terminating === true) continue;
      const id = e.targetRef?.uid ?? `${slice.addressType ?? ''}|${e.addresses?.[0] ?? ''}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = typeof e.nodeName === 'string' && e.nodeName !== '' ? e.nodeName : UNKNOWN_NODE;
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
  }
  return counts;
}

export interface LocalRouteInput {
  /** The Service's ready endpoints per node (undefined: no EndpointSlice seen). */
  endpoints: EndpointCounts | undefined;
  /** Ready, not excluded load-balancer nodes: node name -> next-hop address. */
  nextHopByNode: ReadonlyMap<string, string>;
  /** Whether paths carry weights (`weightedECMP: endpoints`). */
  weighted: boolean;
}

export interface LocalRoute {
  /** Next hops in address order: the load-balancer nodes with ready endpoints. */
  nextHops: string[];
  /** Next hop -> its ready endpoints, when weighted (and there is a next hop). */
  weights: Record<string, number> | undefined;
  /** Ready endpoints on nodes that are not next hops (they get no traffic through the VIP). */
  outside: { endpoints: number; nodes: string[] } | undefined;
}

/** The route of a Local Service: next hops where its endpoints are, weighted by their number. */
export function localRoute(input: LocalRouteInput): LocalRoute {
  const hops: { address: string; count: number }[] = [];
  let outsideEndpoints = 0;
  const outsideNodes: string[] = [];
  for (const [node, count] of input.endpoints ?? []) {
    if (count <= 0) continue;
    const address = input.nextHopByNode.get(node);
    if (address === undefined) {
      outsideEndpoints += count;
      outsideNodes.push(node);
    } else hops.push({ address, count });
  }
  hops.sort((a, b) => compareAddressText(a.address, b.address));
  const nextHops = hops.map((h) => h.address);
  let weights: Record<string, number> | undefined;
  if (input.weighted && hops.length > 0) {
    weights = {};
    // A million endpoints on one node is not a real case; the cap keeps the route valid anyway.
    for (const h of hops) weights[h.address] = Math.min(h.count, MAX_NEXT_HOP_WEIGHT);
  }
  const outside =
    outsideEndpoints > 0 ? { endpoints: outsideEndpoints, nodes: outsideNodes.sort() } : undefined;
  return { nextHops, weights, outside };
}
