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
 * the full path orders them), a deleted or no-longer-served Service frees its VIP. Everything whose
 * answer depends on all Services at once (requested IPs, the ingress Service, a status that
 * disagrees with what we decided, a class change, a route-name clash, an address freed while
 * another Service waits for one) answers 'full' and the caller runs the full path. A property test
 * (service-fast-path.property.test.ts) checks the agreement on random change sequences.
 */
import { VipAllocator } from '@bgplb/floating-ip-allocator';
import type { EndpointCounts } from './desired/local-endpoints.js';
import {
  classifyService,
  createdAt,
  decideService,
  isCandidate,
  isOurs,
  requestedIp,
  type ServiceCandidate,
  type ServiceDecision,
} from './desired/service-decision.js';
import { plainIPv4 } from './desired/service-families.js';
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
    for (const ip of [ctx.controlPlaneVIP, ctx.ingressVIP]) {
      if (ip !== undefined && this.allocator.poolOf(ip) !== undefined)
        this.allocator.allocateSpecific(ip, RESERVED);
    }
    for (const [key, s] of full.services) {
      if (s.vip !== null && this.allocator.ownerOf(s.vip) === undefined)
        this.allocator.allocateSpecific(s.vip, key);
      if (s.secondVip !== undefined && this.allocator.ownerOf(s.secondVip) === undefined)
        this.allocator.allocateSpecific(s.secondVip, key);
      if (s.vip !== null || this.waiting.has(key))
        this.nameOwner.set(routeName(ctx.loadBalancerName, s.namespace, s.name), key);
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
    for (const c of candidates) {
      const outcome = this.vipOf(c);
      if (outcome === 'full') return 'full';
      const owner = this.nameOwner.get(c.route);
      if (owner !== undefined && owner !== c.key) return 'full'; // route-name clash rules
      const d = decideService(
        c,
        outcome.vip,
        outcome.error === undefined ? undefined : { error: outcome.error },
        {
          nextHops: this.ctx.nextHops,
          drain: this.ctx.drain,
          status: this.ctx.routeStatus,
          clusterNamespace: this.o.clusterNamespace,
          local: { nextHopByNode: this.ctx.nextHopByNode, weighted: this.ctx.weighted, endpointsOf },
          v6: this.ctx.v6,
        },
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

  /** The VIP of a candidate: the one it holds, the one in its status, or the lowest free one. */
  private vipOf(c: ServiceCandidate): { vip: string | null; error?: string } | 'full' {
    // IPv6 and dual-stack Services (families, two VIPs, two routes) are the full path's.
    if (!plainIPv4(c)) return 'full';
    const previous = this.desired.services.get(c.key);
    if (previous?.secondVip !== undefined) return 'full';
    const held = previous?.vip ?? null;
    // A status that is not what we decided (changed by someone else, or a Service deleted and
    // created again under the same name) is the full path's to judge.
    if (held !== null) return c.current === held ? { vip: held } : 'full';
    if (c.current !== undefined)
      return this.allocator.allocateSpecific(c.current, c.key).ok ? { vip: c.current } : 'full';
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
    if (previous.secondVip !== undefined) return false; // a dual-stack Service: the full path's
    if (previous.vip !== null) {
      if (this.allocator.ownerOf(previous.vip) === key) this.allocator.release(previous.vip);
      // The freed address may be a waiting Service's by the full path's rules.
      if (this.waiting.size > 0) return false;
    }
    const name = routeName(this.ctx.loadBalancerName, previous.namespace, previous.name);
    if (this.nameOwner.get(name) !== key) return true;
    this.nameOwner.delete(name);
    if (this.desired.routes.delete(name)) out.removedRoutes.push(name);
    // A Service refused for this name may take it now: the full path decides who.
    for (const loserName of this.ctx.routeNameLosers.values()) if (loserName === name) return false;
    return true;
  }
}
