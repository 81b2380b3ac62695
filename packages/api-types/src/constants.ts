/** API group of the five bgplb kinds (BGPPeer, BGPSession, ...). */
export const GROUP = 'networking.gke.io';
/** API version of every bgplb kind and of the Cluster. */
export const VERSION = 'v1';
/** API group of the Cluster object (only its load-balancer sections are ours). */
export const CLUSTER_GROUP = 'baremetal.cluster.gke.io';
/** `networking.gke.io/v1` */
export const API_VERSION = `${GROUP}/${VERSION}` as const;
/** `baremetal.cluster.gke.io/v1` */
export const CLUSTER_API_VERSION = `${CLUSTER_GROUP}/${VERSION}` as const;
/** Namespace that holds BGPSession and BGPAdvertisedRoute objects. */
export const STATUS_NAMESPACE = 'kube-system';
/** Name that the NetworkGatewayGroup and the BGPLoadBalancer must have. */
export const DEFAULT_OBJECT_NAME = 'default';

/** The Kubernetes resource names of one kind, as a client (or kubectl) needs them. */
export interface ResourceInfo {
  /** `kind` field, e.g. `BGPSession`. */
  readonly kind: string;
  /** API group, e.g. `networking.gke.io`. */
  readonly group: string;
  /** API version, always `v1`. */
  readonly version: string;
  /** `apiVersion` field, e.g. `networking.gke.io/v1`. */
  readonly apiVersion: string;
  /** URL path segment, e.g. `bgpsessions`. */
  readonly plural: string;
  /** e.g. `bgpsession`. */
  readonly singular: string;
  /** `kubectl get <shortName>` aliases. */
  readonly shortNames: readonly string[];
  /** All our kinds are namespaced. */
  readonly namespaced: boolean;
  /** Name of the list kind, e.g. `BGPSessionList`. */
  readonly listKind: string;
}

function info(group: string, kind: string, plural: string, shortNames: readonly string[]): ResourceInfo {
  return {
    kind,
    group,
    version: VERSION,
    apiVersion: `${group}/${VERSION}`,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    namespaced: true,
    listKind: `${kind}List`,
  };
}

/** Every kind this package defines, keyed by kind. `RESOURCES.BGPSession.plural === 'bgpsessions'`. */
export const RESOURCES = {
  Cluster: info(CLUSTER_GROUP, 'Cluster', 'clusters', []),
  NetworkGatewayGroup: info(GROUP, 'NetworkGatewayGroup', 'networkgatewaygroups', ['ngg']),
  BGPLoadBalancer: info(GROUP, 'BGPLoadBalancer', 'bgploadbalancers', ['bgplb']),
  BGPPeer: info(GROUP, 'BGPPeer', 'bgppeers', ['bgpp']),
  BGPSession: info(GROUP, 'BGPSession', 'bgpsessions', ['bgps']),
  BGPAdvertisedRoute: info(GROUP, 'BGPAdvertisedRoute', 'bgpadvertisedroutes', ['bgpar']),
} as const satisfies Record<string, ResourceInfo>;

/** A kind defined by this package. */
export type KnownKind = keyof typeof RESOURCES;

/** Kinds in the order they are validated and generated. */
export const KNOWN_KINDS: readonly KnownKind[] = Object.keys(RESOURCES) as KnownKind[];

/** True when `kind` is one of ours. */
export function isKnownKind(kind: unknown): kind is KnownKind {
  return typeof kind === 'string' && Object.hasOwn(RESOURCES, kind);
}

/**
 * BGP timer defaults, in seconds: hold and keepalive as RFC 4271 §10 suggests; ConnectRetry 5 s,
 * as the session FSM (bgp-fsm `DEFAULT_FSM_TIMERS`) and the agent's `--connect-retry-time` use,
 * not the RFC's 120 s: a session to a router that restarts must come back within seconds.
 * docs/configuration.md documents these numbers (a test compares them).
 */
export const DEFAULT_TIMERS = { holdTime: 90, keepaliveTime: 30, connectRetryTime: 5 } as const;
