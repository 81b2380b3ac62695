/**
 * Floating IPs -> nodes (SPEC §4).
 *
 * Rules, in order of precedence:
 * 1. Subnet: a floating IP only ever goes to a node with an address in a subnet that contains
 *    it. Nothing else is allowed (an operator confines peering to a load-balancer subnet this way).
 * 2. Stability: a holder that is still in the subnet and ready keeps the IP. A holder that is
 *    not ready keeps it until it has been not ready for `graceSeconds` (no flapping); when it
 *    comes back, nothing moves back. The fast path: a holder that has not renewed the floating
 *    IP's Lease for the lease expiry loses it at once (see lease-freshness.ts), and takes no new
 *    floating IP while any of its Leases is expired; if no other node can take the IP, it stays.
 * 3. Spread: a new holder is the eligible ready node holding the fewest floating IPs; among
 *    those, nodes ready for at least `graceSeconds` beat nodes that have just come back.
 * 4. Tie-break: rendezvous hashing of (floating IP, node name), so any replica, given the same
 *    inputs in any order, computes the same answer.
 */
import {
  compareAddresses,
  formatAddress,
  formatNetwork,
  type ParsedAddress,
  type ParsedCIDR,
  parseAddress,
  parseCIDR,
  toMillis,
} from './address.js';
import { hashString, pairWeight, ranksBefore } from './hash.js';
import { type FloatingIPLease, leaseFreshness } from './lease-freshness.js';

/** A time: milliseconds since the epoch, an ISO-8601 string, or a Date. */
export type TimeInput = number | string | Date;

/** A node as the allocator sees it (plain data, built from the Kubernetes Node object). */
export interface FloatingIPNode {
  /** Kubernetes node name (the identity used for hashing and in results). */
  name: string;
  /** Interface addresses in CIDR form, e.g. `10.0.1.10/24`; they define the node's subnets. */
  addresses: readonly string[];
  /** The node's Ready condition. */
  ready: boolean;
  /** When the node last became ready (the Ready condition's lastTransitionTime while ready). */
  readySince?: TimeInput | undefined;
  /** When the node last became not ready (lastTransitionTime while not ready). */
  notReadySince?: TimeInput | undefined;
  /** Member of the load-balancer node pool (`loadBalancer.nodePoolSpec`). */
  loadBalancer?: boolean | undefined;
}

export interface AssignFloatingIPsInput {
  /** Floating IPs from the NetworkGatewayGroup (`spec.floatingIPs`). */
  floatingIPs: readonly string[];
  nodes: readonly FloatingIPNode[];
  /** The current assignment (ip -> node name, or null), e.g. read back from status. */
  previous?: Readonly<Record<string, string | null | undefined>> | undefined;
  /** The current time. */
  now: TimeInput;
  /** How long a node must have been not ready before its floating IPs move. */
  graceSeconds: number;
  /** Only place floating IPs on load-balancer nodes (default false: any node in the subnet). */
  loadBalancerNodesOnly?: boolean | undefined;
  /** Floating IP -> what is known of its Lease (absent: no Lease path for that IP). */
  leases?: Readonly<Record<string, FloatingIPLease | undefined>> | undefined;
  /** Floating IP -> since when its previous holder holds it (the caller's clock). */
  heldSince?: Readonly<Record<string, TimeInput | undefined>> | undefined;
  /** Lease expiry in seconds; 0 or absent: the Lease path is off. */
  leaseExpirySeconds?: number | undefined;
}

/** Why a floating IP changed holder. */
export type FloatingIPMoveReason =
  /** Assigned for the first time (no previous holder). */
  | 'initial'
  /** The previous holder is no longer in the node list. */
  | 'node-removed'
  /** The previous holder has been not ready for longer than the grace period. */
  | 'node-not-ready'
  /** The previous holder has not renewed the floating IP's Lease for the lease expiry. */
  | 'lease-expired'
  /** The previous holder no longer has an address in the floating IP's subnet (or left the LB pool). */
  | 'node-ineligible'
  /** The floating IP was removed from the NetworkGatewayGroup. */
  | 'floating-ip-removed';

export interface FloatingIPMove {
  ip: string;
  /** Previous holder, or null. */
  from: string | null;
  /** New holder, or null when the IP is now unassigned or removed. */
  to: string | null;
  reason: FloatingIPMoveReason;
  /**
   * When the move became due (ms): the holder's Lease expiry, or the end of its NotReady grace.
   * Absent for other reasons. The controller times moves from it.
   */
  dueAt?: number;
}

