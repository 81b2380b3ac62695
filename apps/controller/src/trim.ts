/**
 * Informer transforms: the caches keep only the fields the controller reads (as client-go's
 * SetTransform is used for). A real Node carries its image list and many annotations, a Service
 * its ports and managedFields; with 10k Services that is most of the controller's memory.
 * The objects are trimmed in place, as the informer hands them over.
 */
import { NODE_SUBNETS_ANNOTATION, REQUESTED_IP_ANNOTATION } from './names.js';
import type { KubeObject, NodeObject, ServiceObject } from './types.js';

const KEEP_META = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'deletionTimestamp',
  'labels',
  'ownerReferences',
];

function trimMeta(o: KubeObject, keepAnnotations: readonly string[] | 'all'): void {
  const m = o.metadata as Record<string, unknown>;
  const annotations = o.metadata.annotations;
  for (const k of Object.keys(m)) if (!KEEP_META.includes(k) && k !== 'annotations') delete m[k];
  if (annotations !== undefined && keepAnnotations !== 'all') {
    const kept: Record<string, string> = {};
    for (const k of keepAnnotations) if (annotations[k] !== undefined) kept[k] = annotations[k];
    if (Object.keys(kept).length > 0) o.metadata.annotations = kept;
    else delete o.metadata.annotations;
  }
}

/** Service: type, traffic policy, class, requested IP, and the load-balancer status. */
export function trimService(o: KubeObject): void {
  const s = o as ServiceObject;
  trimMeta(s, [REQUESTED_IP_ANNOTATION]);
  const spec = s.spec;
  if (spec !== undefined) {
    const kept: NonNullable<ServiceObject['spec']> = {};
    if (spec.type !== undefined) kept.type = spec.type;
    if (spec.externalTrafficPolicy !== undefined) kept.externalTrafficPolicy = spec.externalTrafficPolicy;
    if (spec.loadBalancerClass !== undefined) kept.loadBalancerClass = spec.loadBalancerClass;
    if (spec.loadBalancerIP !== undefined) kept.loadBalancerIP = spec.loadBalancerIP;
    s.spec = kept;
  }
  const lb = s.status?.loadBalancer;
  s.status = lb === undefined ? {} : { loadBalancer: lb };
}

/** Node: addresses, the Ready condition, the exclusion label and the subnets annotation. */
export function trimNode(o: KubeObject): void {
  const n = o as NodeObject;
  trimMeta(n, [NODE_SUBNETS_ANNOTATION]);
  delete (n as Record<string, unknown>).spec;
  const status = n.status;
  if (status !== undefined) {
    const kept: NonNullable<NodeObject['status']> = {};
    if (status.addresses !== undefined) kept.addresses = status.addresses;
    const ready = status.conditions?.filter((c) => c.type === 'Ready');
    if (ready !== undefined) kept.conditions = ready;
    n.status = kept;
  }
}

/** Our own objects: only managedFields go. */
export function trimOwned(o: KubeObject): void {
  delete (o.metadata as Record<string, unknown>).managedFields;
}
