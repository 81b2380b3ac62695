/**
 * The incremental Service path. When only Services changed since the last full reconcile, the
 * controller updates the previous desired state for just those Services instead of recomputing
 * 10k VIPs and routes: a single Service change then costs microseconds, not a full pass.
 *
 * The decision itself is the full path's: classifyService and decideService from
 * desired/service-decision.ts. What differs is only how the VIP is found: here an allocator that
 * mirrors the last full allocation answers for the changed Services alone. That gives the full
 * path's answer in the cases it accepts: a Service keeps the VIP it has (sticky), a new Service
 * without a request gets the lowest free address (oldest first when several arrive together, as
 * the full path orders them), a deleted or no-longer-served Service frees its VIP. IPv6 and
 * dual-stack Services get one VIP per family (one route each) by the same rules. Everything whose
 * answer depends on all Services at once (requested IPs, the ingress Service, a status that
 * disagrees with what we decided, a class change, a route-name clash, an address freed while
 * another Service waits for one) answers 'full' and the caller runs the full path. A property test
 * (service-fast-path.property.test.ts) checks the agreement on random change sequences.
 */
import { type Family, VipAllocator } from '@bgplb/floating-ip-allocator';
import type { EndpointCounts } from './desired/local-endpoints.js';
import {
  classifyService,
  createdAt,
  decideSecondVip,
  decideService,
  isCandidate,
  isOurs,
  type RouteContext,
  requestedIp,
  type ServiceCandidate,
  type ServiceDecision,
} from './desired/service-decision.js';
import {
  allocKeyParts,
  familyParts,
  plainIPv4,
  secondRouteName,
  serviceFamiliesCached,
  type VipPart,
} from './desired/service-families.js';
import { poolFamilies } from './desired/service-fold.js';
import type { Desired, DesiredRoute, ServiceContext } from './desired/types.js';
import { objectKey, routeName } from './names.js';
import type { EventSpec, ServiceObject } from './types.js';

const RESERVED = '<reserved>';

export interface FastPathOptions {
  clusterNamespace: string;
  loadBalancerClass: string;
  ingressService?: string | undefined;
}

/** What one apply() decided: only the changed Services and their routes, to diff and write. */
export interface FastPathResult {
  services: Desired['services'];
  routes: Map<string, DesiredRoute>;
  removedRoutes: string[];
  events: EventSpec[];
}

/** State carried between reconciles: a copy of the last desired state, kept up to date, and an
 * allocator mirroring its VIPs. The full result it starts from is not changed. */
export class ServiceFastPath {
  /** The desired state after the changes applied so far. */
  readonly desired: Desired;
  private readonly ctx: ServiceContext;
  private readonly allocator: VipAllocator;
  /** Route name -> the Service key that claims it (VIP holders and waiting candidates). */
  private readonly nameOwner = new Map<string, string>();
  private readonly waiting: Set<string>;
  /**
   * Services the last allocation gave an address that their decision does not use: a
   * RequireDualStack Service waiting for one family holds the other family's address. Mirrored as
   * allocated; a change to such a Service is the full path's.
   */
  private readonly holdsUnused = new Set<string>();
  /** Whether the names of waiting dual-stack Services are known (from the last allocation's input). */
  private readonly partNamesKnown: boolean;
  /** The families the address pools offer (a dual-stack Service's families depend on them). */
  private readonly offered: ReadonlySet<Family>;