export interface FloatingIPAssignmentResult {
  /** Every floating IP (canonical text) -> holding node, or null when unassigned. */
  assignments: Record<string, string | null>;
  /** Floating IP -> why it has no holder, e.g. `no ready node in subnet 10.0.3.0/24`. */
  unassigned: Record<string, string>;
  /** Holder changes relative to `previous`, sorted by IP. */
  moves: FloatingIPMove[];
  /**
   * Earliest time (ms) at which this answer can change without any input changing (a grace
   * period running out, or a just-returned node becoming settled); null if none. Requeue then.
   */
  recheckAt: number | null;
  /**
   * Earliest time (ms) at which a Lease that is fresh now expires unless renewed; null if none.
   * Renewals push it back, so the caller re-checks with leaseFreshness() before recomputing.
   */
  leaseDeadline: number | null;
  /** Problems with the input that did not stop the computation (bad node addresses, duplicates). */
  warnings: string[];
}

interface NodeState {
  name: string;
  subnets: ParsedCIDR[];
  /** The node's own addresses (a floating IP must never be one of them). */
  own: Set<string>;
  ready: boolean;
  /** Not ready, but within the grace period: keeps its IPs, gets no new ones. */
  inGrace: boolean;
  /** Not ready: when its grace period ends (ms), if known. */
  graceEndsAt: number | undefined;
  /** Ready for at least graceSeconds (or since an unknown time). */
  settled: boolean;
  loadBalancer: boolean;
  held: number;
  hash: number;
}

function nodeKeyOf(family: number, value: bigint): string {
  return `${family}:${value}`;
}

/** Merge duplicate node entries deterministically: union of addresses, ready only if all are. */
function mergeNodes(nodes: readonly FloatingIPNode[], warnings: string[]): Map<string, FloatingIPNode> {
  const byName = new Map<string, FloatingIPNode>();
  for (const raw of Array.isArray(nodes) ? nodes : []) {
    if (typeof raw?.name !== 'string' || raw.name === '') {
      warnings.push(`ignoring a node without a name: ${JSON.stringify(raw)}`);
      continue;
    }
    const n: FloatingIPNode = Array.isArray(raw.addresses) ? raw : { ...raw, addresses: [] };
    const seen = byName.get(n.name);
    if (!seen) {
      byName.set(n.name, n);
      continue;
    }
    warnings.push(`node ${n.name} is listed more than once; treating it as ready only if every entry is`);
    const ready = seen.ready && n.ready;
    const times = (a: TimeInput | undefined, b: TimeInput | undefined, latest: boolean) => {
      const ma = toMillis(a);
      const mb = toMillis(b);
      if (ma === undefined) return mb;
      if (mb === undefined) return ma;
      return latest ? Math.max(ma, mb) : Math.min(ma, mb);
    };
    byName.set(n.name, {
      name: n.name,
      addresses: [...new Set([...seen.addresses, ...n.addresses])].sort(),
      ready,
      readySince: times(seen.readySince, n.readySince, true),
      notReadySince: times(seen.notReadySince, n.notReadySince, false),
      loadBalancer: Boolean(seen.loadBalancer) && Boolean(n.loadBalancer),
    });
  }
  return byName;
}

/**
 * Decide which node holds each floating IP. Pure and deterministic: the result depends only
 * on the inputs as sets (order never matters). Bad input is reported in the result, not thrown.
 */
