/**
 * Informer transforms: the caches keep only the fields the controller reads (as client-go's
 * SetTransform is used for). A real Node carries its image list and many annotations, a Service
 * its ports and managedFields; with 10k Services that is most of the controller's memory.
 * The objects are trimmed in place, as the informer hands them over.
 */
import {
  DRAIN_ANNOTATION,
  DRAIN_STARTED_ANNOTATION,
  LABELS,
  NODE_SUBNETS_ANNOTATION,
  REQUESTED_IP_ANNOTATION,
  SERVICE_NAME_LABEL,
} from './names.js';
import type { EndpointObject, EndpointSliceObject, KubeObject, NodeObject, ServiceObject } from './types.js';

/**
 * One copy of each value that most cached objects repeat (apiVersion, kind, namespace, Service
 * type, our labels' values): each decoded object brings its own copy of every string, 60k+
 * strings for 10k Services and routes, which the collector marks on every full collection.
 * Bounded: past the limit values are kept as they are.
 */
const interned = new Map<string, string>();
const INTERN_LIMIT = 4096;

function intern(value: string): string {
  const kept = interned.get(value);
  if (kept !== undefined) return kept;
  if (interned.size < INTERN_LIMIT) interned.set(value, value);
  return value;
}

/** Labels whose values repeat across our objects (not the per-Service name). */
const REPEATED_LABELS = [
  LABELS.managedBy,
  LABELS.clusterNamespace,
  LABELS.serviceNamespace,
  LABELS.node,
  LABELS.peer,
];

function internCommon(o: KubeObject): void {
  if (typeof o.apiVersion === 'string') o.apiVersion = intern(o.apiVersion);
  if (typeof o.kind === 'string') o.kind = intern(o.kind);
  const m = o.metadata;
  if (typeof m.namespace === 'string') m.namespace = intern(m.namespace);
  const created = (m as { creationTimestamp?: unknown }).creationTimestamp;
  if (typeof created === 'string')
    (m as { creationTimestamp?: string }).creationTimestamp = internTime(created);
  const labels = m.labels;
  if (labels !== undefined && labels !== null && typeof labels === 'object') {
    for (const k of REPEATED_LABELS) {
      const v = labels[k];
      if (typeof v === 'string') labels[k] = intern(v);
    }
  }
}

/**
 * One copy of each recent creationTimestamp: objects created in a burst (a cluster's Services, our
 * routes at start-up) share the second, so 10k dual-stack Services brought 50k copies of 36
 * values (2 MB). Only the last few distinct values are remembered: timestamps never repeat later.
 */
const recentTimes = new Map<string, string>();
const RECENT_TIMES = 64;

function internTime(value: string): string {
  return shared(recentTimes, value, value, RECENT_TIMES);
}

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

/** One shared array per distinct `spec.ipFamilies` (nearly every Service has ["IPv4"]). */
const familyLists = new Map<string, string[]>();
function internFamilies(list: unknown[]): string[] {
  if (!list.every((f) => typeof f === 'string')) return list as string[];
  const key = list.join(',');
  const kept = familyLists.get(key);
  if (kept !== undefined) return kept;
  if (familyLists.size < 16) familyLists.set(key, list as string[]);
  return list as string[];
}

/** Service: type, traffic policy, class, requested IP, IP families, and the load-balancer status. */
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
    // Dual-stack: which families get a VIP (desired/service-families.ts).
    if (Array.isArray(spec.ipFamilies)) kept.ipFamilies = internFamilies(spec.ipFamilies);
    if (spec.ipFamilyPolicy !== undefined) kept.ipFamilyPolicy = intern(spec.ipFamilyPolicy);
    if (typeof kept.type === 'string') kept.type = intern(kept.type);
    if (typeof kept.externalTrafficPolicy === 'string')
      kept.externalTrafficPolicy = intern(kept.externalTrafficPolicy);
    if (typeof kept.loadBalancerClass === 'string') kept.loadBalancerClass = intern(kept.loadBalancerClass);
    s.spec = kept;
  }
  internCommon(s);
  const lb = s.status?.loadBalancer;
  s.status = lb === undefined ? {} : { loadBalancer: lb };
}

