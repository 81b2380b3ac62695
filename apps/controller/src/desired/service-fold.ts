/**
 * The full resync's Service phase: the decisions of service-decision.ts folded over every Service.
 * Three steps, because two rules need all Services at once: route-name clashes (the older Service
 * keeps a name) and VIP allocation (sticky addresses first, then the oldest Service first). Pure:
 * the memo argument is last computation's output, used only to return equal objects again and to
 * skip an allocation whose input is identical.
 */
import {
  type AllocateServiceVIPsInput,
  type AllocateServiceVIPsResult,
  allocateServiceVIPs,
  type PoolUsage,
  type ServiceVIPRequest,
} from '@bgplb/floating-ip-allocator';
import { objectKey } from '../names.js';
import type { EventSpec, ServiceObject } from '../types.js';
import { routeNameClashes } from './route-name-clashes.js';
import {
  classifyService,
  decideClashLoser,
  decideService,
  isCandidate,
  type RouteContext,
  requestedIp,
  type ServiceCandidate,
  type ServiceDecision,
} from './service-decision.js';
import type { DesiredMemo, DesiredRoute, DesiredService } from './types.js';

/** The inputs of every Service decision other than the Services themselves. */
export interface ServiceFoldInput {
  services: readonly ServiceObject[];
  loadBalancerClass: string;
  loadBalancerName: string;
  /** `externalTrafficPolicyLocal: refuse`: Local Services get no VIP (the spec's rule). */
  refuseLocal: boolean;
  route: RouteContext;
  /** Everything allocateServiceVIPs needs besides the requests. */
  vips: Omit<AllocateServiceVIPsInput, 'services'>;
}

/** The decisions, collected in the order the Services are decided. */
interface Decisions {
  services: Map<string, DesiredService>;
  routes: Map<string, DesiredRoute>;
  events: EventSpec[];
  /** Refused because another Service keeps the route name (Service key -> route name). */
  routeNameLosers: Map<string, string>;
  /** Candidates the allocation gave no address (pool exhausted, bad request, ...). */
  waiting: Set<string>;
}

export interface ServiceFold extends Decisions {
  poolUsage: PoolUsage[];
  warnings: string[];
  vips: { input: AllocateServiceVIPsInput; result: AllocateServiceVIPsResult };
}

/*
 * The per-Service loops live in small functions with stable argument shapes: this code runs once
 * per full reconcile, and V8 otherwise re-optimizes one large function on stack (OSR) every time.
 * Loops are indexed: for-of allocates an iterator result per element over 10k Services.
 */

function take(d: ServiceDecision, key: string, out: Decisions): void {
  if (d.service !== undefined) out.services.set(key, d.service);
  if (d.route !== undefined) out.routes.set(d.route.name, d.route);
  for (let i = 0; i < d.events.length; i++) out.events.push(d.events[i]!);
}

/** Step 1: every Service classified; those that get no VIP are decided here. */
function candidatesOf(input: ServiceFoldInput, out: Decisions): ServiceCandidate[] {
  const candidates: ServiceCandidate[] = [];
  const { services, loadBalancerClass, loadBalancerName, refuseLocal } = input;
  for (let i = 0; i < services.length; i++) {
    const s = services[i]!;
    const c = classifyService(s, loadBalancerClass, loadBalancerName, refuseLocal);
    if (isCandidate(c)) candidates.push(c);
    else if (c !== undefined) take(c, objectKey(s.metadata.namespace ?? 'default', s.metadata.name), out);
  }
  return candidates;
}

/** Step 2: a Service whose route name an older one keeps gets no VIP (status must never claim an
 * address that no BGPAdvertisedRoute announces). */
function withoutClashLosers(candidates: readonly ServiceCandidate[], out: Decisions): ServiceCandidate[] {
  const clashes = routeNameClashes(candidates);
  if (clashes.size === 0) return candidates as ServiceCandidate[];
  const ours: ServiceCandidate[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const clash = clashes.get(c.key);
    if (clash === undefined) {
      ours.push(c);
      continue;
    }
    out.routeNameLosers.set(c.key, clash.route);
    take(decideClashLoser(c, clash), c.key, out);
  }
  return ours;
}

function sameTimestamp(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const text = (t: unknown) => (t instanceof Date ? t.toISOString() : String(t));
  return text(a) === text(b);
}

/**
 * Whether allocateServiceVIPs would get the same input as last time (then its answer is reused).
 * Compares field by field, in order, without building the requests: a configuration or Node change
 * recomputes everything, but usually leaves the 10k requests as they were.
 */
