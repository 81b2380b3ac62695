/**
 * desiredState(observed) -> desired: the whole decision of the controller as one pure function.
 *
 * Input is what the informers see (configuration objects, Nodes, Services) plus the clock; output
 * is what should exist (Service VIPs, the NetworkGatewayGroup status, one BGPSession per peer and
 * floating IP, one BGPAdvertisedRoute per VIP) and the Events that explain the changes. The apply
 * layer turns the difference into writes. Nothing here does I/O, so every rule is unit-tested.
 */
import { API_VERSION, DEFAULT_OBJECT_NAME } from '@bgplb/api-types';
import {
  allocateServiceVIPs,
  assignFloatingIPs,
  compareAddressText,
  type FloatingIPMove,
  type PoolUsage,
  rendezvousTopK,
  type ServiceVIPRequest,
} from '@bgplb/floating-ip-allocator';
import { type ConfigObjects, type EffectiveConfig, effectiveConfig, type RefusedObject } from './config.js';
import {
  DEFAULT_LOAD_BALANCER_NAME,
  EXCLUDE_FROM_LB_LABEL,
  LABELS,
  MANAGED_BY,
  objectKey,
  REQUESTED_IP_ANNOTATION,
  routeName,
  sessionName,
} from './names.js';
import { type NodeView, nodeView } from './nodes.js';
import type { EventSpec, NodeObject, RouteSpec, ServiceObject, SessionSpec } from './types.js';

export interface DesiredStateOptions {
  /** Namespace of the Cluster, NetworkGatewayGroup, BGPLoadBalancer and BGPPeers. */
  clusterNamespace: string;
  /** How long a node may be not ready before its floating IPs move. */
  graceSeconds: number;
  /** Prefix length of InternalIPs without the node-subnets annotation (default 24). */
  nodePrefixLength: number;
  /**
   * `spec.loadBalancerClass` served by bgplb. Services without a class are served too; Services
   * naming any other class belong to another implementation and are left alone.
   */
  loadBalancerClass: string;
  /** `namespace/name` of the Service that gets `vips.ingressVIP`. */
  ingressService?: string | undefined;
}

/**
 * Identity cache between reconciles: unchanged routes keep the same DesiredRoute object, so the
 * diff can recognise them with one lookup. It never changes what desiredState returns, only
 * which (equal) objects it returns.
 */
export interface DesiredMemo {
  routes: Map<string, DesiredRoute>;
  /** The last Service decisions (unchanged ones are returned again, as routes are). */
  services?: Map<string, DesiredService> | undefined;
  nextHops: string[] | undefined;
  /** The last VIP allocation and its inputs (reused when they are identical). */
  vips?: { input: VipInput; result: ReturnType<typeof allocateServiceVIPs> } | undefined;
}

type VipInput = Parameters<typeof allocateServiceVIPs>[0];

