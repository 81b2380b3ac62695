/**
 * The node phase of desiredState: which Nodes are load-balancer nodes, which of them are next hops,
 * and since when excluded Nodes carry the exclude label. Pure.
 */
import type { ParsedClusterObjects } from '@bgplb/api-types';
import { compareAddressText } from '@bgplb/floating-ip-allocator';
import { EXCLUDE_FROM_LB_LABEL } from '../names.js';
import { type NodeView, nodeView } from '../nodes.js';
import type { NodeObject } from '../types.js';

export interface LoadBalancerNodes {
  /** Every live Node. */
  views: NodeView[];
  /** Load-balancer nodes by Node name, with the address that made them one. */
  lbNodes: Map<string, { view: NodeView; address: string }>;
  /** Addresses of the ready, not excluded load-balancer nodes, in address order. */
  nextHops: string[];
  /** The same nodes by Node name (externalTrafficPolicy: Local maps endpoints to them). */
  nextHopByNode: Map<string, string>;
  warnings: string[];
}

/**
 * Load-balancer membership by InternalIP. `previousNextHops` is returned instead of an equal new
 * list, so that unchanged routes keep the same next-hop array (compared by identity downstream).
 */
export function loadBalancerNodes(
  cluster: NonNullable<ParsedClusterObjects['cluster']>,
  nodes: readonly NodeObject[],
  nodePrefixLength: number,
  previousNextHops: readonly string[] | undefined,
  /** Nodes whose floating-IP Lease expired (lease-suspects.ts): not next hops, unless none would be left. */
  suspects: ReadonlyMap<string, number> = new Map(),
): LoadBalancerNodes {
  const warnings: string[] = [];
  const views = nodes
    .filter((n) => n.metadata.deletionTimestamp === undefined)
    .map((n) => nodeView(n, nodePrefixLength));
  const lb = cluster.spec.loadBalancer;
  const lbAddresses = (lb.nodePoolSpec?.nodes ?? cluster.spec.controlPlane.nodePoolSpec.nodes).map(
    (n) => n.address,
  );
  const byAddress = new Map<string, NodeView>();
  for (const v of views) for (const ip of v.internalIPs) byAddress.set(ip, v);
  const lbNodes = new Map<string, { view: NodeView; address: string }>();
  for (const address of lbAddresses) {
    const view = byAddress.get(address);
    if (view === undefined) {
      warnings.push(`load-balancer node address ${address} matches no Node InternalIP; it is not a next hop`);
      continue;
    }
    if (!lbNodes.has(view.name)) lbNodes.set(view.name, { view, address });
  }
  const usable = [...lbNodes].filter(([, n]) => n.view.ready && !n.view.excluded);
  const trusted = usable.filter(([name]) => !suspects.has(name));
  // Suspicion never empties the set: if every usable node looks dead, the fault is more likely ours.
  const chosen = trusted.length > 0 ? trusted : usable;
  if (trusted.length > 0)
    for (const [name] of usable)
      if (suspects.has(name))
        warnings.push(
          `load-balancer node ${name} is not a next hop: it stopped renewing its floating-IP Lease`,
        );
  const nextHopByNode = new Map<string, string>();
  for (const [name, n] of chosen) nextHopByNode.set(name, n.address);
  const nextHops = [...nextHopByNode.values()].sort(compareAddressText);
  const same =
    previousNextHops !== undefined &&
    previousNextHops.length === nextHops.length &&
    previousNextHops.every((h, i) => h === nextHops[i]);
  return {
    views,
    lbNodes,
    nextHops: same ? (previousNextHops as string[]) : nextHops,
    nextHopByNode,
    warnings,
  };
}

/**
 * Every live node carrying the exclude label, with the time it was first seen carrying it (the
 * label has no timestamp: `previous` is the last computation's answer).
 */
export function excludedSinceOf(
  nodes: readonly NodeObject[],
  previous: ReadonlyMap<string, number> | undefined,
  now: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes) {
    if (n.metadata.labels?.[EXCLUDE_FROM_LB_LABEL] === undefined) continue;
    out.set(n.metadata.name, previous?.get(n.metadata.name) ?? now);
  }
  return out;
}

/**
 * Whether a node may hold floating IPs, and since when it may not (issue 8: ready means the Ready
 * condition is True and no exclude label). Not ready for both reasons: since the earlier of the
 * two, as it has been unusable since then without a break.
 */
export function holdingReadiness(
  v: NodeView,
  excludedAt: number | undefined,
): { ready: boolean; readySince: number | undefined; notReadySince: number | undefined } {
  if (!v.excluded) {
    return {
      ready: v.ready,
      readySince: v.ready ? v.since : undefined,
      notReadySince: v.ready ? undefined : v.since,
    };
  }
  const since = [excludedAt, v.ready ? undefined : v.since].filter((t): t is number => t !== undefined);
  return {
    ready: false,
    readySince: undefined,
    notReadySince: since.length > 0 ? Math.min(...since) : undefined,
  };
}
