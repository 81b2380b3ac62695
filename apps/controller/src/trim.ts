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

/**
 * The next-hop list of the last BGPAdvertisedRoute seen. Every route of a cluster usually carries
 * the same list (the load-balancer nodes), and each decoded object has its own copy of it: with
 * 10k routes and 16 next hops that is 160k strings, most of the routes' memory and of the
 * collector's marking work. Equal lists are kept once; nothing mutates a cached object's spec.
 */
let lastNextHops: string[] | undefined;

function sameStrings(a: readonly string[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Our own objects: managedFields go, and a route's next hops are shared with equal lists. */
export function trimOwned(o: KubeObject): void {
  delete (o.metadata as Record<string, unknown>).managedFields;
  const spec = (o as { spec?: { nextHops?: unknown } }).spec;
  const hops = spec?.nextHops;
  if (spec === undefined || !Array.isArray(hops) || !hops.every((h) => typeof h === 'string')) return;
  if (lastNextHops !== undefined && sameStrings(lastNextHops, hops)) spec.nextHops = lastNextHops;
  else lastNextHops = hops;
}