  private constructor(
    full: Desired,
    private readonly o: FastPathOptions,
  ) {
    const ctx = full.serviceContext!;
    this.waiting = new Set(ctx.waiting);
    this.ctx = { ...ctx, waiting: this.waiting };
    this.desired = {
      ...full,
      services: new Map(full.services),
      routes: new Map(full.routes),
      events: [],
      serviceContext: this.ctx,
    };
    this.allocator = VipAllocator.fromConfig(ctx.pools).allocator;
    this.offered = poolFamilies(ctx.pools);
    for (const ip of [ctx.controlPlaneVIP, ctx.ingressVIP]) {
      if (ip !== undefined && this.allocator.poolOf(ip) !== undefined)
        this.allocator.allocateSpecific(ip, RESERVED);
    }
    for (const [key, s] of full.services) {
      if (s.vip !== null && this.allocator.ownerOf(s.vip) === undefined)
        this.allocator.allocateSpecific(s.vip, key);
      if (s.secondVip !== undefined && this.allocator.ownerOf(s.secondVip) === undefined)
        this.allocator.allocateSpecific(s.secondVip, key);
      if (s.vip === null && !this.waiting.has(key)) continue;
      const base = routeName(ctx.loadBalancerName, s.namespace, s.name);
      this.nameOwner.set(base, key);
      // A dual-stack Service's second route name (`-ipv6` / `-ipv4`), claimed even while a Local
      // Service announces nothing.
      if (s.secondVip !== undefined)
        this.nameOwner.set(secondRouteName(base, s.secondVip.includes(':') ? 6 : 4), key);
    }
    // Every VIP part the last allocation was asked for claims its route name, a waiting
    // dual-stack Service's second name (`<key> (IPv6)`: `<route>-ipv6`) included.
    this.partNamesKnown = full.memo.vips !== undefined;
    for (const r of full.memo.vips?.input.services ?? []) {
      const { key, second } = allocKeyParts(r.key);
      if (second === undefined) continue;
      const [namespace = '', name = ''] = key.split('/');
      const secondName = secondRouteName(routeName(ctx.loadBalancerName, namespace, name), second);
      if (!this.nameOwner.has(secondName)) this.nameOwner.set(secondName, key);
    }
    for (const [allocKey, ip] of Object.entries(full.memo.vips?.result.allocations ?? {})) {
      if (this.allocator.ownerOf(ip) !== undefined) continue;
      const { key } = allocKeyParts(allocKey);
      this.allocator.allocateSpecific(ip, key);
      this.holdsUnused.add(key);
    }
    // Dual-stack Services also claim the name of their second route (`-ipv6` / `-ipv4`).
    for (const r of full.routes.values())
      if (!this.nameOwner.has(r.name))
        this.nameOwner.set(r.name, objectKey(r.spec.service.namespace, r.spec.service.name));
  }

  /** Pool usage after the changes applied so far. */
  usage(): { pool: string; size: number; used: number }[] {
    return this.allocator.usage();
  }

  /** Starts from a full reconcile's result; undefined when that result cannot be extended. */
  static from(desired: Desired, o: FastPathOptions): ServiceFastPath | undefined {
    return desired.valid && desired.serviceContext !== undefined
      ? new ServiceFastPath(desired, o)
      : undefined;
  }

