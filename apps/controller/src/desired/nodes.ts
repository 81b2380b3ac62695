/**
 * The node phase of desiredState: which Nodes are load-balancer nodes, which of them are next hops,
 * and since when excluded Nodes carry the exclude label. Pure.
 */
import {
  type BGPLoadBalancerSpec,
  DEFAULT_DRAIN_DELAY_SECONDS,
  type ParsedClusterObjects,
} from '@bgplb/api-types';
import { compareAddressText } from '@bgplb/floating-ip-allocator';
import { drainReason, type NodeView, nodeView } from '../nodes.js';
import type { NodeObject, RouteDrainSpec } from '../types.js';

export interface LoadBalancerNodes {
  /** Every live Node. */
  views: NodeView[];
  /** Load-balancer nodes by Node name, with the address that made them one. */
  lbNodes: Map<string, { view: NodeView; address: string }>;
  /**
   * Addresses of the ready load-balancer nodes that are announced, in address order: those not
   * draining, and the draining ones until their drain delay ends.
   */
  nextHops: string[];
  /** The same nodes by Node name (externalTrafficPolicy: Local maps endpoints to them). */
  nextHopByNode: Map<string, string>;
  /**
   * Ready load-balancer nodes in the first `drainDelay` of their drain, in address order: still
   * announced, with GRACEFUL_SHUTDOWN (and the MED increase / AS-path prepend fallback).
   */
  drainingNextHops: string[];
  /** When the earliest of those drains ends (ms): the controller reconciles again then. */
  drainEndsAt: number | null;
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
  /** Drain timing: `since` is Observed.drainingSince (undefined on a first reconcile). */
  drain: { since: ReadonlyMap<string, number> | undefined; delayMs: number; now: number } = {
    since: undefined,
    delayMs: 0,
    now: 0,
  },
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
  const usable = [...lbNodes].filter(([, n]) => n.view.ready && n.view.draining === undefined);
  const trusted = usable.filter(([name]) => !suspects.has(name));
  // Suspicion never empties the set: if every usable node looks dead, the fault is more likely ours.
  const chosen = trusted.length > 0 ? trusted : usable;
  if (trusted.length > 0)
    for (const [name] of usable)
      if (suspects.has(name))
        warnings.push(
          `load-balancer node ${name} is not a next hop: it stopped renewing its floating-IP Lease`,
        );
  // externalTrafficPolicy: Local routes use the nodes that are not draining (a draining node is
  // withdrawn from them at once).
  const nextHopByNode = new Map<string, string>();
  for (const [name, n] of chosen) nextHopByNode.set(name, n.address);
  const drainingNextHops: string[] = [];
  let drainEndsAt: number | null = null;
  for (const n of lbNodes.values()) {
    // `since` is unknown on a controller's first reconcile (a start, a failover): a node already
    // draining then is taken as drained, never announced again.
    if (!n.view.ready || n.view.draining === undefined || drain.since === undefined) continue;
    const ends = (drain.since.get(n.view.name) ?? drain.now) + drain.delayMs;
    if (ends <= drain.now) continue;
    drainingNextHops.push(n.address);
    drainEndsAt = drainEndsAt === null ? ends : Math.min(drainEndsAt, ends);
  }
  drainingNextHops.sort(compareAddressText);
  const nextHops = [...nextHopByNode.values()].concat(drainingNextHops).sort(compareAddressText);
  const same =
    previousNextHops !== undefined &&
    previousNextHops.length === nextHops.length &&
    previousNextHops.every((h, i) => h === nextHops[i]);
  return {
    views,
    lbNodes,
    nextHops: same ? (previousNextHops as string[]) : nextHops,
    nextHopByNode,
    drainingNextHops,
    drainEndsAt,
    warnings,
  };
}

/**
 * Every draining node (cordoned, exclude label, drain annotation), with the time it was first seen
 * draining (none of these has a timestamp: `previous` is the last computation's answer).
 */
export function drainingSinceOf(
  nodes: readonly NodeObject[],
  previous: ReadonlyMap<string, number> | undefined,
  now: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes) {
    if (drainReason(n) === undefined) continue;
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
  drainingAt: number | undefined,
): { ready: boolean; readySince: number | undefined; notReadySince: number | undefined } {
  if (v.draining === undefined) {
    return {
      ready: v.ready,
      readySince: v.ready ? v.since : undefined,
      notReadySince: v.ready ? undefined : v.since,
    };
  }
  const since = [drainingAt, v.ready ? undefined : v.since].filter((t): t is number => t !== undefined);
  return {
    ready: false,
    readySince: undefined,
    notReadySince: since.length > 0 ? Math.min(...since) : undefined,
  };
}

/** The drain settings of the BGPLoadBalancer, defaults filled in. */
export interface DrainSettings {
  delaySeconds: number;
  medIncrease: number;
  asPathPrepend: number;
}

export function drainSettingsOf(spec: BGPLoadBalancerSpec | undefined): DrainSettings {
  return {
    delaySeconds: spec?.drainDelay ?? DEFAULT_DRAIN_DELAY_SECONDS,
    medIncrease: spec?.drainMEDIncrease ?? 0,
    asPathPrepend: spec?.drainASPathPrepend ?? 0,
  };
}

/**
 * The routes' `spec.drain`: undefined when no next hop drains; `previous` again when equal, so
 * that every route keeps comparing equal by identity.
 */
export function routeDrain(
  nextHops: readonly string[],
  settings: DrainSettings,
  previous: RouteDrainSpec | undefined,
): RouteDrainSpec | undefined {
  if (nextHops.length === 0) return undefined;
  if (
    previous !== undefined &&
    previous.medIncrease === settings.medIncrease &&
    previous.asPathPrepend === settings.asPathPrepend &&
    previous.nextHops.length === nextHops.length &&
    previous.nextHops.every((h, i) => h === nextHops[i])
  )
    return previous;
  return {
    nextHops: [...nextHops],
    medIncrease: settings.medIncrease,
    asPathPrepend: settings.asPathPrepend,
  };
}
