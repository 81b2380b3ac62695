/**
 * The incremental Service path. When only Services changed since the last full reconcile, the
 * controller updates the previous desired state for just those Services instead of recomputing
 * 10k VIPs and routes: a single Service change then costs microseconds, not a full pass.
 *
 * It must give the same answer as desiredState() would. It does for the cases it accepts: a
 * Service keeps the VIP it has (sticky), a new Service without a request gets the lowest free
 * address (in age order when several arrive together, as the full path orders them), a deleted
 * or no-longer-LoadBalancer Service frees its VIP and changes nothing else. Everything else
 * (requested IPs, the ingress Service, a status that disagrees with what we decided, a class
 * change, a route-name clash) answers 'full' and the caller runs the full path. The periodic
 * resync runs the full path anyway, so any divergence would be corrected, not kept.
 */
import { VipAllocator } from '@bgplb/floating-ip-allocator';
import {
  currentVip,
  type Desired,
  type DesiredRoute,
  isOurs,
  MESSAGES,
  requestedIp,
  serviceRef,
} from './desired-state.js';
import { LABELS, MANAGED_BY, objectKey, routeName } from './names.js';
import type { EventSpec, ServiceObject } from './types.js';

const RESERVED = '<reserved>';

export interface FastPathOptions {
  clusterNamespace: string;
  loadBalancerClass: string;
  ingressService?: string | undefined;
}

/** State carried between reconciles: the last desired state and an allocator mirroring its VIPs. */
export class ServiceFastPath {
  private readonly allocator: VipAllocator;
  /** Route name -> Service key, to detect name clashes. */
  private readonly routeOwner = new Map<string, string>();

