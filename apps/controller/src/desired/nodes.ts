/**
 * The node phase of desiredState: which Nodes are load-balancer nodes, which of them are next hops,
 * and since when Nodes drain. Pure.
 */
import {
  type BGPLoadBalancerSpec,
  DEFAULT_DRAIN_DELAY_SECONDS,
  type ParsedClusterObjects,
} from '@bgplb/api-types';
import { addressFamily, compareAddressText, type Family, familyName } from '@bgplb/floating-ip-allocator';
import { DRAIN_ANNOTATION, DRAIN_STARTED_ANNOTATION, EXCLUDE_FROM_LB_LABEL } from '../names.js';
import { drainReason, type NodeView, nodeView } from '../nodes.js';
import type { NextHopStatus, NodeObject, RouteDrainSpec } from '../types.js';

/** How a drain's cause reads in messages ("node node-04 is cordoned"). */
export const DRAIN_REASON_TEXT = {
  cordoned: 'is cordoned',
  excluded: `carries ${EXCLUDE_FROM_LB_LABEL}`,
  annotated: `carries ${DRAIN_ANNOTATION}`,
} as const;

/** The community of draining paths (RFC 8326 GRACEFUL_SHUTDOWN), as status shows it. */
export const GRACEFUL_SHUTDOWN_TEXT = '65535:0';

/** The next hops of one address family. */
export interface FamilyNextHops {
  /**
   * The ready load-balancer nodes' addresses of this family that are announced, in address order:
   * those not draining, and the draining ones until their drain delay ends.
   */
  nextHops: string[];
  /** The nodes not draining, by Node name (externalTrafficPolicy: Local maps endpoints to them). */
  nextHopByNode: Map<string, string>;
  /**
   * Ready load-balancer nodes in the first `drainDelay` of their drain, in address order: still
   * announced, with GRACEFUL_SHUTDOWN (and the MED increase / AS-path prepend fallback).
   */
  drainingNextHops: string[];
  /**
   * Every load-balancer node address of this family in address order, announced, draining or
   * withdrawn, and why (the routes' `status.nextHops`); the previous list again when equal.
   */
  hopStates: NextHopStatus[];
}

export interface LoadBalancerNodes extends FamilyNextHops {
  /** Every live Node. */
  views: NodeView[];
  /** Load-balancer nodes by Node name, with the address that made them one. */
  lbNodes: Map<string, { view: NodeView; address: string }>;
  /**
   * The IPv6 next hops (IPv6 VIPs): each node's IPv6 InternalIP. The fields inherited above are
   * the IPv4 ones. A node without an InternalIP of a family is no next hop of that family.
   */
  v6: FamilyNextHops;
  /** When the earliest of the drains ends (ms): the controller reconciles again then. */
  drainEndsAt: number | null;
  warnings: string[];
}

/**
 * A load-balancer node's next-hop address of `family`: the Cluster's address of it when that is
 * of the family, else its first InternalIP of the family (a dual-stack Node lists one per family).
 */
export function nodeAddressOf(view: NodeView, clusterAddress: string, family: Family): string | undefined {
  if (addressFamily(clusterAddress) === family) return clusterAddress;
  for (const ip of view.internalIPs) if (addressFamily(ip) === family) return ip;
  return undefined;
}

/** Keeps `previous` when equal, so that unchanged routes keep the same array (compared by identity). */
function sameOrNew(previous: readonly string[] | undefined, next: string[]): string[] {
  return previous !== undefined && previous.length === next.length && previous.every((h, i) => h === next[i])
    ? (previous as string[])
    : next;
}

/**
 * Load-balancer membership by InternalIP, and the next hops of each family. `previousNextHops`
 * (IPv4, IPv6) are returned instead of equal new lists. `families` are those the address pools
 * offer: a load-balancer node without an InternalIP of one of them is named in a warning.
 */