export function newMemo(): DesiredMemo {
  return { routes: new Map(), nextHops: undefined };
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
  previous: VipInput,
  next: Omit<VipInput, 'services'>,
  ours: readonly { s: ServiceObject; key: string; current: string | undefined }[],
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

export interface Observed {
  /** Optional identity cache (see DesiredMemo); updated in place. */
  memo?: DesiredMemo | undefined;
  config: ConfigObjects;
  /** The last configuration that validated (carried from the previous reconcile). */
  lastGood?: ConfigObjects | undefined;
  nodes: readonly NodeObject[];
  services: readonly ServiceObject[];
  /** Current time, ms since the epoch. */
  now: number;
  options: DesiredStateOptions;
  /**
   * Node name -> when a reconcile first saw it carry `node.kubernetes.io/exclude-from-external-load-balancers`
   * (ms): `Desired.excludedSince` of the previous reconcile. The label carries no timestamp, so an
   * excluded holder's grace period runs from the first reconcile that saw the label. A restarted
   * controller starts it again, which can only delay a move, never hasten one.
   */
  excludedSince?: ReadonlyMap<string, number> | undefined;
}

/** What one Service's `status.loadBalancer.ingress` should say. */
export interface DesiredService {
  namespace: string;
  name: string;
  /** The VIP, or null for "no VIP" (status cleared). */
  vip: string | null;
}

export interface DesiredSession {
  name: string;
  labels: Record<string, string>;
  spec: SessionSpec;
}

export interface DesiredRoute {
  name: string;
  labels: Record<string, string>;
  spec: RouteSpec;
}

export interface DesiredGateway {
  namespace: string;
  name: string;
  floatingIPs: Record<string, string>;
  nodes: Record<string, 'Up' | 'Down'>;
}

/** A peer that gets fewer sessions than it asked for, and why. */
export interface SessionShortfall {
  peer: string;
  wanted: number;
  got: number;
  reason: string;
}

export interface Desired {
  /** False when no valid configuration was ever seen: then nothing is written at all. */
  valid: boolean;
  config: EffectiveConfig;
  /** Status of NetworkGatewayGroup `default`, when it exists. */
  gateway: DesiredGateway | undefined;
  floatingIPMoves: FloatingIPMove[];
  unassignedFloatingIPs: Record<string, string>;
  /** Every Service whose load-balancer status bgplb manages, by `namespace/name`. */
  services: Map<string, DesiredService>;
  sessions: Map<string, DesiredSession>;
  routes: Map<string, DesiredRoute>;
  /** Events explaining this reconcile (deduplicated by the recorder). */
  events: EventSpec[];
  /** When to reconcile again even if nothing changes (a grace period ends), ms; null if never. */
  recheckAt: number | null;
  /** Nodes carrying the exclude label and since when (pass back as `Observed.excludedSince`). */
  excludedSince: Map<string, number>;
  poolUsage: PoolUsage[];
  shortfalls: SessionShortfall[];
  warnings: string[];
  /** What Service decisions depend on, for the incremental Service path (absent when not valid). */
  serviceContext?: ServiceContext;
}

/** The inputs of Service VIP and route decisions other than the Services themselves. */
export interface ServiceContext {
  loadBalancerName: string;
  nextHops: string[];
  pools: {
    name: string;
    addresses: string[];
    avoidBuggyIPs?: boolean | undefined;
    manualAssign?: boolean | undefined;
  }[];
  controlPlaneVIP: string;
  ingressVIP: string | undefined;
  /**
   * Services refused because another Service produces the same route name (Service key -> route
   * name). The incremental path leaves any change touching them, or freeing such a name, to the
   * full path.
   */
  routeNameLosers: Map<string, string>;
}

/** Event messages shared by the full and the incremental Service paths (so they deduplicate). */
export const MESSAGES = {
  etpLocal:
    'externalTrafficPolicy: Local is not supported by bgplb (next hops are load-balancer nodes, not the nodes running the endpoints); no VIP is allocated. Use externalTrafficPolicy: Cluster',
  releasedEtp: (vip: string) => `VIP ${vip} released: externalTrafficPolicy: Local is not supported`,
  releasedNotLb: (vip: string) => `VIP ${vip} released: the Service is no longer of type LoadBalancer`,
  allocated: (vip: string) => `VIP ${vip} allocated`,
  refused: (why: string) => `no VIP allocated: ${why}`,
  routeNameClash: (route: string, winner: string, older: boolean) =>
    `no VIP allocated and nothing announced: the BGPAdvertisedRoute name ${route} ` +
    '(<bgploadbalancer>-<service namespace>-<service name>) is also the name for Service ' +
    `${winner}, which ${older ? 'is older' : 'has the same age and sorts first by namespace/name'} ` +
    'and keeps it. Rename or move one of the two Services',
  releasedRouteNameClash: (vip: string, route: string, winner: string) =>
    `VIP ${vip} released: the BGPAdvertisedRoute name ${route} is now Service ${winner}'s`,
};

/** Creation time in ms for ordering; a Service without one sorts last. */
function createdAt(s: ServiceObject): number {
  const t = s.metadata.creationTimestamp as string | Date | undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t ?? ''));
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

/**
 * Route names are `<lb>-<namespace>-<name>`, so Services `a-b/c` and `a/b-c` both map to
 * `<lb>-a-b-c`. The name format is fixed by the spec; instead, per name the oldest Service wins
 * (then the smaller `namespace/name`), deterministically on every replica and every reconcile.
 * Returns loser key -> { route name, winner key, whether the winner is strictly older }.
 */
