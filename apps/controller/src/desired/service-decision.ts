/**
 * The decision for one Service: what its status says (VIP or none), which BGPAdvertisedRoute
 * announces it, and the Events that explain it. The full resync folds these functions over every
 * Service (service-fold.ts); the incremental path (service-fast-path.ts) calls the same functions
 * for the Services that changed. Only how the VIP is obtained differs: one allocation of all
 * Services at once, or the incremental allocator that mirrors it.
 *
 * All functions here are pure. `previous` arguments only let an equal earlier object be returned
 * again (identity for the diff), never change the answer.
 */
import { hostPrefix } from '@bgplb/api-types';
import { LABELS, MANAGED_BY, objectKey, REQUESTED_IP_ANNOTATION, routeName } from '../names.js';
import type {
  EventSpec,
  NextHopStatus,
  RouteDrainSpec,
  RouteSpec,
  RouteStatus,
  ServiceObject,
} from '../types.js';
import { type EndpointCounts, localRoute } from './local-endpoints.js';
import type { DesiredRoute, DesiredService, FamilyRouteContext } from './types.js';

/** Event messages (one text per situation, so the recorder deduplicates across both paths). */
export const MESSAGES = {
  etpLocal:
    'externalTrafficPolicy: Local is refused by the BGPLoadBalancer (externalTrafficPolicyLocal: refuse); no VIP is allocated. Use externalTrafficPolicy: Cluster, or allow Local',
  releasedEtp: (vip: string) =>
    `VIP ${vip} released: externalTrafficPolicy: Local is refused (externalTrafficPolicyLocal: refuse)`,
  noLocalEndpoints: (vip: string, outside: number) =>
    `VIP ${vip} is not announced: externalTrafficPolicy: Local and no ready endpoint runs on a ready load-balancer node` +
    (outside > 0 ? ` (${outside} ready endpoint(s) run on other nodes, which get no traffic)` : ''),
  endpointsOutsidePool: (endpoints: number, nodes: readonly string[]) =>
    `${endpoints} ready endpoint(s) on node(s) ${nodes.join(', ')} get no traffic through the VIP: ` +
    'with externalTrafficPolicy: Local only ready load-balancer nodes are next hops',
  releasedNotLb: (vip: string) => `VIP ${vip} released: the Service is no longer of type LoadBalancer`,
  allocated: (vip: string) => `VIP ${vip} allocated`,
  refused: (why: string) => `no VIP allocated: ${why}`,
  lostCurrent: (vip: string, current: string, why: string) =>
    `VIP ${vip} allocated; the previous VIP ${current} could not be kept: ${why}`,
  routeNameClash: (route: string, winner: string, older: boolean) =>
    `no VIP allocated and nothing announced: the BGPAdvertisedRoute name ${route} ` +
    '(<bgploadbalancer>-<service namespace>-<service name>) is also the name for Service ' +
    `${winner}, which ${older ? 'is older' : 'has the same age and sorts first by namespace/name'} ` +
    'and keeps it. Rename or move one of the two Services',
  releasedRouteNameClash: (vip: string, route: string, winner: string) =>
    `VIP ${vip} released: the BGPAdvertisedRoute name ${route} is now Service ${winner}'s`,
};

/** Which Services bgplb serves: our class or none (another class is another implementation's). */
export function isOurs(s: ServiceObject, loadBalancerClass: string): boolean {
  const cls = s.spec?.loadBalancerClass;
  return cls === undefined || cls === '' || cls === loadBalancerClass;
}

/** The VIP bgplb wrote to a Service's status (the first ingress IP), if any. */
export function currentVip(service: ServiceObject): string | undefined {
  const ingress = service.status?.loadBalancer?.ingress;
  if (ingress === undefined) return undefined;
  for (const i of ingress) if (typeof i.ip === 'string') return i.ip === '' ? undefined : i.ip;
  return undefined;
}

