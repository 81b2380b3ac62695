/**
 * Names and labels of the objects the controller owns. These are user-visible (kubectl output,
 * label selectors in the node agent), so they are part of the contract: see docs/controller.md.
 */

/** The BGPSession name for a peer and node, as `kubectl get bgpsessions` shows it: `<peer>-<node>`. */
export function sessionName(peer: string, node: string): string {
  return `${peer}-${node}`;
}

/** The BGPAdvertisedRoute name of a Service VIP: `<bgploadbalancer>-<service namespace>-<service name>`. */
export function routeName(loadBalancer: string, serviceNamespace: string, serviceName: string): string {
  return `${loadBalancer}-${serviceNamespace}-${serviceName}`;
}

/** `namespace/name`, the key of a namespaced object in maps and work queues. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** Value of `app.kubernetes.io/managed-by` on every object the controller creates. */
export const MANAGED_BY = 'bgplb-controller';

export const LABELS = {
  /** Marks objects the controller created and may delete (garbage collection selects on it). */
  managedBy: 'app.kubernetes.io/managed-by',
  /** BGPSession: the node that runs it (the node agent selects its own sessions with it). */
  node: 'networking.gke.io/node',
  /** BGPSession: the BGPPeer name, or the control-plane peer's IP. */
  peer: 'networking.gke.io/peer',
  /** BGPAdvertisedRoute: the owning Service. */
  serviceNamespace: 'networking.gke.io/service-namespace',
  serviceName: 'networking.gke.io/service-name',
  /** Both: the cluster namespace whose configuration produced the object. */
  clusterNamespace: 'networking.gke.io/cluster-namespace',
} as const;

/** Nodes carrying this label are never next hops (the upstream Kubernetes convention). */
export const EXCLUDE_FROM_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** Annotation that drains a node without cordoning it (any value; docs/operations.md, "Draining a node"). */
export const DRAIN_ANNOTATION = 'bgplb.io/drain';
/**
 * Annotation the controller writes on a draining Node: when its drain began (RFC 3339). It keeps
 * the drain's clock in the cluster, so a new leader continues a drain instead of starting it again
 * or ending it early; removed when the node is no longer draining (docs/operations.md).
 */
export const DRAIN_STARTED_ANNOTATION = 'bgplb.io/drain-started';

/**
 * Optional Node annotation listing the node's interface addresses with prefix length, e.g.
 * `10.0.1.10/24,192.168.0.5/16`. Without it, each InternalIP is taken with the controller's
 * `--node-prefix-length` (default 24). Floating IPs are placed by subnet, so this matters.
 */
export const NODE_SUBNETS_ANNOTATION = 'networking.gke.io/node-subnets';

/** Annotation a Service can use to ask for a VIP (same as `spec.loadBalancerIP`, which is deprecated upstream). */
export const REQUESTED_IP_ANNOTATION = 'networking.gke.io/load-balancer-ip';

/** The BGPLoadBalancer name used in route names when no BGPLoadBalancer exists. */
export const DEFAULT_LOAD_BALANCER_NAME = 'default';

/** EndpointSlice label naming the Service it belongs to (set by the EndpointSlice controller). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
