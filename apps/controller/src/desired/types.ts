/**
 * The shapes of desiredState's input (Observed) and output (Desired), shared by its phases, the
 * incremental Service path and the write planner.
 */
import type {
  AllocateServiceVIPsInput,
  AllocateServiceVIPsResult,
  FloatingIPLease,
  FloatingIPMove,
  PoolUsage,
} from '@bgplb/floating-ip-allocator';
import type { ConfigObjects, EffectiveConfig } from '../config.js';
import type {
  EventSpec,
  NodeObject,
  RouteDrainSpec,
  RouteSpec,
  RouteStatus,
  ServiceObject,
  SessionSpec,
} from '../types.js';
import type { EndpointCounts } from './local-endpoints.js';
import type { LiveSession } from './make-before-break.js';

export interface DesiredStateOptions {
  /** Namespace of the Cluster, NetworkGatewayGroup, BGPLoadBalancer and BGPPeers. */
  clusterNamespace: string;
  /** How long a node may be not ready before its floating IPs move. */
  graceSeconds: number;
  /**
   * How long a floating IP's Lease may go unrenewed before the floating IP moves (the fast path);
   * 0 or absent: off.
   */
  leaseExpirySeconds?: number | undefined;
  /** Prefix length of InternalIPs without the node-subnets annotation (default 24). */
  nodePrefixLength: number;
  /**
   * `spec.loadBalancerClass` served by bgplb. Services without a class are served too; Services
   * naming any other class belong to another implementation and are left alone.
   */
  loadBalancerClass: string;
  /** `namespace/name` of the Service that gets `vips.ingressVIP`. */
  ingressService?: string | undefined;
  /**
   * Cluster-wide `weightedECMP` (the controller's `--weighted-ecmp`); the BGPLoadBalancer's
   * `spec.weightedECMP` overrides it. Default `endpoints`.
   */
  weightedECMP?: 'endpoints' | 'off' | undefined;
}

export interface Observed {
  config: ConfigObjects;
  /** The last configuration that validated (carried from the previous reconcile). */
  lastGood?: ConfigObjects | undefined;
  nodes: readonly NodeObject[];
  services: readonly ServiceObject[];
  /**
   * Ready endpoints per node of each Service (`namespace/name`), from its EndpointSlices. Only
   * externalTrafficPolicy: Local Services read it; absent means none seen.
   */
  endpoints?: ReadonlyMap<string, EndpointCounts> | undefined;
  /** Current time, ms since the epoch. */
  now: number;
  options: DesiredStateOptions;
  /**
   * Node name -> when its drain began (ms): cordoned, labelled
   * `node.kubernetes.io/exclude-from-external-load-balancers` or annotated `bgplb.io/drain`;
   * `Desired.drainingSince` of the previous reconcile. The Node's `bgplb.io/drain-started`
   * annotation (which the controller writes) comes first, so a drain survives a leader failover;
   * this covers the time until the controller's own write is seen.
   */
  drainingSince?: ReadonlyMap<string, number> | undefined;
  /** Floating IP -> its Lease as this controller saw it (see lease-observer.ts). */
  leases?: Readonly<Record<string, FloatingIPLease>> | undefined;
  /** Floating IP -> its holder and since when (`Desired.heldSince` of the previous reconcile). */
  heldSince?: ReadonlyMap<string, HeldSince> | undefined;
  /** Lease suspects and since when (`Desired.leaseSuspects` of the previous reconcile). */
  leaseSuspects?: ReadonlyMap<string, number> | undefined;
  /**
   * The Service BGPSessions as their agents report them (desired/make-before-break.ts): a draining
   * holder keeps a floating IP until its peers have another Established session. Absent: never held.
   */
  liveSessions?: readonly LiveSession[] | undefined;
}

/** A floating IP's holder and since when this controller has seen it hold it (ms). */
export interface HeldSince {
  holder: string;
  since: number;
}

