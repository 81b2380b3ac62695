/**
 * The names admin mode writes and reads: which objects are synced from an admin cluster into a user
 * cluster, how a user-cluster copy says that it is managed, and the Cluster annotations that tune
 * the sync. Documented in docs/operations.md ("Admin and user clusters").
 */
import { CLUSTER_GROUP, GROUP, VERSION } from '@bgplb/api-types';

/** On every user-cluster object the admin cluster manages; nothing without it is ever touched. */
export const MANAGED_BY_LABEL = 'bgplb.io/managed-by';
export const MANAGED_BY_VALUE = 'bgplb-admin';
/** `metadata.generation` of the admin-cluster object the copy was last written from. */
export const SOURCE_GENERATION_ANNOTATION = 'bgplb.io/source-generation';
/** `<namespace>/<name>` of the admin-cluster Cluster the copy belongs to. */
export const SOURCE_CLUSTER_ANNOTATION = 'bgplb.io/source-cluster';

/** On a Cluster: marks it as a user cluster to sync when `spec.type` is not `user`. */
export const SYNC_ANNOTATION = 'bgplb.io/sync';
/** On a Cluster: the Secret with the user cluster's kubeconfig (default `<cluster>-kubeconfig`). */
export const KUBECONFIG_SECRET_ANNOTATION = 'bgplb.io/kubeconfig-secret';
/** On a Cluster: the namespace of the user cluster that receives the objects (default: the Cluster's own). */
export const USER_NAMESPACE_ANNOTATION = 'bgplb.io/user-namespace';
/** The key of the kubeconfig in that Secret (the cluster-api convention). */
export const KUBECONFIG_SECRET_KEY = 'value';

/** The kinds the admin cluster owns for its user clusters, in creation order. */
export interface SyncedKind {
  kind: 'NetworkGatewayGroup' | 'BGPLoadBalancer' | 'BGPPeer';
  plural: string;
}
export const SYNCED_KINDS: readonly SyncedKind[] = [
  { kind: 'NetworkGatewayGroup', plural: 'networkgatewaygroups' },
  { kind: 'BGPPeer', plural: 'bgppeers' },
  { kind: 'BGPLoadBalancer', plural: 'bgploadbalancers' },
];
export const SYNCED_API_VERSION = `${GROUP}/${VERSION}`;
export const GROUP_PATH = { group: GROUP, version: VERSION } as const;
export const CLUSTER_API = { group: CLUSTER_GROUP, version: VERSION, plural: 'clusters' } as const;

/** The Synced condition's type on admin-cluster source objects. */
export const SYNCED_CONDITION = 'Synced';