/** The address a Service asks for (the annotation first, then `spec.loadBalancerIP`). */
export function requestedIp(service: ServiceObject): string | undefined {
  const annotated = service.metadata.annotations?.[REQUESTED_IP_ANNOTATION];
  if (annotated !== undefined && annotated.trim() !== '') return annotated.trim();
  const ip = service.spec?.loadBalancerIP;
  return ip !== undefined && ip !== '' ? ip : undefined;
}

/** Creation time in ms for ordering; a Service without one sorts last. */
export function createdAt(s: ServiceObject): number {
  const t = s.metadata.creationTimestamp as string | Date | undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t ?? ''));
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

export function serviceRef(s: ServiceObject): EventSpec['involved'] {
  const ref: EventSpec['involved'] = {
    apiVersion: 'v1',
    kind: 'Service',
    namespace: s.metadata.namespace ?? 'default',
    name: s.metadata.name,
  };
  if (s.metadata.uid !== undefined) ref.uid = s.metadata.uid;
  return ref;
}

function event(s: ServiceObject, type: EventSpec['type'], reason: string, message: string): EventSpec {
  return { involved: serviceRef(s), type, reason, message };
}

/** A LoadBalancer Service bgplb may give a VIP (before route-name clashes are settled). */
export interface ServiceCandidate {
  s: ServiceObject;
  key: string;
  namespace: string;
  current: string | undefined;
  /** Its BGPAdvertisedRoute's name (of this VIP's family: see service-families.ts). */
  route: string;
  /** The address it asks for (of this VIP's family, once the fold has split a dual-stack request). */
  requested: string | undefined;
  /** externalTrafficPolicy: Local (allowed): next hops where its endpoints are. */
  local: boolean;
}

/** One Service's decision: its status entry (if bgplb manages it), its route, and Events. */
export interface ServiceDecision {
  service: DesiredService | undefined;
  route: DesiredRoute | undefined;
  events: readonly EventSpec[];
}

/** Most decisions explain nothing: one shared empty list instead of 10k per full reconcile. */
const NO_EVENTS: readonly EventSpec[] = Object.freeze([]);

/**
 * Phase 1, per Service: undefined when bgplb has nothing to say about it (another class, being
 * deleted, not a LoadBalancer and no VIP of ours); a decision without a VIP when it must get none
 * (no longer a LoadBalancer, externalTrafficPolicy Local); otherwise a candidate for a VIP.
 */
export function classifyService(
  s: ServiceObject,
  loadBalancerClass: string,
  lbName: string,
  refuseLocal: boolean,
): ServiceDecision | ServiceCandidate | undefined {
  if (!isOurs(s, loadBalancerClass) || s.metadata.deletionTimestamp !== undefined) return undefined;
  const namespace = s.metadata.namespace ?? 'default';
  const current = currentVip(s);
  if (s.spec?.type !== 'LoadBalancer') {
    // No longer a LoadBalancer: clear a VIP we may have written.
    if (current === undefined) return undefined;
    return {
      service: { namespace, name: s.metadata.name, vip: null },
      route: undefined,
      events: [event(s, 'Normal', 'VIPReleased', MESSAGES.releasedNotLb(current))],
    };
  }
  const local = s.spec.externalTrafficPolicy === 'Local';
  if (local && refuseLocal) {
    const events = [event(s, 'Warning', 'VIPRefused', MESSAGES.etpLocal)];
    if (current !== undefined) events.push(event(s, 'Normal', 'VIPReleased', MESSAGES.releasedEtp(current)));
    return { service: { namespace, name: s.metadata.name, vip: null }, route: undefined, events };
  }
  return {
    s,
    key: objectKey(namespace, s.metadata.name),
    namespace,
    current,
    route: routeName(lbName, namespace, s.metadata.name),
    requested: requestedIp(s),
    local,
  };
}

/** Last classifyService answer by Service object (informer objects are replaced, never changed). */
const classified = new WeakMap<
  ServiceObject,
  {
    loadBalancerClass: string;
    lbName: string;
    refuseLocal: boolean;
    answer: ServiceDecision | ServiceCandidate | undefined;
  }
>();