  /**
   * Applies the changed Services (key -> object, or undefined when deleted) to the desired state.
   * Returns the partial desired state to diff (only these Services and their routes) and the
   * events, or 'full' when the change needs the full path. On 'full' the state is unusable.
   */
  apply(
    changed: ReadonlyMap<string, ServiceObject | undefined>,
    endpointsOf: (serviceKey: string) => EndpointCounts | undefined = () => undefined,
  ): FastPathResult | 'full' {
    const out: FastPathResult = { services: new Map(), routes: new Map(), removedRoutes: [], events: [] };
    // Releases first, then candidates oldest first: the full path allocates after every release.
    const candidates: ServiceCandidate[] = [];
    for (const [key, s] of changed) {
      if (this.ctx.routeNameLosers.has(key)) return 'full'; // route-name clash rules
      if (this.holdsUnused.has(key)) return 'full';
      if (
        s !== undefined &&
        s.metadata.deletionTimestamp === undefined &&
        !isOurs(s, this.o.loadBalancerClass)
      ) {
        if (this.desired.services.has(key)) return 'full'; // it changed class: the full path decides
        continue;
      }
      const c =
        s === undefined
          ? undefined
          : classifyService(s, this.o.loadBalancerClass, this.ctx.loadBalancerName, this.ctx.refuseLocal);
      if (isCandidate(c)) {
        if (requestedIp(c.s) !== undefined || key === this.o.ingressService) return 'full';
        candidates.push(c);
        continue;
      }
      if (!this.release(key, out)) return 'full';
      if (c !== undefined) this.take(key, c, out);
    }
    candidates.sort(
      (a, b) => createdAt(a.s) - createdAt(b.s) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    const route = {
      nextHops: this.ctx.nextHops,
      drain: this.ctx.drain,
      status: this.ctx.routeStatus,
      clusterNamespace: this.o.clusterNamespace,
      local: { nextHopByNode: this.ctx.nextHopByNode, weighted: this.ctx.weighted, endpointsOf },
      v6: this.ctx.v6,
    };
    for (const c of candidates) {
      if (!plainIPv4(c)) {
        if (!this.decideFamilies(c, route, out)) return 'full';
        continue;
      }
      // A waiting dual-stack Service claims its `-ipv4` / `-ipv6` name too (unknown without the
      // last allocation's input).
      if (!this.partNamesKnown && this.waiting.size > 0 && hasFamilySuffix(c.route)) return 'full';
      const outcome = this.vipOf(c);
      if (outcome === 'full') return 'full';
      const owner = this.nameOwner.get(c.route);
      if (owner !== undefined && owner !== c.key) return 'full'; // route-name clash rules
      const d = decideService(
        c,
        outcome.vip,
        outcome.error === undefined ? undefined : { error: outcome.error },
        route,
        this.desired,
      );
      this.nameOwner.set(c.route, c.key);
      if (outcome.vip === null) this.waiting.add(c.key);
      else this.waiting.delete(c.key);
      // A Local Service whose last endpoint went away keeps its VIP but loses its route.
      if (d.route === undefined && this.desired.routes.delete(c.route)) out.removedRoutes.push(c.route);
      this.take(c.key, d, out);
    }
    this.desired.events = out.events;
    return out;
  }

  /**
   * An IPv6 or dual-stack candidate: a VIP per family (the one it holds, the one in its status, or
   * the lowest free one of that family) and a route per family, decided as the full fold's
   * decideDualStack does. False when the full path must decide: a family it can no longer have,
   * a status that is not what we decided, an exhausted family, a route-name clash.
   */
  private decideFamilies(c: ServiceCandidate, route: RouteContext, out: FastPathResult): boolean {
    const f = serviceFamiliesCached(c.s, this.offered);
    if (!f.ok) return false;
    const parts = familyParts(c, f);
    const previous = this.desired.services.get(c.key);
    const held = new Map<Family, string>();
    for (const vip of [previous?.vip, previous?.secondVip])
      if (typeof vip === 'string') held.set(vip.includes(':') ? 6 : 4, vip);
    for (const family of held.keys()) if (!f.families.includes(family)) return false;
    for (const p of parts) {
      if (!this.partNamesKnown && this.waiting.size > 0 && hasFamilySuffix(p.route)) return false;
      const owner = this.nameOwner.get(p.route);
      if (owner !== undefined && owner !== c.key) return false;
    }
    const vips: string[] = [];
    for (const p of parts) {
      const vip = this.familyVip(c.key, p, held.get(p.family!));
      if (vip === undefined) return false;
      vips.push(vip);
    }
    const [first, other] = parts as readonly [VipPart, VipPart | undefined];
    const d = decideService(first, vips[0]!, undefined, route, this.desired, vips[1]);
    this.settle(c.key, first, d, out);
    if (other !== undefined) {
      this.settle(c.key, other, decideSecondVip(other, vips[1]!, undefined, route, this.desired), out);
    }
    this.waiting.delete(c.key);
    // Its primary family changed (`-ipv6` became the plain name, or the reverse): the old name goes.
    return this.dropRoutes(
      c.key,
      c.route,
      parts.map((p) => p.route),
      out,
    );
  }

  /** One family's VIP: held (and still in the status), taken from the status, or the lowest free. */
  private familyVip(key: string, p: VipPart, held: string | undefined): string | undefined {
    if (held !== undefined) return p.current === held ? held : undefined;
    if (p.current !== undefined) {
      const r = this.allocator.allocateSpecific(p.current, key);
      return r.ok ? r.ip : undefined;
    }
    // An older Service would take the lowest address before one held unused: the full path's.
    if (this.holdsUnused.size > 0) return undefined;
    const r = this.allocator.allocate(key, { family: p.family ?? 4 });
    return r.ok ? r.ip : undefined;
  }

  /** Records one part's decision: its route name, and its route gone when it has none (Local). */
  private settle(key: string, p: VipPart, d: ServiceDecision, out: FastPathResult): void {
    this.nameOwner.set(p.route, key);
    if (d.route === undefined && this.desired.routes.delete(p.route)) out.removedRoutes.push(p.route);
    this.take(key, d, out);
  }

  /** The VIP of a candidate: the one it holds, the one in its status, or the lowest free one. */
  private vipOf(c: ServiceCandidate): { vip: string | null; error?: string } | 'full' {
    const previous = this.desired.services.get(c.key);
    if (previous?.secondVip !== undefined) return 'full';
    const held = previous?.vip ?? null;
    // A status that is not what we decided (changed by someone else, or a Service deleted and
    // created again under the same name) is the full path's to judge.
    if (held !== null) return c.current === held ? { vip: held } : 'full';
    if (c.current !== undefined)
      return this.allocator.allocateSpecific(c.current, c.key).ok ? { vip: c.current } : 'full';
    if (this.holdsUnused.size > 0) return 'full'; // see familyVip
    const r = this.allocator.allocate(c.key);
    return r.ok ? { vip: r.ip } : { vip: null, error: r.error };
  }

  private take(key: string, d: ServiceDecision, out: FastPathResult): void {
    if (d.service !== undefined) {
      this.desired.services.set(key, d.service);
      out.services.set(key, d.service);
    }
    if (d.route !== undefined) {
      this.desired.routes.set(d.route.name, d.route);
      out.routes.set(d.route.name, d.route);
    }
    out.events.push(...d.events);
  }

  /** Forgets a Service's decision and frees its VIP and route; false when the full path must decide. */
  private release(key: string, out: FastPathResult): boolean {
    const previous = this.desired.services.get(key);
    this.desired.services.delete(key);
    this.waiting.delete(key);
    if (previous === undefined) return true;
    if (previous.vip !== null) {
      for (const vip of [previous.vip, previous.secondVip])
        if (vip !== undefined && this.allocator.ownerOf(vip) === key) this.allocator.release(vip);
      // The freed address may be a waiting Service's by the full path's rules.
      if (this.waiting.size > 0) return false;
    }
    const base = routeName(this.ctx.loadBalancerName, previous.namespace, previous.name);
    return this.dropRoutes(key, base, [], out);
  }

  /**
   * Removes the Service's routes and route names other than `keep`: of each family, the plain name
   * (its primary) and `-ipv4` / `-ipv6` (dual-stack). False when a Service refused for a freed name
   * may take it now: the full path decides who.
   */
  private dropRoutes(key: string, base: string, keep: readonly string[], out: FastPathResult): boolean {
    for (const name of [base, secondRouteName(base, 4), secondRouteName(base, 6)]) {
      if (keep.includes(name)) continue;
      // (Checked even for a name not known as ours: a waiting dual-stack Service's second name.)
      for (const loserName of this.ctx.routeNameLosers.values()) if (loserName === name) return false;
      if (this.nameOwner.get(name) !== key) continue;
      this.nameOwner.delete(name);
      if (this.desired.routes.delete(name)) out.removedRoutes.push(name);
    }
    return true;
  }
}

/** A route name that may be a dual-stack Service's second route (`<base>-ipv4` / `<base>-ipv6`). */
function hasFamilySuffix(route: string): boolean {
  return route.endsWith('-ipv4') || route.endsWith('-ipv6');
}
