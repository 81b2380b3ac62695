/**
 * The diff: from the desired state and the objects that exist now, the list of writes that makes
 * them equal. Pure. An object that already matches produces no write, so applying the same plan
 * twice writes nothing the second time (idempotence), and objects a change does not touch keep
 * their resourceVersion.
 */

import { drainStartedWrites } from './desired/nodes.js';
import type { Desired, DesiredRoute, DesiredSession } from './desired-state.js';
import { currentVip } from './desired-state.js';
import { LABELS, MANAGED_BY, objectKey } from './names.js';
import type {
  Condition,
  KubeObject,
  NodeObject,
  RouteObject,
  RouteStatus,
  ServiceObject,
  SessionObject,
} from './types.js';

export type OwnedResource = 'bgpsessions' | 'bgpadvertisedroutes';

export type Write =
  | {
      op: 'service-status';
      namespace: string;
      name: string;
      resourceVersion: string | undefined;
      vip: string | null;
      /** Dual-stack: the VIP of the other family, second in `status.loadBalancer.ingress`. */
      secondVip?: string | undefined;
      previous: string | undefined;
    }
  | {
      op: 'gateway-status';
      namespace: string;
      name: string;
      resourceVersion: string | undefined;
      status: { floatingIPs: Record<string, string>; nodes: Record<string, 'Up' | 'Down'> };
      previous: { floatingIPs?: Record<string, string>; nodes?: Record<string, string> } | undefined;
    }
  /** `object` may be a getter that builds the body on every read (lazyWrite): read it once per request. */
  | { op: 'create'; resource: OwnedResource; object: KubeObject }
  | { op: 'update'; resource: OwnedResource; object: KubeObject }
  | { op: 'delete'; resource: OwnedResource; namespace: string; name: string; uid: string | undefined }
  | {
      /** The Node's `bgplb.io/drain-started` annotation: when its drain began (null: remove it). */
      op: 'node-drain-started';
      name: string;
      value: string | null;
    }
  | {
      /** BGPAdvertisedRoute status the controller owns (next-hop states, endpoints outside the pool). */
      op: 'route-status';
      namespace: string;
      name: string;
      status: {
        nextHops: RouteStatus['nextHops'] | null;
        endpointsOutsidePool: RouteStatus['endpointsOutsidePool'] | null;
      };
    }
  | {
      op: 'conditions';
      resource: string;
      namespace: string;
      name: string;
      resourceVersion: string | undefined;
      conditions: Condition[];
    };

export interface Current {
  services: readonly ServiceObject[];
  /** The live NetworkGatewayGroup `default`, if any. */
  gateway: KubeObject | undefined;
  /** BGPSession / BGPAdvertisedRoute objects in the status namespace (any labels). */
  sessions: readonly SessionObject[];
  routes: readonly RouteObject[];
  /** Our configuration objects (for their Accepted condition): NetworkGatewayGroup, BGPLoadBalancer, BGPPeers. */
  configObjects: readonly KubeObject[];
  /** The Nodes (for their drain-started annotation); absent: no Node writes (the Service fast path). */
  nodes?: readonly NodeObject[] | undefined;
}

/** Remembers which live object already matched which desired object (identity), to skip re-comparing. */
export interface PlanCache {
  routes: WeakMap<object, DesiredRoute>;
}

export interface PlanOptions {
  cache?: PlanCache | undefined;
  /** Namespace of BGPSession and BGPAdvertisedRoute objects (kube-system). */
  statusNamespace: string;
  /** Group/version of our kinds (`networking.gke.io/v1`). */
  apiVersion: string;
  /** For condition timestamps. */
  now: number;
}

export interface Plan {
  writes: Write[];
  /** Objects with a desired name that exist but were not created by us: left alone. */
  foreign: string[];
}

function isManaged(o: KubeObject): boolean {
  return o.metadata.labels?.[LABELS.managedBy] === MANAGED_BY;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when every desired label is present with the desired value. */
function hasLabels(o: KubeObject, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(labels)) if (o.metadata.labels?.[k] !== v) return false;
  return true;
}