/**
 * classifyService, answered again for the same Service object and arguments: a full reconcile
 * otherwise builds a candidate and its key and route-name strings for each of 10k Services, equal
 * to the last pass's (and new strings are hashed again by every Map they key). Shared: never
 * change the answer.
 */
export function classifyServiceCached(
  s: ServiceObject,
  loadBalancerClass: string,
  lbName: string,
  refuseLocal: boolean,
): ServiceDecision | ServiceCandidate | undefined {
  const hit = classified.get(s);
  if (
    hit !== undefined &&
    hit.loadBalancerClass === loadBalancerClass &&
    hit.lbName === lbName &&
    hit.refuseLocal === refuseLocal
  )
    return hit.answer;
  const answer = classifyService(s, loadBalancerClass, lbName, refuseLocal);
  classified.set(s, { loadBalancerClass, lbName, refuseLocal, answer });
  return answer;
}

export function isCandidate(c: ServiceDecision | ServiceCandidate | undefined): c is ServiceCandidate {
  return c !== undefined && 'key' in c;
}

/** A candidate whose route name an older Service keeps: no VIP, nothing announced. */
export function decideClashLoser(
  c: ServiceCandidate,
  clash: { route: string; winner: string; older: boolean },
): ServiceDecision {
  const events = [
    event(c.s, 'Warning', 'VIPRefused', MESSAGES.routeNameClash(clash.route, clash.winner, clash.older)),
  ];
  if (c.current !== undefined)
    events.push(
      event(
        c.s,
        'Normal',
        'VIPReleased',
        MESSAGES.releasedRouteNameClash(c.current, clash.route, clash.winner),
      ),
    );
  return {
    service: { namespace: c.namespace, name: c.s.metadata.name, vip: null },
    route: undefined,
    events,
  };
}

/** Why the allocation answered as it did for one candidate, when there is something to say. */
export interface VipProblem {
  /** Why there is no VIP (when there is none). */
  error?: string | undefined;
  /** Why the address in its status went to another Service (a status conflict), if it did. */
  conflict?: string | undefined;
}

/** Last time's decisions (the memo, or the incremental path's state): equal ones are reused. */
export interface PreviousDecisions {
  readonly services: ReadonlyMap<string, DesiredService>;
  readonly routes: ReadonlyMap<string, DesiredRoute>;
}

/** Where the routes of externalTrafficPolicy: Local Services are announced from. */
export interface LocalContext {
  /** Ready, not excluded load-balancer nodes: node name -> next-hop address. */
  nextHopByNode: ReadonlyMap<string, string>;
  /** `weightedECMP: endpoints`. */
  weighted: boolean;
  /** A Service's ready endpoints per node, by `namespace/name`. */
  endpointsOf: (serviceKey: string) => EndpointCounts | undefined;
}

/** Where a route is announced from, and the label that says which cluster it belongs to. */
export interface RouteContext {
  /** IPv4 next hops (the ready load-balancer nodes' IPv4 addresses). */
  nextHops: string[];
  /** The draining next hops (one object for every route: compared by identity), if any. */
  drain?: RouteDrainSpec | undefined;
  /** The status of a route that is not Local: every next hop's state (one object, by identity). */
  status?: RouteStatus | undefined;
  clusterNamespace: string;
  local: LocalContext;
  /** IPv6 VIPs: the nodes' IPv6 InternalIPs (next hops, Local endpoints' nodes, drain). */
  v6: FamilyRouteContext;
}

/** No IPv6 next hop at all (contexts built before any IPv6 VIP existed). */
export const NO_V6: FamilyRouteContext = Object.freeze({ nextHops: [], nextHopByNode: new Map() });

/** IPv6 text always holds a `:`, IPv4 never. */
function isV6(vip: string): boolean {
  return vip.includes(':');
}

/** The host prefix of a VIP: `/32` for IPv4, `/128` for IPv6 (api-types', shared with the advertiser). */
export { hostPrefix };