export function routeNameClashes(
  candidates: readonly { key: string; route: string; s: ServiceObject }[],
): Map<string, { route: string; winner: string; older: boolean }> {
  type Candidate = (typeof candidates)[number];
  // Clashes are rare: one map of first claimants, groups only for the names claimed twice.
  const losers = new Map<string, { route: string; winner: string; older: boolean }>();
  const first = new Map<string, Candidate>();
  let groups: Map<string, Candidate[]> | undefined;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const claimant = first.get(c.route);
    if (claimant === undefined) {
      first.set(c.route, c);
      continue;
    }
    groups ??= new Map();
    const group = groups.get(c.route);
    if (group === undefined) groups.set(c.route, [claimant, c]);
    else group.push(c);
  }
  if (groups === undefined) return losers;
  // In order of each name's first claimant.
  const ordered: [string, Candidate[]][] = [];
  for (const c of candidates) {
    const group = groups.get(c.route);
    if (group !== undefined && group[0] === c) ordered.push([c.route, group]);
  }
  for (const [route, group] of ordered) {
    const ranked = group
      .map((c) => ({ key: c.key, at: createdAt(c.s) }))
      .sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const winner = ranked[0]!;
    for (const l of ranked.slice(1))
      losers.set(l.key, { route, winner: winner.key, older: winner.at < l.at });
  }
  return losers;
}

interface Peer {
  /** Name part of the session names: the BGPPeer name or the control-plane peer IP. */
  id: string;
  peerIP: string;
  peerASN: number;
  localASN: number;
  sessions: number;
}

function emptyDesired(config: EffectiveConfig, excludedSince: Map<string, number>): Desired {
  return {
    excludedSince,
    valid: false,
    config,
    gateway: undefined,
    floatingIPMoves: [],
    unassignedFloatingIPs: {},
    services: new Map(),
    sessions: new Map(),
    routes: new Map(),
    events: [],
    recheckAt: null,
    poolUsage: [],
    shortfalls: [],
    warnings: [],
  };
}

/** `prefix === \`${vip}/32\``, without building the string (10k times per full reconcile). */
function isHostPrefix(prefix: string, vip: string): boolean {
  return prefix.length === vip.length + 3 && prefix.endsWith('/32') && prefix.startsWith(vip);
}

function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: Record<string, string>,
): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Drops label values Kubernetes would refuse (over 63 characters, e.g. a long node or BGPPeer
 * name): the object's name and spec still carry the information.
 */
export function validLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v.length <= 63 && LABEL_VALUE.test(v)) out[k] = v;
  return out;
}

/** The VIP bgplb wrote to a Service's status (the first ingress IP), if any. */
export function currentVip(service: ServiceObject): string | undefined {
  const ingress = service.status?.loadBalancer?.ingress;
  if (ingress === undefined) return undefined;
  for (const i of ingress) if (typeof i.ip === 'string') return i.ip === '' ? undefined : i.ip;
  return undefined;
}

export function requestedIp(service: ServiceObject): string | undefined {
  const annotated = service.metadata.annotations?.[REQUESTED_IP_ANNOTATION];
  if (annotated !== undefined && annotated.trim() !== '') return annotated.trim();
  const ip = service.spec?.loadBalancerIP;
  return ip !== undefined && ip !== '' ? ip : undefined;
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

function configRef(object: unknown, clusterNamespace: string): EventSpec['involved'] | undefined {
  const o = object as
    | { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string } }
    | undefined;
  if (o?.kind === undefined || o.metadata?.name === undefined) return undefined;
  const ref: EventSpec['involved'] = {
    apiVersion: o.apiVersion ?? API_VERSION,
    kind: o.kind,
    namespace: o.metadata.namespace ?? clusterNamespace,
    name: o.metadata.name,
  };
  if (o.metadata.uid !== undefined) ref.uid = o.metadata.uid;
  return ref;
}

function refusalEvents(
  refused: readonly RefusedObject[],
  clusterNamespace: string,
  keptPrevious: boolean,
): EventSpec[] {
  const events: EventSpec[] = [];
  for (const r of refused) {
    const involved = configRef(r.object, clusterNamespace);
    if (involved === undefined) continue;
    const detail = r.problems.map((p) => p.message).join('; ');
    events.push({
      involved,
      type: 'Warning',
      reason: 'InvalidConfiguration',
      message: `${r.ref} refused: ${detail}. ${
        keptPrevious ? 'The last valid configuration stays in force' : 'It is ignored until fixed'
      }`,
    });
  }
  return events;
}