  private constructor(
    readonly desired: Desired,
    private readonly o: FastPathOptions,
  ) {
    const ctx = desired.serviceContext!;
    this.allocator = VipAllocator.fromConfig(ctx.pools).allocator;
    for (const ip of [ctx.controlPlaneVIP, ctx.ingressVIP]) {
      if (ip !== undefined && this.allocator.poolOf(ip) !== undefined)
        this.allocator.allocateSpecific(ip, RESERVED);
    }
    for (const [key, s] of desired.services) {
      if (s.vip !== null && this.allocator.ownerOf(s.vip) === undefined)
        this.allocator.allocateSpecific(s.vip, key);
    }
    for (const [name, r] of desired.routes)
      this.routeOwner.set(name, objectKey(r.spec.service.namespace, r.spec.service.name));
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
  apply(changed: ReadonlyMap<string, ServiceObject | undefined>):
    | {
        services: Desired['services'];
        routes: Map<string, DesiredRoute>;
        removedRoutes: string[];
        events: EventSpec[];
      }
    | 'full' {
    const d = this.desired;
    const ctx = d.serviceContext!;
    const services: Desired['services'] = new Map();
    const routes = new Map<string, DesiredRoute>();
    const removedRoutes: string[] = [];
    const events: EventSpec[] = [];
    const clashedNames = new Set(ctx.routeNameLosers.values());
    const release = (key: string): boolean => {
      const previous = d.services.get(key);
      if (previous?.vip != null && this.allocator.ownerOf(previous.vip) === key)
        this.allocator.release(previous.vip);
      d.services.delete(key);
      const name =
        previous === undefined
          ? undefined
          : routeName(ctx.loadBalancerName, previous.namespace, previous.name);
      if (name !== undefined && this.routeOwner.get(name) === key) {
        this.routeOwner.delete(name);
        d.routes.delete(name);
        removedRoutes.push(name);
        // A Service refused for this name may take it now: the full path decides who.
        if (clashedNames.has(name)) return false;
      }
      return true;
    };
    // Oldest first, as the full path allocates.
    const ordered = [...changed].sort(([ka, a], [kb, b]) => {
      const ta =
        a === undefined
          ? 0
          : Date.parse(String(a.metadata.creationTimestamp ?? '')) || Number.MAX_SAFE_INTEGER;
      const tb =
        b === undefined
          ? 0
          : Date.parse(String(b.metadata.creationTimestamp ?? '')) || Number.MAX_SAFE_INTEGER;
      return ta !== tb ? ta - tb : ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    for (const [key, s] of ordered) {
      const previous = d.services.get(key);
      if (ctx.routeNameLosers.has(key)) return 'full'; // route-name clash rules: full path
      if (s === undefined || s.metadata.deletionTimestamp !== undefined) {
        if (!release(key)) return 'full';
        continue;
      }
      if (!isOurs(s, this.o.loadBalancerClass)) {
        if (previous !== undefined) return 'full';
        continue;
      }
      const namespace = s.metadata.namespace ?? 'default';
      const current = currentVip(s);
      if (s.spec?.type !== 'LoadBalancer' || s.spec.externalTrafficPolicy === 'Local') {
        if (!release(key)) return 'full';
        if (s.spec?.type === 'LoadBalancer') {
          events.push({
            involved: serviceRef(s),
            type: 'Warning',
            reason: 'VIPRefused',
            message: MESSAGES.etpLocal,
          });
        }
        if (current !== undefined) {
          const entry = { namespace, name: s.metadata.name, vip: null };
          d.services.set(key, entry);
          services.set(key, entry);
          const message =
            s.spec?.type === 'LoadBalancer' ? MESSAGES.releasedEtp(current) : MESSAGES.releasedNotLb(current);
          events.push({ involved: serviceRef(s), type: 'Normal', reason: 'VIPReleased', message });
        } else if (s.spec?.type === 'LoadBalancer') {
          const entry = { namespace, name: s.metadata.name, vip: null };
          d.services.set(key, entry);
          services.set(key, entry);
        }
        continue;
      }
      if (requestedIp(s) !== undefined || key === this.o.ingressService) return 'full';
      let vip: string | null = previous?.vip ?? null;
      if (vip !== null) {
        if (current !== undefined && current !== vip) return 'full'; // someone else changed the status
      } else if (current !== undefined) {
        if (!this.allocator.allocateSpecific(current, key).ok) return 'full'; // conflict rules: full path
        vip = current;
      } else {
        const r = this.allocator.allocate(key);
        if (r.ok) vip = r.ip;
        else {
          const entry = { namespace, name: s.metadata.name, vip: null };
          d.services.set(key, entry);
          services.set(key, entry);
          events.push({
            involved: serviceRef(s),
            type: 'Warning',
            reason: 'VIPRefused',
            message: MESSAGES.refused(r.error),
          });
          continue;
        }
      }
      const entry = { namespace, name: s.metadata.name, vip };
      d.services.set(key, entry);
      services.set(key, entry);
      if (current !== vip)
        events.push({
          involved: serviceRef(s),
          type: 'Normal',
          reason: 'VIPAllocated',
          message: MESSAGES.allocated(vip),
        });
      const name = routeName(ctx.loadBalancerName, namespace, s.metadata.name);
      const owner = this.routeOwner.get(name);
      if (owner !== undefined && owner !== key) return 'full';
      const prefix = `${vip}/32`;
      let route = d.routes.get(name);
      if (route === undefined || route.spec.prefix !== prefix) {
        route = {
          name,
          labels: {
            [LABELS.managedBy]: MANAGED_BY,
            [LABELS.clusterNamespace]: this.o.clusterNamespace,
            [LABELS.serviceNamespace]: namespace,
            [LABELS.serviceName]: s.metadata.name,
          },
          spec: { prefix, metric: 0, nextHops: ctx.nextHops, service: { namespace, name: s.metadata.name } },
        };
        d.routes.set(name, route);
        this.routeOwner.set(name, key);
      }
      routes.set(name, route);
    }
    d.events = events;
    return { services, routes, removedRoutes, events };
  }
}
