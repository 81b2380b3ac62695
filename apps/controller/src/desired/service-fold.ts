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
  addressFamily,
  allocateServiceVIPs,
  type Family,
  familyName,
  type PoolUsage,
  type ServiceVIPRequest,
} from '@bgplb/floating-ip-allocator';
import { objectKey } from '../names.js';
import type { EventSpec, ServiceObject } from '../types.js';
import { routeNameClashes } from './route-name-clashes.js';
import {
  classifyServiceCached,
  decideClashLoser,
  decideSecondVip,
  decideService,
  isCandidate,
  type RouteContext,
  type ServiceCandidate,
  type ServiceDecision,
  type VipProblem,
} from './service-decision.js';
import { familyParts, plainIPv4, serviceFamiliesCached, type VipPart } from './service-families.js';
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
    const c = classifyServiceCached(s, loadBalancerClass, loadBalancerName, refuseLocal);
    if (isCandidate(c)) candidates.push(c);
    else if (c !== undefined) take(c, objectKey(s.metadata.namespace ?? 'default', s.metadata.name), out);
  }
  return candidates;
}

/**
 * One Service's VIPs to allocate: one part per family, in its ipFamilies order. A part is the
 * candidate itself for the common single-stack IPv4 Service (no allocation here: 10k of them per
 * full reconcile), a copy with that family's route name, status address and request otherwise.
 */
interface Planned {
  c: ServiceCandidate;
  /** Shared with familyParts' cache: never changed. */
  parts: readonly VipPart[];
  /** ipFamilyPolicy RequireDualStack: both VIPs or none. */
  requireBoth: boolean;
}

/** The families the address pools hold (an entry's first address tells). */
export function poolFamilies(pools: ServiceFoldInput['vips']['pools']): Set<Family> {
  const out = new Set<Family>();
  for (const p of pools) {
    const addresses = 'addresses' in p ? (p.addresses as readonly string[]) : [];
    for (const a of addresses) {
      const f = addressFamily(a.split(/[-/]/)[0]!.trim());
      if (f !== undefined) out.add(f);
    }
  }
  return out;
}

/** Step 2: each candidate's VIP parts; a Service whose families cannot be served is refused here. */
function planFamilies(
  candidates: readonly ServiceCandidate[],
  offered: ReadonlySet<Family>,
  route: RouteContext,
  memo: DesiredMemo,
  out: Decisions,
): Planned[] {
  const planned: Planned[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (plainIPv4(c)) {
      planned.push({ c, parts: [c], requireBoth: false });
      continue;
    }
    const f = serviceFamiliesCached(c.s, offered);
    if (!f.ok) {
      take(decideService(c, null, { error: f.error }, route, memo), c.key, out);
      continue;
    }
    const parts = familyParts(c, f);
    planned.push({ c, parts, requireBoth: c.s.spec?.ipFamilyPolicy === 'RequireDualStack' });
  }
  return planned;
}

/** Step 3: a Service whose route name an older one keeps gets no VIP (status must never claim an
 * address that no BGPAdvertisedRoute announces). A dual-stack Service claims both its names. */