function sameVipInput(
  previous: AllocateServiceVIPsInput,
  next: Omit<AllocateServiceVIPsInput, 'services'>,
  ours: readonly ServiceCandidate[],
): boolean {
  if (
    previous.controlPlaneVIP !== next.controlPlaneVIP ||
    previous.ingressVIP !== next.ingressVIP ||
    previous.ingressService !== next.ingressService ||
    previous.services.length !== ours.length ||
    JSON.stringify(previous.pools) !== JSON.stringify(next.pools)
  )
    return false;
  for (let i = 0; i < ours.length; i++) {
    const r = previous.services[i]!;
    const c = ours[i]!;
    if (
      r.key !== c.key ||
      (r.currentIP ?? '') !== (c.current ?? '') ||
      (r.requestedIP ?? '') !== (requestedIp(c.s) ?? '') ||
      !sameTimestamp(r.creationTimestamp, c.s.metadata.creationTimestamp)
    )
      return false;
  }
  return true;
}

/** Step 3: one allocation for all candidates (or last time's, when its input is identical). */
function allocate(
  vips: ServiceFoldInput['vips'],
  ours: readonly ServiceCandidate[],
  memo: DesiredMemo,
): { input: AllocateServiceVIPsInput; result: AllocateServiceVIPsResult } {
  if (memo.vips !== undefined && sameVipInput(memo.vips.input, vips, ours)) return memo.vips;
  const requests: ServiceVIPRequest[] = ours.map((c) => ({
    key: c.key,
    creationTimestamp: c.s.metadata.creationTimestamp,
    currentIP: c.current,
    requestedIP: requestedIp(c.s),
  }));
  const input: AllocateServiceVIPsInput = { ...vips, services: requests };
  return { input, result: withoutIPv6Vips(allocateServiceVIPs(input)) };
}

/** Why an IPv6 VIP is refused (until IPv6 routes are announced). */
export const IPV6_NOT_ANNOUNCED = (ip: string) =>
  `IPv6 address ${ip} is in an address pool, but IPv6 Service VIPs are not announced yet; request an IPv4 address`;

/**
 * Address pools may hold IPv6 entries, and automatic allocation takes IPv4 only; a Service can
 * still request an IPv6 address (or carry one in its status). Until IPv6 routes are announced,
 * such a Service gets no VIP and is told why, rather than a route that no router would accept.
 */
function withoutIPv6Vips(result: AllocateServiceVIPsResult): AllocateServiceVIPsResult {
  let out = result;
  for (const [key, ip] of Object.entries(result.allocations)) {
    if (!ip.includes(':')) continue;
    if (out === result)
      out = { ...result, allocations: { ...result.allocations }, errors: { ...result.errors } };
    delete out.allocations[key];
    out.errors[key] = IPV6_NOT_ANNOUNCED(ip);
  }
  return out;
}

/** Step 4: each candidate's decision from its allocation outcome. */
function decideAll(
  ours: readonly ServiceCandidate[],
  allocation: AllocateServiceVIPsResult,
  route: RouteContext,
  memo: DesiredMemo,
  out: Decisions,
): void {
  const conflicts = new Map<string, string>();
  for (const c of allocation.conflicts) for (const loser of c.losers) conflicts.set(loser, c.reason);
  for (let i = 0; i < ours.length; i++) {
    const c = ours[i]!;
    const vip = allocation.allocations[c.key] ?? null;
    if (vip === null) out.waiting.add(c.key);
    const error = vip === null ? allocation.errors[c.key] : undefined;
    const conflict = conflicts.get(c.key);
    const problem = error !== undefined || conflict !== undefined ? { error, conflict } : undefined;
    const d = decideService(c, vip, problem, route, memo);
    take(d, c.key, out);
  }
}

/** Every Service's decision. */
export function foldServices(input: ServiceFoldInput, memo: DesiredMemo): ServiceFold {
  const out: Decisions = {
    services: new Map(),
    routes: new Map(),
    events: [],
    routeNameLosers: new Map(),
    waiting: new Set(),
  };
  const ours = withoutClashLosers(candidatesOf(input, out), out);
  const vips = allocate(input.vips, ours, memo);
  const warnings = vips.result.poolErrors.map((e) =>
    e.pool === '' ? e.message : `pool ${e.pool}: ${e.message}`,
  );
  decideAll(ours, vips.result, input.route, memo, out);
  return { ...out, poolUsage: vips.result.poolUsage, warnings, vips };
}