function sameSessionSpec(a: SessionObject['spec'] | undefined, b: SessionObject['spec']): boolean {
  return (
    a !== undefined &&
    a.floatingIP === b.floatingIP &&
    a.localASN === b.localASN &&
    a.localIP === b.localIP &&
    a.nodeName === b.nodeName &&
    a.peerASN === b.peerASN &&
    a.peerIP === b.peerIP
  );
}

function sameRouteSpec(a: RouteObject['spec'] | undefined, b: RouteObject['spec']): boolean {
  if (a === undefined || a.prefix !== b.prefix || a.metric !== b.metric) return false;
  if (a.service?.namespace !== b.service.namespace || a.service?.name !== b.service.name) return false;
  if (!sameStrings(a.nextHops ?? [], b.nextHops)) return false;
  if (!sameJson(a.weights ?? null, b.weights ?? null)) return false;
  const p = a.drain;
  const q = b.drain;
  if (p === undefined || q === undefined) return p === q;
  return (
    p.medIncrease === q.medIncrease &&
    p.asPathPrepend === q.asPathPrepend &&
    sameStrings(p.nextHops ?? [], q.nextHops)
  );
}

function sameStrings(x: readonly string[], y: readonly string[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The route status writes that make `existing` report what `d` says (nothing when it does). */
function routeStatusWrite(d: DesiredRoute, existing: RouteObject | undefined, o: PlanOptions): Write[] {
  const want = d.status?.endpointsOutsidePool ?? null;
  const have = (existing?.status as RouteStatus | undefined)?.endpointsOutsidePool ?? null;
  const wantHops = d.status?.nextHops ?? null;
  const haveHops = (existing?.status as RouteStatus | undefined)?.nextHops ?? null;
  if (sameJson(want, have) && sameJson(wantHops, haveHops)) return [];
  return [
    {
      op: 'route-status',
      namespace: o.statusNamespace,
      name: d.name,
      status: { nextHops: wantHops, endpointsOutsidePool: want },
    },
  ];
}

/** Whether a Service's load-balancer status already says `vip` (null: no ingress at all). */
function statusMatches(s: ServiceObject, vip: string | null, secondVip: string | undefined): boolean {
  const ingress = s.status?.loadBalancer?.ingress;
  if (vip === null) return ingress === undefined || ingress.length === 0;
  if (secondVip !== undefined)
    return (
      ingress !== undefined && ingress.length === 2 && ingress[0]?.ip === vip && ingress[1]?.ip === secondVip
    );
  return ingress !== undefined && ingress.length === 1 && currentVip(s) === vip;
}

/** Owner reference of a session: its Node (cluster-scoped, so valid from any namespace). */
function nodeOwner(nodeName: string, nodeUid: string | undefined): KubeObject['metadata']['ownerReferences'] {
  return nodeUid === undefined
    ? undefined
    : [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }];
}

function sessionObject(
  d: DesiredSession,
  o: PlanOptions,
  nodeUid: string | undefined,
  base?: SessionObject,
): SessionObject {
  const metadata: KubeObject['metadata'] = base
    ? { ...base.metadata, labels: { ...base.metadata.labels, ...d.labels } }
    : { name: d.name, namespace: o.statusNamespace, labels: { ...d.labels } };
  const owners = nodeOwner(d.spec.nodeName, nodeUid);
  if (owners !== undefined) metadata.ownerReferences = owners;
  const out: SessionObject = { apiVersion: o.apiVersion, kind: 'BGPSession', metadata, spec: { ...d.spec } };
  if (base?.status !== undefined) out.status = base.status;
  return out;
}

/**
 * A create or update whose body is built when the write is sent, not when it is planned: the
 * first reconcile of 10k dual-stack Services plans 20k route creates, and their bodies (copies of
 * the desired routes) all alive at once were most of its plan. Each read of `object` builds the
 * same body again from the desired object (and the live one it updates), which the plan keeps
 * alive anyway; applyWrites reads it once per request, so at most the requests in flight hold one.
 */
function lazyWrite(
  op: 'create' | 'update',
  resource: OwnedResource,
  build: () => KubeObject,
): Extract<Write, { op: 'create' | 'update' }> {
  return {
    op,
    resource,
    get object() {
      return build();
    },
  };
}

function routeObject(d: DesiredRoute, o: PlanOptions, base?: RouteObject): RouteObject {
  const metadata: KubeObject['metadata'] = base
    ? { ...base.metadata, labels: { ...base.metadata.labels, ...d.labels } }
    : { name: d.name, namespace: o.statusNamespace, labels: { ...d.labels } };
  const out: RouteObject = {
    apiVersion: o.apiVersion,
    kind: 'BGPAdvertisedRoute',
    metadata,
    spec: {
      ...d.spec,
      nextHops: [...d.spec.nextHops],
      service: { ...d.spec.service },
      ...(d.spec.drain ? { drain: { ...d.spec.drain, nextHops: [...d.spec.drain.nextHops] } } : {}),
    },
  };
  if (d.spec.weights !== undefined) out.spec.weights = { ...d.spec.weights };
  if (base?.status !== undefined) out.status = base.status;
  return out;
}

function acceptedCondition(
  accepted: boolean,
  message: string,
  now: number,
  previous: Condition | undefined,
): Condition {
  const status = accepted ? 'True' : 'False';
  return {
    type: 'Accepted',
    status,
    reason: accepted ? 'Valid' : 'InvalidConfiguration',
    message,
    lastTransitionTime:
      previous !== undefined && previous.status === status
        ? previous.lastTransitionTime
        : new Date(now).toISOString(),
  };
}

const PLURALS: Record<string, string> = {
  NetworkGatewayGroup: 'networkgatewaygroups',
  BGPLoadBalancer: 'bgploadbalancers',
  BGPPeer: 'bgppeers',
};

/**
 * Computes the writes. `nodeUids` maps node names to uids for owner references.
 * Order matters for crash safety: drain start times, VIPs and floating IPs first, then the objects that depend on
 * them, deletions last, so a crash between two writes never loses a decision already announced.
 */
export function planWrites(
  desired: Desired,
  current: Current,
  nodeUids: ReadonlyMap<string, string>,
  o: PlanOptions,
): Plan {
  const writes: Write[] = [];
  const foreign: string[] = [];
  if (!desired.valid) return { writes, foreign };

  // 0. When each drain began, kept on its Node before any route carries the drain, so that a
  // leader that takes over from here continues the drain instead of starting or ending it.
  if (current.nodes !== undefined)
    for (const a of drainStartedWrites(current.nodes, desired.drainingSince))
      writes.push({ op: 'node-drain-started', name: a.name, value: a.value });

  // 1. Service VIPs. Usually every status already matches: find the ones that do not (the last
  // object of a key decides, as a key -> object map would), then write them in desired order.
  let differing: Map<string, ServiceObject> | undefined;
  // Indexed loops over the 10k Services and routes: for-of allocates an iterator result per element.
  for (let i = 0; i < current.services.length; i++) {
    const s = current.services[i]!;
    const key = objectKey(s.metadata.namespace ?? 'default', s.metadata.name);
    const d = desired.services.get(key);
    if (d === undefined) continue;
    if (statusMatches(s, d.vip, d.secondVip)) {
      differing?.delete(key);
    } else {
      differing ??= new Map();
      differing.set(key, s);
    }
  }
  if (differing !== undefined && differing.size > 0) {
    desired.services.forEach((d, key) => {
      const s = differing.get(key);
      if (s === undefined) return;
      writes.push({
        op: 'service-status',
        namespace: d.namespace,
        name: d.name,
        resourceVersion: s.metadata.resourceVersion,
        vip: d.vip,
        ...(d.secondVip !== undefined ? { secondVip: d.secondVip } : {}),
        previous: currentVip(s),
      });
    });
  }

  // 2. Floating IPs.
  if (desired.gateway !== undefined && current.gateway !== undefined) {
    const status = (
      current.gateway as { status?: { floatingIPs?: Record<string, string>; nodes?: Record<string, string> } }
    ).status;
    const want = { floatingIPs: desired.gateway.floatingIPs, nodes: desired.gateway.nodes };
    if (
      !sameJson(status?.floatingIPs ?? {}, want.floatingIPs) ||
      !sameJson(status?.nodes ?? {}, want.nodes)
    ) {
      writes.push({
        op: 'gateway-status',
        namespace: desired.gateway.namespace,
        name: desired.gateway.name,
        resourceVersion: current.gateway.metadata.resourceVersion,
        status: want,
        previous: status,
      });
    }
  }

  // 3. Routes and sessions: create or update.
  const routes = new Map<string, RouteObject>();
  for (let i = 0; i < current.routes.length; i++) {
    const r = current.routes[i]!;
    routes.set(r.metadata.name, r);
  }
  // forEach, not for-of: no iterator entries for 10k routes.
  desired.routes.forEach((d, name) => {
    const existing = routes.get(name);
    if (existing === undefined) {
      writes.push(lazyWrite('create', 'bgpadvertisedroutes', () => routeObject(d, o)));
      writes.push(...routeStatusWrite(d, undefined, o));
    } else if (o.cache?.routes.get(existing) === d) {
      // Both unchanged since they last matched.
    } else if (!isManaged(existing)) {
      foreign.push(`BGPAdvertisedRoute/${name}`);
    } else {
      const status = routeStatusWrite(d, existing, o);
      writes.push(...status);
      if (!sameRouteSpec(existing.spec, d.spec) || !hasLabels(existing, d.labels)) {
        writes.push(lazyWrite('update', 'bgpadvertisedroutes', () => routeObject(d, o, existing)));
      } else if (status.length === 0) {
        o.cache?.routes.set(existing, d);
      }
    }
  });
  const sessions = new Map(current.sessions.map((s) => [s.metadata.name, s]));
  for (const [name, d] of desired.sessions) {
    const existing = sessions.get(name);
    const uid = nodeUids.get(d.spec.nodeName);
    if (existing === undefined) {
      writes.push(lazyWrite('create', 'bgpsessions', () => sessionObject(d, o, uid)));
    } else if (!isManaged(existing)) {
      foreign.push(`BGPSession/${name}`);
    } else {
      const ownerOk =
        uid === undefined || existing.metadata.ownerReferences?.some((r) => r.uid === uid) === true;
      if (!sameSessionSpec(existing.spec, d.spec) || !hasLabels(existing, d.labels) || !ownerOk) {
        writes.push(lazyWrite('update', 'bgpsessions', () => sessionObject(d, o, uid, existing)));
      }
    }
  }

  // 4. Garbage collection: our objects that are no longer desired.
  for (const s of current.sessions) {
    if (isManaged(s) && !desired.sessions.has(s.metadata.name)) {
      writes.push({
        op: 'delete',
        resource: 'bgpsessions',
        namespace: o.statusNamespace,
        name: s.metadata.name,
        uid: s.metadata.uid,
      });
    }
  }
  for (let i = 0; i < current.routes.length; i++) {
    const r = current.routes[i]!;
    if (isManaged(r) && !desired.routes.has(r.metadata.name)) {
      writes.push({
        op: 'delete',
        resource: 'bgpadvertisedroutes',
        namespace: o.statusNamespace,
        name: r.metadata.name,
        uid: r.metadata.uid,
      });
    }
  }

  // 5. Accepted conditions on our configuration objects.
  const refused = new Map(desired.config.refused.map((r) => [r.ref, r]));
  for (const obj of current.configObjects) {
    const kind = obj.kind ?? '';
    const resource = PLURALS[kind];
    if (resource === undefined) continue;
    const ref = `${kind}/${obj.metadata.name}`;
    const r = refused.get(ref);
    const message =
      r === undefined
        ? 'accepted'
        : `refused, the last valid version stays in force: ${r.problems.map((p) => p.message).join('; ')}`;
    const conditions = ((obj as { status?: { conditions?: Condition[] } }).status?.conditions ??
      []) as Condition[];
    const previous = conditions.find((c) => c.type === 'Accepted');
    if (
      previous !== undefined &&
      previous.status === (r === undefined ? 'True' : 'False') &&
      previous.message === message
    )
      continue;
    const next = [
      ...conditions.filter((c) => c.type !== 'Accepted'),
      acceptedCondition(r === undefined, message, o.now, previous),
    ];
    writes.push({
      op: 'conditions',
      resource,
      namespace: obj.metadata.namespace ?? '',
      name: obj.metadata.name,
      resourceVersion: obj.metadata.resourceVersion,
      conditions: next,
    });
  }
  return { writes, foreign };
}