export function loadBalancerNodes(
  cluster: NonNullable<ParsedClusterObjects['cluster']>,
  nodes: readonly NodeObject[],
  nodePrefixLength: number,
  previousNextHops: { v4?: readonly string[] | undefined; v6?: readonly string[] | undefined } | undefined,
  /** Nodes whose floating-IP Lease expired (lease-suspects.ts): not next hops, unless none would be left. */
  suspects: ReadonlyMap<string, number> = new Map(),
  /** Drain timing: `since` is drainingSinceOf's answer. */
  drain: { since: ReadonlyMap<string, number>; delayMs: number; now: number; settings?: DrainSettings } = {
    since: new Map(),
    delayMs: 0,
    now: 0,
  },
  families: ReadonlySet<Family> = new Set([4]),
  previousHopStates?: { v4?: NextHopStatus[] | undefined; v6?: NextHopStatus[] | undefined },
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
  const draining: { name: string; address: string; view: NodeView }[] = [];
  let drainEndsAt: number | null = null;
  for (const n of lbNodes.values()) {
    if (!n.view.ready || n.view.draining === undefined) continue;
    const ends = (drain.since.get(n.view.name) ?? drain.now) + drain.delayMs;
    if (ends <= drain.now) continue;
    draining.push({ name: n.view.name, address: n.address, view: n.view });
    drainEndsAt = drainEndsAt === null ? ends : Math.min(drainEndsAt, ends);
  }
  const of = (
    family: Family,
    previous: readonly string[] | undefined,
    previousStates: NextHopStatus[] | undefined,
  ): FamilyNextHops => {
    // externalTrafficPolicy: Local routes use the nodes that are not draining (a draining node is
    // withdrawn from them at once).
    const nextHopByNode = new Map<string, string>();
    for (const [name, n] of chosen) {
      const address = nodeAddressOf(n.view, n.address, family);
      if (address !== undefined) nextHopByNode.set(name, address);
    }
    const drainingNextHops: string[] = [];
    for (const d of draining) {
      const address = nodeAddressOf(d.view, d.address, family);
      if (address !== undefined) drainingNextHops.push(address);
    }
    drainingNextHops.sort(compareAddressText);
    const nextHops = [...nextHopByNode.values()].concat(drainingNextHops).sort(compareAddressText);
    if (families.has(family))
      for (const [name, n] of lbNodes)
        if (nodeAddressOf(n.view, n.address, family) === undefined)
          warnings.push(
            `load-balancer node ${name} has no ${familyName(family)} InternalIP: it is no next hop of ${familyName(family)} VIPs`,
          );
    // The nodes by their address of this family, for the routes' status.
    const familyNodes = new Map<string, { view: NodeView; address: string }>();
    for (const [name, n] of lbNodes) {
      const address = nodeAddressOf(n.view, n.address, family);
      if (address !== undefined) familyNodes.set(name, { view: n.view, address });
    }
    const listed = [...familyNodes.values()].map((n) => n.address);
    for (const a of lbAddresses) if (addressFamily(a) === family && !byAddress.has(a)) listed.push(a);
    const hopStates = sameHopStates(
      previousStates,
      nextHopStates(listed, familyNodes, nextHopByNode, drainingNextHops, suspects, drain.settings),
    );
    return { nextHops: sameOrNew(previous, nextHops), nextHopByNode, drainingNextHops, hopStates };
  };
  const v4 = of(4, previousNextHops?.v4, previousHopStates?.v4);
  const v6 = of(6, previousNextHops?.v6, previousHopStates?.v6);
  return { views, lbNodes, ...v4, v6, drainEndsAt, warnings };
}

