/**
 * What the controller needs to know about a Node: its addresses and subnets, whether it is ready,
 * since when, and whether it may be a next hop.
 */
import { DRAIN_ANNOTATION, EXCLUDE_FROM_LB_LABEL, NODE_SUBNETS_ANNOTATION } from './names.js';
import type { NodeObject } from './types.js';

export interface NodeView {
  name: string;
  /** InternalIP addresses, as written in Node.status.addresses. */
  internalIPs: string[];
  /** The node's subnets in CIDR form (`10.0.1.10/24`), used to place floating IPs. */
  cidrs: string[];
  /** Ready condition is True. */
  ready: boolean;
  /** Last transition time of the Ready condition (ms), when known. */
  since: number | undefined;
  /** Carries `node.kubernetes.io/exclude-from-external-load-balancers`: never a next hop. */
  excluded: boolean;
  /**
   * Why the node is being drained (its paths get GRACEFUL_SHUTDOWN, then are withdrawn, and its
   * floating IPs move): `cordoned`, the exclude label, or the `bgplb.io/drain` annotation, in that
   * order; undefined when it is not.
   */
  draining: DrainReason | undefined;
}

export type DrainReason = 'cordoned' | 'excluded' | 'annotated';

/** Why a Node is draining, or undefined. */
export function drainReason(node: NodeObject): DrainReason | undefined {
  if (node.spec?.unschedulable === true) return 'cordoned';
  if (node.metadata.labels?.[EXCLUDE_FROM_LB_LABEL] !== undefined) return 'excluded';
  if (node.metadata.annotations?.[DRAIN_ANNOTATION] !== undefined) return 'annotated';
  return undefined;
}

function toMillis(t: string | Date | undefined): number | undefined {
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Builds the view of one Node. `prefixLength` applies to InternalIPs without a subnet annotation. */
export function nodeView(node: NodeObject, prefixLength: number): NodeView {
  const internalIPs = (node.status?.addresses ?? [])
    .filter((a) => a.type === 'InternalIP' && typeof a.address === 'string')
    .map((a) => a.address);
  const annotated = node.metadata.annotations?.[NODE_SUBNETS_ANNOTATION];
  const cidrs =
    annotated !== undefined && annotated.trim() !== ''
      ? annotated
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : // IPv6 subnets are /64 wherever hosts autoconfigure; --node-prefix-length is the IPv4 one.
        internalIPs.map((ip) => `${ip}/${ip.includes(':') ? 64 : prefixLength}`);
  const readyCondition = node.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: node.metadata.name,
    internalIPs,
    cidrs,
    ready: readyCondition?.status === 'True',
    since: toMillis(readyCondition?.lastTransitionTime),
    excluded: node.metadata.labels?.[EXCLUDE_FROM_LB_LABEL] !== undefined,
    draining: drainReason(node),
  };
}
