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
import type { NodeView } from '../nodes.js';
import type { EventSpec } from '../types.js';
import { holdMovesForPeers, type LiveSession, MAX_MOVE_HOLD_MS } from './make-before-break.js';
import { DRAIN_REASON_TEXT, holdingReadiness, type LoadBalancerNodes } from './nodes.js';
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
  /** The BGPSessions as their agents report them (make-before-break.ts); absent: moves are never held. */
  liveSessions?: readonly LiveSession[] | undefined;
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
  // Make-before-break: a draining holder keeps a floating IP until its peers have another session.
  const hold =
    input.liveSessions === undefined
      ? undefined
      : holdMovesForPeers({
          moves: result.moves,
          sessions: input.liveSessions,
          draining: input.drainingSince,
          ready: new Set(views.filter((v) => v.ready).map((v) => v.name)),
          now: input.now,
        });
  const assignments: Record<string, string | null> = { ...result.assignments };
  const unassigned: Record<string, string> = { ...result.unassigned };
  for (const { move } of hold?.held ?? []) {
    assignments[move.ip] = move.from;
    delete unassigned[move.ip];
  }
  const moves = hold?.moves ?? result.moves;
  const holders = new Map<string, string>();
  const floatingIPs: Record<string, string> = {};
  for (const [ip, node] of Object.entries(assignments)) {
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
    for (const { move, waitingFor } of hold?.held ?? [])
      events.push({
        involved,
        type: 'Normal',
        reason: 'FloatingIPMoveHeld',
        message: `floating IP ${move.ip} stays on draining node ${move.from} until peer(s) ${waitingFor.join(', ')} have another Established session (make-before-break)`,
      });
    for (const { move, waitingFor } of hold?.forced ?? [])
      events.push({
        involved,
        type: 'Warning',
        reason: 'FloatingIPMoveForced',
        message: `floating IP ${move.ip} leaves draining node ${move.from} although peer(s) ${waitingFor.join(', ')} have no other Established session (held ${MAX_MOVE_HOLD_MS / 1000} s)`,
      });
    for (const m of moves) {
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
          message: `floating IP ${m.ip} released from node ${m.from} (${why(m)}): ${unassigned[m.ip] ?? 'removed from spec.floatingIPs'}`,
        });
      }
    }
  }
  return {
    gateway: { namespace: input.clusterNamespace, name: input.ngg.metadata.name, floatingIPs, nodes },
    moves,
    unassigned,
    recheckAt: earliest(result.recheckAt, hold?.recheckAt ?? null),
    leaseDeadline: result.leaseDeadline,
    heldSince: heldSinceOf(assignments, heldBefore, input.now),
    holders,
    events,
    warnings: result.warnings,
  };
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