/** Which Services bgplb serves: type LoadBalancer, and our class or none. */
export function isOurs(s: ServiceObject, loadBalancerClass: string): boolean {
  const cls = s.spec?.loadBalancerClass;
  return cls === undefined || cls === '' || cls === loadBalancerClass;
}

/** Every live node carrying the exclude label, with the time it was first seen carrying it. */
function excludedSinceOf(observed: Observed): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of observed.nodes) {
    if (n.metadata.labels?.[EXCLUDE_FROM_LB_LABEL] === undefined) continue;
    out.set(n.metadata.name, observed.excludedSince?.get(n.metadata.name) ?? observed.now);
  }
  return out;
}

/**
 * Whether a node may hold floating IPs, and since when it may not (issue 8: ready means the Ready
 * condition is True and no exclude label). Not ready for both reasons: since the earlier of the
 * two, as it has been unusable since then without a break.
 */
function holdingReadiness(
  v: NodeView,
  excludedAt: number | undefined,
): { ready: boolean; readySince: number | undefined; notReadySince: number | undefined } {
  if (!v.excluded) {
    return {
      ready: v.ready,
      readySince: v.ready ? v.since : undefined,
      notReadySince: v.ready ? undefined : v.since,
    };
  }
  const since = [excludedAt, v.ready ? undefined : v.since].filter((t): t is number => t !== undefined);
  return {
    ready: false,
    readySince: undefined,
    notReadySince: since.length > 0 ? Math.min(...since) : undefined,
  };
}

/** A LoadBalancer Service bgplb may give a VIP (before route-name clashes are settled). */
interface Candidate {
  s: ServiceObject;
  key: string;
  namespace: string;
  current: string | undefined;
  route: string;
}

/*
 * The per-Service loops of desiredState live in their own small functions: desiredState runs
 * once per reconcile, so V8 kept re-optimizing the whole of it on stack (OSR) for these loops;
 * small functions with stable argument shapes are optimized once.
 */

/**
 * Sorts out the Services that get no VIP (not a LoadBalancer any more, externalTrafficPolicy
 * Local): their decisions and events go to `services` and `events`. Returns the others.
 */
function serviceCandidates(
  observedServices: readonly ServiceObject[],
  loadBalancerClass: string,
  lbName: string,
  services: Map<string, DesiredService>,
  events: EventSpec[],
): Candidate[] {
  const candidates: Candidate[] = [];
  // Indexed loops over the 10k Services: for-of allocates an iterator result per element here.
  for (let i = 0; i < observedServices.length; i++) {
    const s = observedServices[i]!;
    if (!isOurs(s, loadBalancerClass)) continue; // another implementation's Service
    const namespace = s.metadata.namespace ?? 'default';
    const key = objectKey(namespace, s.metadata.name);
    const current = currentVip(s);
    const isLb = s.spec?.type === 'LoadBalancer' && s.metadata.deletionTimestamp === undefined;
    if (!isLb) {
      // No longer a LoadBalancer: clear a VIP we may have written.
      if (current !== undefined && s.metadata.deletionTimestamp === undefined) {
        services.set(key, { namespace, name: s.metadata.name, vip: null });
        events.push({
          involved: serviceRef(s),
          type: 'Normal',
          reason: 'VIPReleased',
          message: MESSAGES.releasedNotLb(current),
        });
      }
      continue;
    }
    if (s.spec?.externalTrafficPolicy === 'Local') {
      services.set(key, { namespace, name: s.metadata.name, vip: null });
      events.push({
        involved: serviceRef(s),
        type: 'Warning',
        reason: 'VIPRefused',
        message: MESSAGES.etpLocal,
      });
      if (current !== undefined) {
        events.push({
          involved: serviceRef(s),
          type: 'Normal',
          reason: 'VIPReleased',
          message: MESSAGES.releasedEtp(current),
        });
      }
      continue;
    }
    candidates.push({ s, key, namespace, current, route: routeName(lbName, namespace, s.metadata.name) });
  }
  return candidates;
}