/** Node: addresses, the Ready condition, the exclusion label and the subnets and drain annotations. */
export function trimNode(o: KubeObject): void {
  const n = o as NodeObject;
  trimMeta(n, [NODE_SUBNETS_ANNOTATION, DRAIN_ANNOTATION, DRAIN_STARTED_ANNOTATION]);
  // Only the cordon of the spec matters (graceful drain).
  if (n.spec?.unschedulable === true) n.spec = { unschedulable: true };
  else delete (n as Record<string, unknown>).spec;
  internCommon(n);
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
 * Recently seen next-hop lists of BGPAdvertisedRoutes (spec), by their text. Every route of a
 * cluster usually carries the same list (the load-balancer nodes), one per address family on a
 * dual-stack cluster, and each decoded object has its own copy of it: with 10k routes and 16 next
 * hops that is 160k strings, most of the routes' memory and of the collector's marking work.
 * Equal lists are kept once; nothing mutates a cached object's spec. A few lists are remembered
 * (not only the last): IPv4 and IPv6 routes alternate in a list of routes.
 */
const nextHopLists = new Map<string, string[]>();
/** The same for `status.nextHops` (every non-Local route of a family carries the same states). */
const hopStateLists = new Map<string, unknown[]>();
const SHARED_LISTS = 8;

/** The value kept for `key`, else `value`, remembered in place of the oldest of `limit`. */
function shared<T>(lists: Map<string, T>, key: string, value: T, limit = SHARED_LISTS): T {
  const kept = lists.get(key);
  if (kept !== undefined) return kept;
  if (lists.size >= limit) lists.delete(lists.keys().next().value!);
  lists.set(key, value);
  return value;
}

/** Our own objects: managedFields go, and a route's next hops (spec and status) are shared with equal lists. */
export function trimOwned(o: KubeObject): void {
  delete (o.metadata as Record<string, unknown>).managedFields;
  internCommon(o);
  const status = (o as { status?: { nextHops?: unknown } }).status;
  if (status !== undefined && Array.isArray(status.nextHops))
    status.nextHops = shared(hopStateLists, JSON.stringify(status.nextHops), status.nextHops);
  const spec = (o as { spec?: { nextHops?: unknown } }).spec;
  const hops = spec?.nextHops;
  if (spec === undefined || !Array.isArray(hops) || !hops.every((h) => typeof h === 'string')) return;
  spec.nextHops = shared(nextHopLists, hops.join(','), hops as string[]);
}

/**
 * EndpointSlices: only what says where a Service's ready endpoints are (node, readiness, identity
 * for de-duplication). A busy cluster has many slices that change often: ports, hints, zones and
 * all but the first address are not kept.
 */
export function trimEndpointSlice(o: KubeObject): void {
  const slice = o as EndpointSliceObject;
  trimMeta(slice, []);
  const labels = slice.metadata.labels;
  const service = labels?.[SERVICE_NAME_LABEL];
  if (service === undefined) delete slice.metadata.labels;
  else slice.metadata.labels = { [SERVICE_NAME_LABEL]: service };
  internCommon(slice);
  for (const k of Object.keys(slice)) {
    if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'addressType' && k !== 'endpoints')
      delete (slice as unknown as Record<string, unknown>)[k];
  }
  if (!Array.isArray(slice.endpoints)) return;
  slice.endpoints = slice.endpoints.map((e) => {
    const kept: EndpointObject = {};
    if (e === null || typeof e !== 'object') return kept;
    if (Array.isArray(e.addresses) && e.addresses.length > 0) kept.addresses = [e.addresses[0]!];
    if (typeof e.nodeName === 'string') kept.nodeName = intern(e.nodeName);
    if (e.conditions !== undefined) kept.conditions = e.conditions;
    if (typeof e.targetRef?.uid === 'string') kept.targetRef = { uid: e.targetRef.uid };
    return kept;
  });
}