function withoutClashLosers(planned: readonly Planned[], out: Decisions): Planned[] {
  const parts: VipPart[] = [];
  for (let i = 0; i < planned.length; i++) for (const part of planned[i]!.parts) parts.push(part);
  const clashes = routeNameClashes(parts);
  if (clashes.size === 0) return planned as Planned[];
  const ours: Planned[] = [];
  for (let i = 0; i < planned.length; i++) {
    const p = planned[i]!;
    const clash = clashes.get(p.c.key);
    if (clash === undefined) {
      ours.push(p);
      continue;
    }
    out.routeNameLosers.set(p.c.key, clash.route);
    take(decideClashLoser(p.c, clash), p.c.key, out);
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
  ours: readonly Planned[],
): boolean {
  if (
    previous.controlPlaneVIP !== next.controlPlaneVIP ||
    previous.ingressVIP !== next.ingressVIP ||
    previous.ingressService !== next.ingressService ||
    JSON.stringify(previous.pools) !== JSON.stringify(next.pools)
  )
    return false;
  let n = 0;
  for (let i = 0; i < ours.length; i++) {
    const parts = ours[i]!.parts;
    for (let j = 0; j < parts.length; j++) {
      const r = previous.services[n++];
      const c = parts[j]!;
      if (
        r === undefined ||
        r.key !== (c.allocKey ?? c.key) ||
        (r.family ?? 4) !== (c.family ?? 4) ||
        (r.currentIP ?? '') !== (c.current ?? '') ||
        (r.requestedIP ?? '') !== (c.requested ?? '') ||
        !sameTimestamp(r.creationTimestamp, c.s.metadata.creationTimestamp)
      )
        return false;
    }
  }
  return n === previous.services.length;
}

/** Step 4: one allocation for all VIP parts (or last time's, when its input is identical). */
function allocate(
  vips: ServiceFoldInput['vips'],
  ours: readonly Planned[],
  memo: DesiredMemo,
): { input: AllocateServiceVIPsInput; result: AllocateServiceVIPsResult } {
  if (memo.vips !== undefined && sameVipInput(memo.vips.input, vips, ours)) return memo.vips;
  const requests: ServiceVIPRequest[] = [];
  for (const p of ours)
    for (const c of p.parts) {
      const request: ServiceVIPRequest = {
        key: c.allocKey ?? c.key,
        creationTimestamp: c.s.metadata.creationTimestamp,
        currentIP: c.current,
        requestedIP: c.requested,
      };
      if (c.family !== undefined) request.family = c.family;
      requests.push(request);
    }
  const input: AllocateServiceVIPsInput = { ...vips, services: requests };
  return { input, result: allocateServiceVIPs(input) };
}

/** Why a RequireDualStack Service gets no VIP while one family cannot be allocated. */
export const REQUIRE_BOTH = (family: Family, why: string) =>
  `ipFamilyPolicy RequireDualStack needs a VIP of each family, and no ${familyName(family)} VIP could be allocated (${why}); the Service gets none until both can be`;

type ProblemOf = (part: VipPart, vip: string | null) => VipProblem | undefined;

/** Step 5: each Service's decision from its parts' allocation outcomes. */
function decideAll(
  ours: readonly Planned[],
  allocation: AllocateServiceVIPsResult,
  route: RouteContext,
  memo: DesiredMemo,
  out: Decisions,
): void {
  const conflicts = new Map<string, string>();
  for (const c of allocation.conflicts) for (const loser of c.losers) conflicts.set(loser, c.reason);
  const problemOf: ProblemOf = (part, vip) => {
    const key = part.allocKey ?? part.key;
    const error = vip === null ? allocation.errors[key] : undefined;
    const conflict = conflicts.get(key);
    return error !== undefined || conflict !== undefined ? { error, conflict } : undefined;
  };
  for (let i = 0; i < ours.length; i++) {
    const p = ours[i]!;
    const { parts } = p;
    if (parts.length === 1) {
      const c = parts[0]!;
      const vip = allocation.allocations[c.allocKey ?? c.key] ?? null;
      if (vip === null) out.waiting.add(c.key);
      take(decideService(c, vip, problemOf(c, vip), route, memo), c.key, out);
      continue;
    }
    decideDualStack(p, allocation, problemOf, route, memo, out);
  }
}

/**
 * A Service with a part per family. PreferDualStack: the VIPs that could be allocated, a Warning
 * for the family that could not. RequireDualStack: both or none (an operator who requires both
 * families would rather see the Service wait, with the reason, than half-work).
 */
function decideDualStack(
  p: Planned,
  allocation: AllocateServiceVIPsResult,
  problemOf: ProblemOf,
  route: RouteContext,
  memo: DesiredMemo,
  out: Decisions,
): void {
  const key = p.c.key;
  const { parts } = p;
  // The parts split by outcome, in order, without closures or filtered copies (10k per pass).
  let first: VipPart | undefined;
  let vip: string | undefined;
  let other: VipPart | undefined;
  let second: string | undefined;
  let failed: VipPart[] | undefined;
  for (let i = 0; i < parts.length; i++) {
    const c = parts[i]!;
    const v = allocation.allocations[c.allocKey ?? c.key];
    if (v === undefined) {
      failed ??= [];
      failed.push(c);
    } else if (first === undefined) {
      first = c;
      vip = v;
    } else if (other === undefined) {
      other = c;
      second = v;
    }
  }
  if (failed !== undefined) out.waiting.add(key);
  if (p.requireBoth && failed !== undefined) {
    const part = failed[0]!;
    const why = problemOf(part, null)?.error ?? 'no address pool';
    const error = REQUIRE_BOTH(part.family ?? 4, why);
    take(decideService(parts[0]!, null, { error }, route, memo), key, out);
    return;
  }
  if (first === undefined || vip === undefined) {
    const part = parts[0]!;
    take(decideService(part, null, problemOf(part, null), route, memo), key, out);
    return;
  }
  take(decideService(first, vip, problemOf(first, vip), route, memo, second), key, out);
  if (other !== undefined && second !== undefined)
    take(decideSecondVip(other, second, problemOf(other, second), route, memo), key, out);
  if (failed === undefined) return;
  for (const part of failed) {
    const why = problemOf(part, null)?.error ?? 'no address pool';
    const error = `no ${familyName(part.family ?? 4)} VIP: ${why}`;
    const d = decideService(part, null, { error }, route, memo);
    take({ service: undefined, route: undefined, events: d.events }, key, out);
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
  const offered = poolFamilies(input.vips.pools);
  const planned = planFamilies(candidatesOf(input, out), offered, input.route, memo, out);
  const ours = withoutClashLosers(planned, out);
  const vips = allocate(input.vips, ours, memo);
  const warnings = vips.result.poolErrors.map((e) =>
    e.pool === '' ? e.message : `pool ${e.pool}: ${e.message}`,
  );
  decideAll(ours, vips.result, input.route, memo, out);
  return { ...out, poolUsage: vips.result.poolUsage, warnings, vips };
}