/** Candidates that keep their route name; losers get no VIP (recorded in `services`, `events`). */
function withoutClashLosers(
  candidates: readonly Candidate[],
  clashes: ReturnType<typeof routeNameClashes>,
  routeNameLosers: Map<string, string>,
  services: Map<string, DesiredService>,
  events: EventSpec[],
): Candidate[] {
  const ours: Candidate[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const clash = clashes.get(c.key);
    if (clash === undefined) {
      ours.push(c);
      continue;
    }
    routeNameLosers.set(c.key, clash.route);
    services.set(c.key, { namespace: c.namespace, name: c.s.metadata.name, vip: null });
    events.push({
      involved: serviceRef(c.s),
      type: 'Warning',
      reason: 'VIPRefused',
      message: MESSAGES.routeNameClash(clash.route, clash.winner, clash.older),
    });
    if (c.current !== undefined)
      events.push({
        involved: serviceRef(c.s),
        type: 'Normal',
        reason: 'VIPReleased',
        message: MESSAGES.releasedRouteNameClash(c.current, clash.route, clash.winner),
      });
  }
  return ours;
}

/** Each Service's VIP decision, events, and its route (unchanged ones reused from the memo). */
function decideServices(
  ours: readonly Candidate[],
  allocation: ReturnType<typeof allocateServiceVIPs>,
  lostCurrent: ReadonlyMap<string, string>,
  nextHops: string[],
  clusterNamespace: string,
  memo: DesiredMemo | undefined,
  services: Map<string, DesiredService>,
  events: EventSpec[],
): Map<string, DesiredRoute> {
  const routes = new Map<string, DesiredRoute>();
  for (let i = 0; i < ours.length; i++) {
    const { s, key, namespace, current, route: name } = ours[i]!;
    const vip = allocation.allocations[key] ?? null;
    const decided = memo?.services?.get(key);
    services.set(
      key,
      decided !== undefined &&
        decided.vip === vip &&
        decided.namespace === namespace &&
        decided.name === s.metadata.name
        ? decided
        : { namespace, name: s.metadata.name, vip },
    );
    if (vip === null) {
      events.push({
        involved: serviceRef(s),
        type: 'Warning',
        reason: 'VIPRefused',
        message: MESSAGES.refused(allocation.errors[key] ?? 'no address pool'),
      });
      continue;
    }
    if (current !== vip) {
      const requested = requestedIp(s);
      const lost =
        current === undefined || (requested !== undefined && requested !== current)
          ? undefined
          : (lostCurrent.get(key) ?? 'it is not inside an address pool or is reserved');
      events.push({
        involved: serviceRef(s),
        type: lost === undefined ? 'Normal' : 'Warning',
        reason: 'VIPAllocated',
        message:
          lost === undefined
            ? MESSAGES.allocated(vip)
            : `VIP ${vip} allocated; the previous VIP ${current} could not be kept: ${lost}`,
      });
    }
    const previous = memo?.routes.get(name);
    if (
      previous !== undefined &&
      isHostPrefix(previous.spec.prefix, vip) &&
      previous.spec.nextHops === nextHops &&
      previous.spec.service.namespace === namespace &&
      previous.spec.service.name === s.metadata.name &&
      previous.labels[LABELS.clusterNamespace] === clusterNamespace
    ) {
      routes.set(name, previous);
      continue;
    }
    routes.set(name, {
      name,
      labels: {
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.clusterNamespace]: clusterNamespace,
        [LABELS.serviceNamespace]: namespace,
        [LABELS.serviceName]: s.metadata.name,
      },
      spec: { prefix: `${vip}/32`, metric: 0, nextHops, service: { namespace, name: s.metadata.name } },
    });
  }
  return routes;
}