/** What one Service's `status.loadBalancer.ingress` should say. */
export interface DesiredService {
  namespace: string;
  name: string;
  /** The VIP (of its primary family, or the only one), or null for "no VIP" (status cleared). */
  vip: string | null;
  /** Dual-stack: the VIP of the other family, listed second in the status. */
  secondVip?: string | undefined;
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
  /** What the controller reports in the route's status (externalTrafficPolicy: Local only). */
  status?: RouteStatus;
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
  /** Draining nodes and since when (pass back as `Observed.drainingSince`). */
  drainingSince: Map<string, number>;
  /** Floating IP holders and since when (pass back as `Observed.heldSince`). */
  heldSince: Map<string, HeldSince>;
  /** Nodes kept out of the next hops because their Lease expired (pass back as `Observed.leaseSuspects`). */
  leaseSuspects: Map<string, number>;
  /** Earliest time (ms) a floating IP's Lease expires unless renewed; null if none. */
  leaseDeadline: number | null;
  poolUsage: PoolUsage[];
  shortfalls: SessionShortfall[];
  warnings: string[];
  /** What Service decisions depend on, for the incremental Service path (absent when not valid). */
  serviceContext?: ServiceContext;
  /**
   * What the next computation may reuse (see DesiredMemo): an output like the others, never
   * changed after it is returned. Pass it back through MemoizedDesiredState.
   */
  memo: DesiredMemo;
}

/** Where the routes of one family's VIPs are announced from. */
export interface FamilyRouteContext {
  nextHops: string[];
  nextHopByNode: ReadonlyMap<string, string>;
  drain?: RouteDrainSpec | undefined;
  /** The status of a route that is not Local: every next hop's state (one object, by identity). */
  status?: RouteStatus | undefined;
}

/** The inputs of Service VIP and route decisions other than the Services themselves. */
export interface ServiceContext {
  loadBalancerName: string;
  nextHops: string[];
  /** Ready load-balancer nodes by name, for externalTrafficPolicy: Local routes. */
  nextHopByNode: ReadonlyMap<string, string>;
  /** The effective `weightedECMP` is `endpoints`. */
  weighted: boolean;
  /** The BGPLoadBalancer says `externalTrafficPolicyLocal: refuse`. */
  refuseLocal: boolean;
  /** The routes' `spec.drain` (draining next hops), if any. */
  drain: RouteDrainSpec | undefined;
  /** The status of every route that is not externalTrafficPolicy: Local (one shared object). */
  routeStatus: RouteStatus;
  /** The same for IPv6 VIPs (the nodes' IPv6 InternalIPs). */
  v6: FamilyRouteContext;
  pools: {
    name: string;
    addresses: string[];
    avoidBuggyIPs?: boolean | undefined;
    manualAssign?: boolean | undefined;
    allowSubnetRouterAnycast?: boolean | undefined;
  }[];
  controlPlaneVIP: string;
  ingressVIP: string | undefined;
  /**
   * Services refused because another Service produces the same route name (Service key -> route
   * name). The incremental path leaves any change touching them, or freeing such a name, to the
   * full path.
   */
  routeNameLosers: Map<string, string>;
  /**
   * Services the allocation gave no address (pool exhausted, unusable request). An address freed
   * incrementally may be theirs by the full path's rules, so the incremental path leaves that to it.
   */
  waiting: Set<string>;
}

/**
 * What one computation hands to the next so that unchanged results keep their identity (the diff
 * recognises an unchanged route with one comparison) and the 10k-Service VIP allocation is not
 * redone when its inputs did not change. It never changes what desiredState answers, only which
 * (equal) objects it returns; a property test checks that.
 */
export interface DesiredMemo {
  readonly routes: ReadonlyMap<string, DesiredRoute>;
  readonly services: ReadonlyMap<string, DesiredService>;
  readonly nextHops: readonly string[] | undefined;
  readonly nextHops6?: readonly string[] | undefined;
  /** The last `spec.drain` (reused while equal, so unchanged routes keep their identity). */
  readonly drain?: RouteDrainSpec | undefined;
  /** The last shared route status (reused while its next-hop states are the same array). */
  readonly routeStatus?: RouteStatus | undefined;
  readonly drain6?: RouteDrainSpec | undefined;
  readonly routeStatus6?: RouteStatus | undefined;
  /** The VIP allocation and its input (reused when the next input is identical). */
  readonly vips: { input: AllocateServiceVIPsInput; result: AllocateServiceVIPsResult } | undefined;
}

export const EMPTY_MEMO: DesiredMemo = {
  routes: new Map(),
  services: new Map(),
  nextHops: undefined,
  vips: undefined,
};