/** Why each load-balancer node address is, or is not, a next hop. */
function nextHopStates(
  lbAddresses: readonly string[],
  lbNodes: ReadonlyMap<string, { view: NodeView; address: string }>,
  nextHopByNode: ReadonlyMap<string, string>,
  drainingNextHops: readonly string[],
  suspects: ReadonlyMap<string, number>,
  settings: DrainSettings | undefined,
): NextHopStatus[] {
  const byAddress = new Map<string, NodeView>();
  for (const n of lbNodes.values()) byAddress.set(n.address, n.view);
  const out: NextHopStatus[] = [];
  for (const nextHop of [...new Set(lbAddresses)].sort(compareAddressText)) {
    const v = byAddress.get(nextHop);
    if (v === undefined) {
      out.push({ nextHop, state: 'withdrawn', reason: `no Node has InternalIP ${nextHop}` });
      continue;
    }
    const node = v.name;
    const drainText = v.draining === undefined ? '' : `node ${node} ${DRAIN_REASON_TEXT[v.draining]}`;
    if (nextHopByNode.get(node) === nextHop) {
      out.push({ nextHop, node, state: 'announced', reason: 'ready load-balancer node' });
    } else if (drainingNextHops.includes(nextHop)) {
      out.push({
        nextHop,
        node,
        state: 'draining',
        reason: `${drainText}: announced with GRACEFUL_SHUTDOWN until drainDelay ends`,
        community: GRACEFUL_SHUTDOWN_TEXT,
        ...(settings !== undefined && settings.medIncrease > 0 ? { medIncrease: settings.medIncrease } : {}),
        ...(settings !== undefined && settings.asPathPrepend > 0
          ? { asPathPrepend: settings.asPathPrepend }
          : {}),
      });
    } else {
      const reason = !v.ready
        ? `node ${node} is not Ready`
        : v.draining !== undefined
          ? `${drainText}: drained (drainDelay over)`
          : suspects.has(node)
            ? `node ${node} stopped renewing its floating-IP Lease`
            : `node ${node} is not a usable load-balancer node`;
      out.push({ nextHop, node, state: 'withdrawn', reason });
    }
  }
  return out;
}

function sameHopStates(previous: NextHopStatus[] | undefined, next: NextHopStatus[]): NextHopStatus[] {
  return previous !== undefined && JSON.stringify(previous) === JSON.stringify(next) ? previous : next;
}

/**
 * Every draining node (cordoned, exclude label, drain annotation), with the time its drain began
 * (ms). None of these carries a timestamp, so the controller keeps one on the Node: the
 * `bgplb.io/drain-started` annotation it writes (drainStartedWrites). That is read first, so a new
 * leader continues a drain where the old one left it; then `previous` (the last computation's
 * answer, before our write is seen); else the drain begins `now`. A time in the future (a skewed
 * clock wrote it) counts as `now`, so no drain lasts longer than its delay from here.
 */
export function drainingSinceOf(
  nodes: readonly NodeObject[],
  previous: ReadonlyMap<string, number> | undefined,
  now: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes) {
    if (drainReason(n) === undefined) continue;
    const recorded = drainStartedOf(n);
    const since = recorded ?? previous?.get(n.metadata.name) ?? now;
    out.set(n.metadata.name, Math.min(since, now));
  }
  return out;
}

/** The node's `bgplb.io/drain-started` annotation in ms, or undefined when absent or not a time. */
export function drainStartedOf(node: NodeObject): number | undefined {
  const text = node.metadata.annotations?.[DRAIN_STARTED_ANNOTATION];
  if (text === undefined || !RFC3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

// Date.parse also takes "Dec 5 2026" and bare dates: only a full RFC 3339 date-time counts.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The Node annotation writes that make `bgplb.io/drain-started` say `drainingSince`: set on each
 * draining node whose annotation is absent, unreadable or another instant; removed from the nodes
 * that no longer drain. Nothing when every annotation already agrees (level-triggered).
 */
export function drainStartedWrites(
  nodes: readonly NodeObject[],
  drainingSince: ReadonlyMap<string, number>,
): { name: string; value: string | null }[] {
  const out: { name: string; value: string | null }[] = [];
  for (const n of nodes) {
    if (n.metadata.deletionTimestamp !== undefined) continue;
    const since = drainingSince.get(n.metadata.name);
    const has = n.metadata.annotations?.[DRAIN_STARTED_ANNOTATION] !== undefined;
    if (since === undefined) {
      if (has) out.push({ name: n.metadata.name, value: null });
    } else if (drainStartedOf(n) !== since) {
      out.push({ name: n.metadata.name, value: new Date(since).toISOString() });
    }
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
