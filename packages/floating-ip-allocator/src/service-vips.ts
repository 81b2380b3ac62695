/**
 * Service VIP allocation (SPEC §5): one VIP per LoadBalancer Service, as a full recompute.
 *
 * Order of decisions (each step sees the Services sorted by creationTimestamp, then key, so
 * the input order never matters):
 * 1. Reserve the control-plane VIP (never handed out) and the ingress VIP (ingress Service only).
 * 2. The ingress Service gets the ingress VIP.
 * 3. Sticky: every Service keeps the address in its status (`currentIP`) when it is still
 *    valid (in a pool, not reserved, not a buggy .0/.255, and equal to its request if it has
 *    one). Two Services claiming one address: the oldest (then the smaller key) keeps it, the
 *    conflict is reported, and the other gets a new address.
 * 4. Requested addresses (`spec.loadBalancerIP` or annotation) are honoured when free and in a
 *    pool, manualAssign pools included; otherwise the Service gets an error with the reason.
 * 5. Everyone else gets the lowest free address of the first automatic pool.
 * A Service that is deleted or no longer of type LoadBalancer is simply not passed in: its
 * address becomes free.
 */
import { canonicalAddress, type Family, parseAddress, toMillis } from './address.js';
import { type AddressPoolInput, type ParsedPool, type PoolError, parsePools } from './pools.js';
import { type PoolUsage, VipAllocator } from './vip-allocator.js';

/** A LoadBalancer Service as the allocator sees it. */
export interface ServiceVIPRequest {
  /** `namespace/name`. */
  key: string;
  /** `metadata.creationTimestamp` (ISO string or ms): older Services win conflicts. */
  creationTimestamp?: string | number | Date | undefined;
  /** `spec.loadBalancerIP` or the load-balancer IP annotation. */
  requestedIP?: string | undefined;
  /** The address currently in `status.loadBalancer.ingress` (read back, so restarts move nothing). */
  currentIP?: string | undefined;
  /** This is the ingress Service: it gets `ingressVIP`. */
  ingress?: boolean | undefined;
  /** Address family for automatic allocation (default 4). */
  family?: Family | undefined;
}

export interface AllocateServiceVIPsInput {
  /** `loadBalancer.addressPools` as configured, or the output of parsePools(). */
  pools: readonly AddressPoolInput[] | readonly ParsedPool[];
  services: readonly ServiceVIPRequest[];
  /** `vips.ingressVIP`: reserved for the ingress Service. */
  ingressVIP?: string | undefined;
  /** `vips.controlPlaneVIP`: never handed out to a Service. */
  controlPlaneVIP?: string | undefined;
  /** Key of the ingress Service (alternative to `ingress: true` on the Service). */
  ingressService?: string | undefined;
}

/** Two or more Services claimed one address in their status; `winner` keeps it. */
export interface VIPConflict {
  ip: string;
  winner: string;
  losers: string[];
  reason: string;
}

export interface AllocateServiceVIPsResult {
  /** Service key -> VIP. */
  allocations: Record<string, string>;
  /** Service key -> why it has no VIP. */
  errors: Record<string, string>;
  conflicts: VIPConflict[];
  poolUsage: PoolUsage[];
  /** Problems in the pool configuration (bad entries are dropped, the rest still works). */
  poolErrors: PoolError[];
}

const CONTROL_PLANE_OWNER = '<control-plane VIP>';
const INGRESS_OWNER = '<ingress VIP>';

function isParsedPools(pools: AllocateServiceVIPsInput['pools']): pools is readonly ParsedPool[] {
  return (
    Array.isArray(pools) &&
    pools.length > 0 &&
    pools.every((p) => 'ranges' in p && Array.isArray((p as ParsedPool).ranges))
  );
}