/** `prefix === hostPrefix(vip)`, without building the string (10k times per full reconcile). */
function isHostPrefix(prefix: string, vip: string): boolean {
  const suffix = isV6(vip) ? '/128' : '/32';
  return prefix.length === vip.length + suffix.length && prefix.endsWith(suffix) && prefix.startsWith(vip);
}

/**
 * Phase 3, per candidate: its status, route and Events once the allocation has answered `vip`.
 * Equal objects in `previous` are returned again. (Arguments rather than an outcome object: this
 * runs 10k times per full reconcile, and every object allocated here is garbage a moment later.)
 */
export function decideService(
  c: ServiceCandidate,
  vip: string | null,
  problem: VipProblem | undefined,
  ctx: RouteContext,
  previous: PreviousDecisions,
  /** Dual-stack: the Service's VIP of the other family (decided by a second call), for its status. */
  secondVip?: string | undefined,
): ServiceDecision {
  const { s, namespace } = c;
  const name = s.metadata.name;
  const p = previous.services.get(c.key);
  const service: DesiredService =
    p !== undefined &&
    p.vip === vip &&
    p.secondVip === secondVip &&
    p.namespace === namespace &&
    p.name === name
      ? p
      : secondVip === undefined
        ? { namespace, name, vip }
        : { namespace, name, vip, secondVip };
  if (vip === null)
    return {
      service,
      route: undefined,
      events: [event(s, 'Warning', 'VIPRefused', MESSAGES.refused(problem?.error ?? 'no address pool'))],
    };
  return decideRoute(c, vip, problem, ctx, previous, service);
}

/**
 * A dual-stack Service's second VIP: its route and Events only (decideService's status entry,
 * which the first VIP's call holds, is not built: 10k times per full reconcile).
 */
export function decideSecondVip(
  c: ServiceCandidate,
  vip: string,
  problem: VipProblem | undefined,
  ctx: RouteContext,
  previous: PreviousDecisions,
): ServiceDecision {
  return decideRoute(c, vip, problem, ctx, previous, undefined);
}

/** decideService once the allocation gave `vip`: its Events and route, with `service` as decided. */
function decideRoute(
  c: ServiceCandidate,
  vip: string,
  problem: VipProblem | undefined,
  ctx: RouteContext,
  previous: PreviousDecisions,
  service: DesiredService | undefined,
): ServiceDecision {
  const { s, namespace, current } = c;
  const name = s.metadata.name;
  let events = NO_EVENTS;
  if (current !== vip) {
    const requested = c.requested;
    // A Service that asked for another address moved on purpose; otherwise say why it moved.
    const lost =
      current === undefined || (requested !== undefined && requested !== current)
        ? undefined
        : (problem?.conflict ?? 'it is not inside an address pool or is reserved');
    events = [
      lost === undefined
        ? event(s, 'Normal', 'VIPAllocated', MESSAGES.allocated(vip))
        : event(s, 'Warning', 'VIPAllocated', MESSAGES.lostCurrent(vip, current!, lost)),
    ];
  }
  const r = previous.routes.get(c.route);
  if (c.local) return decideLocalRoute(c, vip, service, events, ctx, r);
  const family = isV6(vip) ? ctx.v6 : ctx;
  const route =
    r !== undefined &&
    r.name === c.route &&
    isHostPrefix(r.spec.prefix, vip) &&
    r.spec.nextHops === family.nextHops &&
    r.spec.weights === undefined &&
    r.spec.drain === family.drain &&
    r.status === family.status &&
    r.spec.service.namespace === namespace &&
    r.spec.service.name === name &&
    r.labels[LABELS.clusterNamespace] === ctx.clusterNamespace
      ? r
      : newRoute(c, vip, family.nextHops, undefined, family.status, ctx, family.drain);
  return { service, route, events };
}