export function assignFloatingIPs(input: AssignFloatingIPsInput): FloatingIPAssignmentResult {
  const warnings: string[] = [];
  const now = toMillis(input.now);
  if (now === undefined)
    warnings.push(`now is not a valid time: ${String(input.now)}; grace periods ignored`);
  if (!Number.isFinite(input.graceSeconds) || input.graceSeconds < 0) {
    warnings.push(`graceSeconds must be a number >= 0, got ${String(input.graceSeconds)}; using 0`);
  }
  const graceMs =
    Number.isFinite(input.graceSeconds) && input.graceSeconds > 0 ? input.graceSeconds * 1000 : 0;
  const previous = input.previous ?? {};
  const lbOnly = input.loadBalancerNodesOnly === true;
  let recheckAt: number | null = null;
  const noteRecheck = (t: number) => {
    if (now !== undefined && t > now && (recheckAt === null || t < recheckAt)) recheckAt = t;
  };

  // Nodes, sorted by name so every later loop is order independent.
  const merged = mergeNodes(input.nodes, warnings);
  const states: NodeState[] = [];
  for (const name of [...merged.keys()].sort()) {
    const n = merged.get(name)!;
    const subnets: ParsedCIDR[] = [];
    const own = new Set<string>();
    for (const a of n.addresses) {
      const c = parseCIDR(a);
      if (!c.ok) {
        warnings.push(`node ${name}: ignoring address ${c.error}`);
        continue;
      }
      subnets.push(c.value);
      own.add(nodeKeyOf(c.value.family, c.value.address));
    }
    let inGrace = false;
    let settled = n.ready;
    let graceEndsAt: number | undefined;
    if (!n.ready) {
      const since = toMillis(n.notReadySince);
      if (since !== undefined) graceEndsAt = since + graceMs;
      // Unknown "since": we cannot prove the node is within its grace period, so it is not.
      if (since !== undefined && now !== undefined && now - since < graceMs) {
        inGrace = true;
        noteRecheck(since + graceMs);
      }
    } else {
      const since = toMillis(n.readySince);
      if (since !== undefined && now !== undefined && now - since < graceMs) {
        settled = false;
        noteRecheck(since + graceMs);
      }
    }
    states.push({
      name,
      subnets,
      own,
      ready: n.ready,
      inGrace,
      graceEndsAt,
      settled,
      loadBalancer: n.loadBalancer === true,
      held: 0,
      hash: hashString(name),
    });
  }
  const byName = new Map(states.map((s) => [s.name, s]));

  // Floating IPs: canonical, de-duplicated, sorted numerically.
  const assignments = new Map<string, string | null>();
  const unassigned = new Map<string, string>();
  const ips: { text: string; addr: ParsedAddress }[] = [];
  const seenIPs = new Set<string>();
  for (const raw of Array.isArray(input.floatingIPs) ? input.floatingIPs : []) {
    const p = parseAddress(raw);
    if (!p.ok) {
      assignments.set(raw, null);
      unassigned.set(raw, `invalid floating IP: ${p.error}`);
      continue;
    }
    const text = formatAddress(p.value.family, p.value.value);
    if (seenIPs.has(text)) continue;
    seenIPs.add(text);
    ips.push({ text, addr: p.value });
  }
  ips.sort((a, b) => compareAddresses(a.addr, b.addr));

  interface Eligibility {
    nodes: NodeState[];
    subnets: Set<string>;
    ownedBy?: string;
    /** The IP is the network or broadcast address of this IPv4 subnet (never usable). */
    special?: string;
  }
  const eligibleFor = (ip: ParsedAddress): Eligibility => {
    const out: Eligibility = { nodes: [], subnets: new Set<string>() };
    const key = nodeKeyOf(ip.family, ip.value);
    for (const s of states) {
      if (s.own.has(key)) {
        out.ownedBy = s.name;
        continue;
      }
      let match = false;
      for (const c of s.subnets) {
        if (c.family !== ip.family || ip.value < c.first || ip.value > c.last) continue;
        if (c.family === 4 && c.prefix <= 30 && (ip.value === c.first || ip.value === c.last)) {
          out.special = `${ip.value === c.first ? 'network' : 'broadcast'} address of ${formatNetwork(c)}`;
          continue;
        }
        out.subnets.add(formatNetwork(c));
        match = true;
      }
      if (match && (!lbOnly || s.loadBalancer)) out.nodes.push(s);
    }
    return out;
  };

  // Previous holders, keyed by canonical IP.
  const prevHolder = new Map<string, string>();
  for (const [ip, node] of Object.entries(previous)) {
    if (typeof node !== 'string') continue;
    const text = parseAddress(ip);
    prevHolder.set(text.ok ? formatAddress(text.value.family, text.value.value) : ip, node);
  }

  // The fast path: holders whose Lease for a floating IP expired lose it, and are suspects.
  const freshness = leaseFreshness({
    holders: Object.fromEntries(prevHolder),
    leases: input.leases ?? {},
    heldSince: input.heldSince,
    expirySeconds: input.leaseExpirySeconds ?? 0,
    now: input.now,
  });
  warnings.push(...freshness.warnings);
  const suspects = new Set<string>();
  for (const ip of freshness.expired.keys()) suspects.add(prevHolder.get(ip)!);

  // Pass 1: keep healthy (or in-grace) previous holders.
  const pending: { text: string; eligible: NodeState[]; subnets: Set<string>; fallback?: NodeState }[] = [];
  const moveReasons = new Map<string, FloatingIPMoveReason>();
  for (const { text, addr } of ips) {
    const el = eligibleFor(addr);
    if (el.special !== undefined) {
      assignments.set(text, null);
      unassigned.set(text, `${text} is the ${el.special}; a floating IP must be a usable host address`);
      const holder = prevHolder.get(text);
      if (holder !== undefined) moveReasons.set(text, 'node-ineligible');
      continue;
    }
    if (el.ownedBy !== undefined) {
      warnings.push(
        `floating IP ${text} is an address of node ${el.ownedBy}; it is never placed on that node`,
      );
    }
    const holderName = prevHolder.get(text);
    const holder = holderName === undefined ? undefined : byName.get(holderName);
    if (holder && el.nodes.includes(holder) && (holder.ready || holder.inGrace)) {
      if (!freshness.expired.has(text)) {
        assignments.set(text, holder.name);
        holder.held++;
        continue;
      }
      moveReasons.set(text, 'lease-expired');
      pending.push({ text, eligible: el.nodes, subnets: el.subnets, fallback: holder });
      continue;
    }
    if (holderName !== undefined) {
      moveReasons.set(
        text,
        !holder ? 'node-removed' : !el.nodes.includes(holder) ? 'node-ineligible' : 'node-not-ready',
      );
    }
    pending.push({ text, eligible: el.nodes, subnets: el.subnets });
  }

  // Pass 2: place the rest, in IP order, on the best ready eligible node.
  for (const { text, eligible, subnets, fallback } of pending) {
    const ipHash = hashString(text);
    let best: NodeState | undefined;
    let bestWeight = 0;
    for (const s of eligible) {
      if (!s.ready || suspects.has(s.name)) continue;
      const w = pairWeight(ipHash, s.hash);
      // Fewest floating IPs first (spread), then nodes that have been ready for a while (flap
      // protection), then the rendezvous weight.
      if (
        best === undefined ||
        s.held < best.held ||
        (s.held === best.held &&
          ((s.settled && !best.settled) ||
            (s.settled === best.settled && ranksBefore(w, s.name, bestWeight, best.name))))
      ) {
        best = s;
        bestWeight = w;
      }
    }
    if (best) {
      assignments.set(text, best.name);
      best.held++;
      continue;
    }
    if (fallback !== undefined) {
      // Its Lease expired, but no other node can take it: moving it nowhere helps nobody (the
      // holder fences itself if it really cannot renew).
      assignments.set(text, fallback.name);
      fallback.held++;
      warnings.push(
        `${freshness.expired.get(text)}, but no other ready node can take it; it stays on ${fallback.name}`,
      );
      continue;
    }
    assignments.set(text, null);
    const where = [...subnets].sort();
    if (where.length > 0) {
      unassigned.set(text, `no ready${lbOnly ? ' load-balancer' : ''} node in subnet ${where.join(', ')}`);
    } else {
      unassigned.set(text, `no node has an address in a subnet containing ${text}`);
    }
  }

  // Moves relative to previous.
  const moves: FloatingIPMove[] = [];
  for (const { text } of ips) {
    const from = prevHolder.get(text) ?? null;
    const to = assignments.get(text) ?? null;
    if (from === to) continue;
    const reason = from === null ? 'initial' : (moveReasons.get(text) ?? 'node-not-ready');
    const dueAt =
      reason === 'lease-expired'
        ? freshness.expiredAt.get(text)
        : reason === 'node-not-ready'
          ? byName.get(from!)?.graceEndsAt
          : undefined;
    moves.push({ ip: text, from, to, reason, ...(dueAt === undefined ? {} : { dueAt }) });
  }
  const removed = [...prevHolder.keys()].filter((ip) => !seenIPs.has(ip)).sort();
  for (const ip of removed) {
    moves.push({ ip, from: prevHolder.get(ip)!, to: null, reason: 'floating-ip-removed' });
  }

  // Rebuild the maps in a canonical key order (IPs numerically, then invalid entries), so even
  // the serialised result is independent of the input order.
  const invalid = [...assignments.keys()].filter((k) => !seenIPs.has(k)).sort();
  const order = [...ips.map((x) => x.text), ...invalid];
  // Object.fromEntries defines own properties, so even a garbage entry named "__proto__" is data.
  const sortedAssignments: Record<string, string | null> = Object.fromEntries(
    order.map((k) => [k, assignments.get(k) ?? null]),
  );
  const sortedUnassigned: Record<string, string> = Object.fromEntries(
    order.filter((k) => unassigned.has(k)).map((k) => [k, unassigned.get(k)!]),
  );
  return {
    assignments: sortedAssignments,
    unassigned: sortedUnassigned,
    moves,
    recheckAt,
    leaseDeadline: freshness.deadline,
    warnings,
  };
}