/** Allocate one VIP per Service. Pure and deterministic; bad input is reported, never thrown. */
export function allocateServiceVIPs(input: AllocateServiceVIPsInput): AllocateServiceVIPsResult {
  let parsed: ParsedPool[];
  let poolErrors: PoolError[] = [];
  if (isParsedPools(input.pools)) {
    parsed = [...input.pools];
  } else {
    const r = parsePools(input.pools as readonly AddressPoolInput[]);
    parsed = r.pools;
    poolErrors = r.errors;
  }
  const alloc = new VipAllocator(parsed);
  const allocations: Record<string, string> = {};
  const errors: Record<string, string> = {};
  const conflicts: VIPConflict[] = [];

  // Deterministic order: oldest first, then key. Duplicate keys: the first in that order counts.
  const valid = (Array.isArray(input.services) ? input.services : []).filter(
    (s) => typeof s?.key === 'string' && s.key !== '',
  );
  const withTime = valid.map((s) => ({
    s,
    t: toMillis(s.creationTimestamp) ?? Number.POSITIVE_INFINITY,
  }));
  withTime.sort((a, b) => (a.t !== b.t ? a.t - b.t : a.s.key < b.s.key ? -1 : a.s.key > b.s.key ? 1 : 0));
  const services: ServiceVIPRequest[] = [];
  const seen = new Set<string>();
  for (const { s } of withTime) {
    if (seen.has(s.key)) continue;
    seen.add(s.key);
    services.push(s);
  }

  // 1. Reservations.
  const cpVIP = input.controlPlaneVIP ? canonicalAddress(input.controlPlaneVIP) : undefined;
  if (input.controlPlaneVIP && !cpVIP) {
    poolErrors.push({
      pool: '',
      message: `controlPlaneVIP "${input.controlPlaneVIP}" is not a valid address`,
    });
  }
  if (cpVIP && alloc.poolOf(cpVIP) !== undefined) alloc.allocateSpecific(cpVIP, CONTROL_PLANE_OWNER);
  const ingressVIP = input.ingressVIP ? canonicalAddress(input.ingressVIP) : undefined;
  let ingressProblem: string | undefined;
  if (input.ingressVIP && !ingressVIP)
    ingressProblem = `ingressVIP "${input.ingressVIP}" is not a valid address`;
  else if (ingressVIP && ingressVIP === cpVIP)
    ingressProblem = `ingressVIP ${ingressVIP} equals the controlPlaneVIP`;
  else if (ingressVIP) {
    const r = alloc.allocateSpecific(ingressVIP, INGRESS_OWNER);
    if (!r.ok) ingressProblem = `ingressVIP ${ingressVIP} cannot be used: ${r.error}`;
  }
  if (ingressProblem) poolErrors.push({ pool: '', message: ingressProblem });

  const isIngress = (s: ServiceVIPRequest) => s.ingress === true || s.key === input.ingressService;
  const reservedReason = (ip: string): string | undefined => {
    if (ip === cpVIP) return `${ip} is the control-plane VIP and is never assigned to a Service`;
    if (ip === ingressVIP) return `${ip} is the ingressVIP, reserved for the ingress Service`;
    return undefined;
  };

  // 2. The ingress Service.
  const done = new Set<string>();
  for (const s of services) {
    if (!isIngress(s)) continue;
    done.add(s.key);
    if (!ingressVIP || ingressProblem) {
      errors[s.key] = ingressProblem ?? 'this is the ingress Service but no ingressVIP is configured';
      continue;
    }
    const requested =
      s.requestedIP !== undefined && s.requestedIP !== '' ? canonicalAddress(s.requestedIP) : undefined;
    if (s.requestedIP && requested !== ingressVIP) {
      errors[s.key] = `the ingress Service must use the ingressVIP ${ingressVIP}, not ${s.requestedIP}`;
      continue;
    }
    if (Object.values(allocations).includes(ingressVIP)) {
      errors[s.key] = `ingressVIP ${ingressVIP} is already used by another ingress Service`;
      continue;
    }
    allocations[s.key] = ingressVIP;
  }

  // 3. Sticky addresses from status.
  const claims = new Map<string, string[]>(); // contested ip -> [keeper, ...others], in priority order
  for (const s of services) {
    if (done.has(s.key) || !s.currentIP) continue;
    const current = canonicalAddress(s.currentIP);
    if (!current) continue;
    if (s.requestedIP) {
      const req = canonicalAddress(s.requestedIP);
      if (req !== current) continue; // the request changed: step 4 handles it
    }
    if (reservedReason(current)) continue;
    const r = alloc.allocateSpecific(current, s.key);
    if (r.ok) {
      allocations[s.key] = r.ip;
      done.add(s.key);
      continue;
    }
    // Outside every pool or a buggy address now: the Service simply gets a new address.
    // Held by an older Service that kept it from status: a conflict to report.
    const holder = alloc.ownerOf(current);
    if (holder !== undefined && allocations[holder] === current) {
      const list = claims.get(current) ?? [holder];
      list.push(s.key);
      claims.set(current, list);
    }
  }
  for (const [ip, keys] of claims) {
    if (keys.length < 2) continue;
    const [winner, ...losers] = keys as [string, ...string[]];
    conflicts.push({
      ip,
      winner,
      losers,
      reason: `${keys.length} Services report ${ip} in their status; ${winner} is the oldest and keeps it`,
    });
  }
  conflicts.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));

  // 4. Requested addresses.
  for (const s of services) {
    if (done.has(s.key) || !s.requestedIP) continue;
    done.add(s.key);
    const p = parseAddress(s.requestedIP);
    if (!p.ok) {
      errors[s.key] = `requested IP is invalid: ${p.error}`;
      continue;
    }
    const ip = canonicalAddress(s.requestedIP)!;
    const reserved = reservedReason(ip);
    if (reserved) {
      errors[s.key] = `requested IP ${reserved}`;
      continue;
    }
    const r = alloc.allocateSpecific(ip, s.key);
    if (r.ok) allocations[s.key] = r.ip;
    else errors[s.key] = `requested IP not available: ${r.error}`;
  }

  // 5. Automatic allocation.
  for (const s of services) {
    if (done.has(s.key)) continue;
    const r = alloc.allocate(s.key, { family: s.family ?? 4 });
    if (r.ok) allocations[s.key] = r.ip;
    else errors[s.key] = r.error;
  }

  return { allocations, errors, conflicts, poolUsage: alloc.usage(), poolErrors };
}
