/**
 * Lease suspects: nodes that stopped renewing a floating IP's Lease are most likely dead, so they
 * stop being next hops at once (like a NotReady node), not only lose the floating IP. Otherwise
 * the floating IP's new holder, which has never seen the dead node answer, would announce it
 * again as a next hop, and a part of the traffic would go to a dead node until Kubernetes marks
 * it NotReady (40-50 s).
 *
 * A node stays a suspect after the move (when it no longer holds any Lease) until one of:
 * - it renews a floating IP's Lease again (after it became a suspect);
 * - its Ready condition changed after it became a suspect (the NotReady path knows more now);
 * - SUSPECT_HOLD_MS passed: by then a dead node's kubelet grace (40-50 s) has made it NotReady,
 *   and a node that is still Ready is alive (a partition from the API server only).
 * Pure: the clock is an input.
 */
import { type FloatingIPLease, heldSinceOf, leaseFreshness } from '@bgplb/floating-ip-allocator';
import type { NodeView } from '../nodes.js';
import type { HeldSince } from './types.js';

/** How long a lease suspect is kept out of the next hops at most (ms). */
export const SUSPECT_HOLD_MS = 60_000;

export interface LeaseSuspectsInput {
  /** Floating IP -> holder, as the NetworkGatewayGroup status says now. */
  holders: Readonly<Record<string, string>>;
  leases: Readonly<Record<string, FloatingIPLease>> | undefined;
  heldSince: ReadonlyMap<string, HeldSince> | undefined;
  expirySeconds: number;
  views: readonly NodeView[];
  /** The previous answer. */
  previous: ReadonlyMap<string, number> | undefined;
  now: number;
}

export interface LeaseSuspects {
  /** Node name -> since when it is a suspect (ms). */
  suspects: Map<string, number>;
  /** When a suspicion ends by time (ms), or null. */
  recheckAt: number | null;
}

export function leaseSuspects(input: LeaseSuspectsInput): LeaseSuspects {
  const suspects = new Map<string, number>();
  if (input.leases === undefined || input.expirySeconds <= 0) return { suspects, recheckAt: null };
  const { now } = input;
  const held = heldSinceOf(input.holders, input.heldSince, now);
  const fresh = leaseFreshness({
    holders: input.holders,
    leases: input.leases,
    heldSince: Object.fromEntries([...held].map(([ip, h]) => [ip, h.since])),
    expirySeconds: input.expirySeconds,
    now,
  });
  for (const ip of fresh.expired.keys()) {
    const node = held.get(ip)?.holder;
    if (node !== undefined) suspects.set(node, input.previous?.get(node) ?? now);
  }
  const views = new Map(input.views.map((v) => [v.name, v]));
  // Renewals by each node, newest (the caller's clock).
  const renewedBy = new Map<string, number>();
  for (const lease of Object.values(input.leases)) {
    const t = typeof lease.renewedAt === 'number' ? lease.renewedAt : Date.parse(String(lease.renewedAt));
    if (lease.holder !== null && Number.isFinite(t))
      renewedBy.set(lease.holder, Math.max(renewedBy.get(lease.holder) ?? Number.NEGATIVE_INFINITY, t));
  }
  for (const [node, since] of input.previous ?? []) {
    if (suspects.has(node)) continue; // still expired now
    const v = views.get(node);
    if (v === undefined) continue;
    if (now - since >= SUSPECT_HOLD_MS) continue;
    if (v.since !== undefined && v.since > since) continue;
    if ((renewedBy.get(node) ?? Number.NEGATIVE_INFINITY) > since) continue;
    suspects.set(node, since);
  }
  let recheckAt: number | null = null;
  for (const since of suspects.values())
    if (recheckAt === null || since + SUSPECT_HOLD_MS < recheckAt) recheckAt = since + SUSPECT_HOLD_MS;
  return { suspects, recheckAt };
}