/** Computes the desired state. Pure: depends only on `observed`. */
export function desiredState(observed: Observed): Desired {
  const { options, now } = observed;
  const config = effectiveConfig(observed.config, observed.lastGood);
  const parsed = config.parsed;
  const events = refusalEvents(config.refused, options.clusterNamespace, parsed !== undefined);
  const excludedSince = excludedSinceOf(observed);
  if (parsed?.cluster === undefined) {
    const d = emptyDesired(config, excludedSince);
    d.events = events;
    return d;
  }
  const cluster = parsed.cluster;
  const lb = cluster.spec.loadBalancer;
  const warnings: string[] = config.warnings.map((p) => p.message);

  // Nodes and load-balancer membership (by InternalIP).
  const views = observed.nodes
    .filter((n) => n.metadata.deletionTimestamp === undefined)
    .map((n) => nodeView(n, options.nodePrefixLength));
  const lbAddresses = (lb.nodePoolSpec?.nodes ?? cluster.spec.controlPlane.nodePoolSpec.nodes).map(
    (n) => n.address,
  );
  const byAddress = new Map<string, NodeView>();
  for (const v of views) for (const ip of v.internalIPs) byAddress.set(ip, v);
  const lbNodes = new Map<string, { view: NodeView; address: string }>();
  for (const address of lbAddresses) {
    const view = byAddress.get(address);
    if (view === undefined) {
      warnings.push(`load-balancer node address ${address} matches no Node InternalIP; it is not a next hop`);
      continue;
    }
    if (!lbNodes.has(view.name)) lbNodes.set(view.name, { view, address });
  }
  let nextHops = [...lbNodes.values()]
    .filter((n) => n.view.ready && !n.view.excluded)
    .map((n) => n.address)
    .sort(compareAddressText);
  const memo = observed.memo;
  if (memo?.nextHops !== undefined && memo.nextHops.join(',') === nextHops.join(','))
    nextHops = memo.nextHops;

  // Floating IPs -> nodes (sticky: the previous answer is read back from the live status).
  const ngg = parsed.networkGatewayGroup;
  const liveNgg = observed.config.networkGatewayGroup as
    | { metadata?: { name?: string }; status?: { floatingIPs?: Record<string, string> } }
    | undefined;
  let gateway: DesiredGateway | undefined;
  let floatingIPMoves: FloatingIPMove[] = [];
  let unassignedFloatingIPs: Record<string, string> = {};
  let recheckAt: number | null = null;
  const holders = new Map<string, string>(); // floating IP -> node
  if (ngg !== undefined) {
    const result = assignFloatingIPs({
      floatingIPs: ngg.spec.floatingIPs,
      nodes: views.map((v) => ({
        name: v.name,
        addresses: v.cidrs,
        ...holdingReadiness(v, excludedSince.get(v.name)),
        loadBalancer: lbNodes.has(v.name),
      })),
      previous: liveNgg?.status?.floatingIPs ?? {},
      now,
      graceSeconds: options.graceSeconds,
    });
    floatingIPMoves = result.moves;
    unassignedFloatingIPs = result.unassigned;
    recheckAt = result.recheckAt;
    warnings.push(...result.warnings);
    const floatingIPs: Record<string, string> = {};
    for (const [ip, node] of Object.entries(result.assignments)) {
      if (node === null) continue;
      floatingIPs[ip] = node;
      holders.set(ip, node);
    }
    const nodes: Record<string, 'Up' | 'Down'> = {};
    const viewByName = new Map(views.map((v) => [v.name, v]));
    const listed = new Set<string>([...lbNodes.keys(), ...holders.values()]);
    const usable = (v: NodeView | undefined) => v?.ready === true && !v.excluded;
    for (const name of [...listed].sort()) nodes[name] = usable(viewByName.get(name)) ? 'Up' : 'Down';
    // A move away from an excluded node says so: the allocator only knows "not ready".
    const why = (m: FloatingIPMove) =>
      m.from !== null && viewByName.get(m.from)?.excluded === true
        ? `${m.reason}: node ${m.from} carries ${EXCLUDE_FROM_LB_LABEL}`
        : m.reason;
    gateway = { namespace: options.clusterNamespace, name: ngg.metadata.name, floatingIPs, nodes };
    const involved = configRef(observed.config.networkGatewayGroup, options.clusterNamespace);
    if (involved !== undefined) {
      for (const m of result.moves) {
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
            message: `floating IP ${m.ip} released from node ${m.from} (${why(m)}): ${result.unassigned[m.ip] ?? 'removed from spec.floatingIPs'}`,
          });
        }
      }
    }
  }

  // Peers and sessions: each selected peer gets `sessions` sessions from floating IPs on distinct nodes.
  const bgplb = parsed.bgpLoadBalancer;
  const peers: Peer[] = bgplb
    ? parsed.bgpPeers
        .filter((p) => matchesSelector(p.metadata.labels, bgplb.spec.peerSelector))
        .map((p) => ({
          id: p.metadata.name,
          peerIP: p.spec.peerIP,
          peerASN: p.spec.peerASN,
          localASN: p.spec.localASN,
          sessions: p.spec.sessions,
        }))
    : lb.bgpPeers.map((p) => ({
        id: p.ip,
        peerIP: p.ip,
        peerASN: p.asn,
        localASN: lb.localASN,
        sessions: Math.max(1, ngg?.spec.floatingIPs.length ?? 1),
      }));
  const sessions = new Map<string, DesiredSession>();
  const shortfalls: SessionShortfall[] = [];
  const usable = [...holders.keys()].sort(compareAddressText);
  for (const peer of [...peers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const usedNodes = new Set<string>();
    for (const ip of rendezvousTopK(peer.id, usable, usable.length)) {
      if (usedNodes.size >= peer.sessions) break;
      const node = holders.get(ip)!;
      if (usedNodes.has(node)) continue;
      usedNodes.add(node);
      const name = sessionName(peer.id, node);
      sessions.set(name, {
        name,
        labels: validLabels({
          [LABELS.managedBy]: MANAGED_BY,
          [LABELS.clusterNamespace]: options.clusterNamespace,
          [LABELS.node]: node,
          [LABELS.peer]: peer.id,
        }),
        spec: {
          floatingIP: ip,
          localASN: peer.localASN,
          localIP: ip,
          nodeName: node,
          peerASN: peer.peerASN,
          peerIP: peer.peerIP,
        },
      });
    }
    if (usedNodes.size < peer.sessions) {
      const reason =
        ngg === undefined
          ? `no NetworkGatewayGroup "${DEFAULT_OBJECT_NAME}" in ${options.clusterNamespace}`
          : `only ${usedNodes.size} floating IP(s) held by distinct nodes`;
      shortfalls.push({ peer: peer.id, wanted: peer.sessions, got: usedNodes.size, reason });
    }
  }

  // Service VIPs.
  const lbName = bgplb?.metadata.name ?? DEFAULT_LOAD_BALANCER_NAME;
  const services = new Map<string, DesiredService>();
  const candidates = serviceCandidates(
    observed.services,
    options.loadBalancerClass,
    lbName,
    services,
    events,
  );
  // A Service whose route name is taken by an older one gets no VIP: status must never claim an
  // address that no BGPAdvertisedRoute announces.
  const clashes = routeNameClashes(candidates);
  const routeNameLosers = new Map<string, string>();
  const ours = withoutClashLosers(candidates, clashes, routeNameLosers, services, events);
  const pools = lb.addressPools.map((p) => ({
    name: p.name,
    addresses: p.addresses,
    avoidBuggyIPs: p.avoidBuggyIPs,
    manualAssign: p.manualAssign,
  }));
  const vipScalars = {
    pools,
    controlPlaneVIP: lb.vips.controlPlaneVIP,
    ingressVIP: lb.vips.ingressVIP,
    ingressService: options.ingressService,
  };
  // A configuration or Node change recomputes everything, but usually not the VIPs' inputs.
  let allocation: ReturnType<typeof allocateServiceVIPs>;
  if (memo?.vips !== undefined && sameVipInput(memo.vips.input, vipScalars, ours)) {
    allocation = memo.vips.result;
  } else {
    const requests: ServiceVIPRequest[] = ours.map((c) => ({
      key: c.key,
      creationTimestamp: c.s.metadata.creationTimestamp,
      currentIP: c.current,
      requestedIP: requestedIp(c.s),
    }));
    const input: VipInput = { ...vipScalars, services: requests };
    allocation = allocateServiceVIPs(input);
    if (memo !== undefined) memo.vips = { input, result: allocation };
  }
  const lostCurrent = new Map<string, string>();
  for (const c of allocation.conflicts) for (const loser of c.losers) lostCurrent.set(loser, c.reason);
  warnings.push(
    ...allocation.poolErrors.map((e) => (e.pool === '' ? e.message : `pool ${e.pool}: ${e.message}`)),
  );
  const routes = decideServices(
    ours,
    allocation,
    lostCurrent,
    nextHops,
    options.clusterNamespace,
    memo,
    services,
    events,
  );
  if (memo !== undefined) {
    memo.routes = routes;
    memo.services = services;
    memo.nextHops = nextHops;
  }

  return {
    valid: true,
    config,
    gateway,
    floatingIPMoves,
    unassignedFloatingIPs,
    services,
    sessions,
    routes,
    events,
    recheckAt,
    excludedSince,
    poolUsage: allocation.poolUsage,
    shortfalls,
    warnings,
    serviceContext: {
      loadBalancerName: lbName,
      nextHops,
      pools,
      controlPlaneVIP: lb.vips.controlPlaneVIP,
      ingressVIP: lb.vips.ingressVIP,
      routeNameLosers,
    },
  };
}