function newRoute(
  c: ServiceCandidate,
  vip: string,
  nextHops: string[],
  weights: Record<string, number> | undefined,
  status: RouteStatus | undefined,
  ctx: RouteContext,
  drain?: RouteDrainSpec,
): DesiredRoute {
  const { namespace } = c;
  const name = c.s.metadata.name;
  const spec: RouteSpec = { prefix: hostPrefix(vip), metric: 0, nextHops, service: { namespace, name } };
  if (weights !== undefined) spec.weights = weights;
  if (drain !== undefined) spec.drain = drain;
  const route: DesiredRoute = {
    name: c.route,
    labels: {
      [LABELS.managedBy]: MANAGED_BY,
      [LABELS.clusterNamespace]: ctx.clusterNamespace,
      [LABELS.serviceNamespace]: namespace,
      [LABELS.serviceName]: name,
    },
    spec,
  };
  if (status !== undefined) route.status = status;
  return route;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameWeights(a: Record<string, number> | undefined, b: Record<string, number> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * An externalTrafficPolicy: Local Service: next hops only where its ready endpoints are (weighted
 * by their number); no route at all, with a Warning, when there is none; a Warning and route
 * status when endpoints run on nodes that are not next hops. The VIP stays allocated either way.
 */
function decideLocalRoute(
  c: ServiceCandidate,
  vip: string,
  service: DesiredService | undefined,
  vipEvents: readonly EventSpec[],
  ctx: RouteContext,
  r: DesiredRoute | undefined,
): ServiceDecision {
  const local = localRoute({
    endpoints: ctx.local.endpointsOf(c.key),
    nextHopByNode: isV6(vip) ? ctx.v6.nextHopByNode : ctx.local.nextHopByNode,
    weighted: ctx.local.weighted,
  });
  const events = [...vipEvents];
  if (local.outside !== undefined)
    events.push(
      event(
        c.s,
        'Warning',
        'EndpointsOutsidePool',
        MESSAGES.endpointsOutsidePool(local.outside.endpoints, local.outside.nodes),
      ),
    );
  if (local.nextHops.length === 0) {
    events.push(
      event(
        c.s,
        'Warning',
        'NoLocalEndpoints',
        MESSAGES.noLocalEndpoints(vip, local.outside?.endpoints ?? 0),
      ),
    );
    return { service, route: undefined, events };
  }
  const hops = localHopStates((isV6(vip) ? ctx.v6.status : ctx.status)?.nextHops, local.nextHops);
  const status: RouteStatus | undefined =
    hops === undefined && local.outside === undefined
      ? undefined
      : {
          ...(hops === undefined ? {} : { nextHops: hops }),
          ...(local.outside === undefined ? {} : { endpointsOutsidePool: local.outside }),
        };
  const same =
    r !== undefined &&
    r.name === c.route &&
    isHostPrefix(r.spec.prefix, vip) &&
    sameList(r.spec.nextHops, local.nextHops) &&
    sameWeights(r.spec.weights, local.weights) &&
    JSON.stringify(r.status) === JSON.stringify(status) &&
    r.spec.service.namespace === c.namespace &&
    r.spec.service.name === c.s.metadata.name &&
    r.labels[LABELS.clusterNamespace] === ctx.clusterNamespace;
  const route = same ? r : newRoute(c, vip, local.nextHops, local.weights, status, ctx);
  return { service, route, events };
}

/**
 * A Local route's next-hop states: the cluster's, with each node that is announced for other
 * routes but has no ready endpoint of this Service withdrawn (a draining node too: Local routes
 * drop it at once).
 */
function localHopStates(
  states: readonly NextHopStatus[] | undefined,
  nextHops: readonly string[],
): NextHopStatus[] | undefined {
  if (states === undefined) return undefined;
  const announced = new Set(nextHops);
  return states.map((h): NextHopStatus => {
    if (announced.has(h.nextHop) || h.state === 'withdrawn') return h;
    const node = h.node ?? h.nextHop;
    return {
      nextHop: h.nextHop,
      ...(h.node === undefined ? {} : { node: h.node }),
      state: 'withdrawn',
      reason:
        h.state === 'draining'
          ? `${h.reason.split(':')[0]}: externalTrafficPolicy: Local routes drop a draining node at once`
          : `no ready endpoint of the Service on node ${node} (externalTrafficPolicy: Local)`,
    };
  });
}
