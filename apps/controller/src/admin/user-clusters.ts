/**
 * Which admin-cluster Cluster objects are user clusters to sync, and where their credentials and
 * objects are. Pure: a function of the Cluster object.
 */
import type { KubeObject } from '../types.js';
import { KUBECONFIG_SECRET_ANNOTATION, SYNC_ANNOTATION, USER_NAMESPACE_ANNOTATION } from './names.js';

export interface UserClusterRef {
  /** `<namespace>/<name>` of the Cluster in the admin cluster. */
  key: string;
  name: string;
  /** The admin-cluster namespace holding the Cluster and its BGP objects (`cluster-<name>`). */
  namespace: string;
  /** Secret (in `namespace`) with the user cluster's kubeconfig under `value`. */
  secretName: string;
  /** Namespace of the user cluster that receives the objects (the one its controller reads). */
  targetNamespace: string;
}

interface ClusterLike extends KubeObject {
  spec?: { type?: unknown; loadBalancer?: { type?: unknown; mode?: unknown } };
}

/**
 * A Cluster is synced when it is a user cluster (`spec.type: user`, or the annotation
 * `bgplb.io/sync: "true"` for clusters that do not say their type) with bundled BGP load balancing.
 * `bgplb.io/sync: "false"` opts a user cluster out.
 */
export function userClusterRef(cluster: KubeObject): UserClusterRef | undefined {
  const c = cluster as ClusterLike;
  const marker = c.metadata.annotations?.[SYNC_ANNOTATION];
  if (marker === 'false') return undefined;
  if (c.spec?.type !== 'user' && marker !== 'true') return undefined;
  const lb = c.spec?.loadBalancer;
  if (lb === undefined || (lb.type ?? 'bgp') !== 'bgp' || (lb.mode ?? 'bundled') !== 'bundled')
    return undefined;
  const namespace = c.metadata.namespace;
  if (namespace === undefined) return undefined;
  const name = c.metadata.name;
  return {
    key: `${namespace}/${name}`,
    name,
    namespace,
    secretName: c.metadata.annotations?.[KUBECONFIG_SECRET_ANNOTATION] || `${name}-kubeconfig`,
    targetNamespace: c.metadata.annotations?.[USER_NAMESPACE_ANNOTATION] || namespace,
  };
}
