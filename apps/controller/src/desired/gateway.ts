/**
 * The floating-IP phase of desiredState: which node holds each floating IP (sticky: the previous
 * answer is read back from the NetworkGatewayGroup's live status), the group's status, and the
 * Events of the moves. Pure.
 */
import type { ParsedClusterObjects } from '@bgplb/api-types';
import {
  assignFloatingIPs,
  type FloatingIPLease,
  type FloatingIPMove,
  heldSinceOf,
} from '@bgplb/floating-ip-allocator';
import { DRAIN_ANNOTATION, EXCLUDE_FROM_LB_LABEL } from '../names.js';
import type { NodeView } from '../nodes.js';
import type { EventSpec } from '../types.js';
import { holdingReadiness, type LoadBalancerNodes } from './nodes.js';
import type { DesiredGateway, HeldSince } from './types.js';

export interface GatewayInput {
  ngg: NonNullable<ParsedClusterObjects['networkGatewayGroup']>;
  /** The live NetworkGatewayGroup (its status holds the previous assignment). */
  live: { metadata?: { name?: string }; status?: { floatingIPs?: Record<string, string> } } | undefined;
  /** Who the Events are about (the live object), when it can be named. */
  involved: EventSpec['involved'] | undefined;
  nodes: LoadBalancerNodes;
  drainingSince: ReadonlyMap<string, number>;
  now: number;
  graceSeconds: number;
  clusterNamespace: string;
  /** The Lease fast path (absent: off). */
  leases?: {
    observed: Readonly<Record<string, FloatingIPLease>>;
    expirySeconds: number;
  };
  /** The previous reconcile's `heldSince`. */
  heldSince: ReadonlyMap<string, HeldSince> | undefined;
}

export interface GatewayDecision {
  gateway: DesiredGateway;
  moves: FloatingIPMove[];
  unassigned: Record<string, string>;
  recheckAt: number | null;
  leaseDeadline: number | null;
  /** Holders and since when, for the next reconcile. */
  heldSince: Map<string, HeldSince>;
  /** Floating IP -> the node that holds it. */
  holders: Map<string, string>;
  events: EventSpec[];
  warnings: string[];
}

/** How a move's Event names the drain that caused it. */
const DRAIN_REASON_TEXT = {
  cordoned: 'is cordoned',
  excluded: `carries ${EXCLUDE_FROM_LB_LABEL}`,
  annotated: `carries ${DRAIN_ANNOTATION}`,
} as const;

export function decideGateway(input: GatewayInput): GatewayDecision {
  const { views, lbNodes } = input.nodes;
  const previous = input.live?.status?.floatingIPs ?? {};
  // Holders the previous reconcile did not know (a restart, a hand edit) count from now.
  const heldBefore = heldSinceOf(previous, input.heldSince, input.now);
  const result = assignFloatingIPs({
    floatingIPs: input.ngg.spec.floatingIPs,
    nodes: views.map((v) => ({
      name: v.name,
      addresses: v.cidrs,
      ...holdingReadiness(v, input.drainingSince.get(v.name)),
      loadBalancer: lbNodes.has(v.name),
    })),
    previous,
    now: input.now,
    graceSeconds: input.graceSeconds,
    ...(input.leases === undefined
      ? {}
      : {
          leases: input.leases.observed,
          leaseExpirySeconds: input.leases.expirySeconds,
          heldSince: Object.fromEntries([...heldBefore].map(([ip, h]) => [ip, h.since])),
        }),
  });
  const holders = new Map<string, string>();
  const floatingIPs: Record<string, string> = {};
  for (const [ip, node] of Object.entries(result.assignments)) {
    if (node === null) continue;
    floatingIPs[ip] = node;
    holders.set(ip, node);
  }
  const nodes: Record<string, 'Up' | 'Down'> = {};
  const viewByName = new Map(views.map((v) => [v.name, v]));
  const listed = new Set<string>([...lbNodes.keys(), ...holders.values()]);
  const usable = (v: NodeView | undefined) => v?.ready === true && v.draining === undefined;
  for (const name of [...listed].sort()) nodes[name] = usable(viewByName.get(name)) ? 'Up' : 'Down';
  // A move away from a draining node says why: the allocator only knows "not ready".
  const why = (m: FloatingIPMove) => {
    const draining = m.from === null ? undefined : viewByName.get(m.from)?.draining;
    if (draining === undefined) return m.reason;
    return `${m.reason}: node ${m.from} ${DRAIN_REASON_TEXT[draining]}`;
  };
  const events: EventSpec[] = [];
  const involved = input.involved;
  if (involved !== undefined) {
    for (const m of result.moves) {
      if (m.from === null && m.to !== null) {
        events.push({
          involved,
          type: 'Normal',
          reason: 'FloatingIPAssigned',
          message: `floating IP ${m.ip} assigned to node ${m.to}`,
        });
      } else if (m.to !== null) {
        events.push({
          involved,
          type: 'Warning',
          reason: 'FloatingIPMoved',
          message: `floating IP ${m.ip} moved from node ${m.from} to node ${m.to} (${why(m)})`,
        });
      } else {
        events.push({
          involved,
          type: 'Warning',
          reason: 'FloatingIPUnassigned',
          message: `floating IP ${m.ip} released from node ${m.from} (${why(m)}): ${result.unassigned[m.ip] ?? 'removed from spec.floatingIPs'}`,
        });
      }
    }
  }
  return {
    gateway: { namespace: input.clusterNamespace, name: input.ngg.metadata.name, floatingIPs, nodes },
    moves: result.moves,
    unassigned: result.unassigned,
    recheckAt: result.recheckAt,
    leaseDeadline: result.leaseDeadline,
    heldSince: heldSinceOf(result.assignments, heldBefore, input.now),
    holders,
    events,
    warnings: result.warnings,
  };
}
