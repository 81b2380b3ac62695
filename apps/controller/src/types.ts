/**
 * The narrow shapes of the Kubernetes objects the controller reads and writes. Only the fields
 * the controller uses are typed; everything else passes through untouched.
 */

import type {
  OwnerReference,
  KubeObject as RuntimeKubeObject,
  ObjectMeta as RuntimeObjectMeta,
} from '@bgplb/kube-runtime';

export type { OwnerReference };

export interface ObjectMeta extends RuntimeObjectMeta {
  ownerReferences?: OwnerReference[];
}

export interface KubeObject extends RuntimeKubeObject {
  metadata: ObjectMeta;
}

export interface NodeCondition {
  type: string;
  status: string;
  lastTransitionTime?: string | Date;
  reason?: string;
}

export interface NodeObject extends KubeObject {
  /** `unschedulable`: the node is cordoned (kubectl cordon / drain). */
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: NodeCondition[];
    addresses?: { type: string; address: string }[];
  };
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: string;
}

export interface ServiceObject extends KubeObject {
  spec?: {
    type?: string;
    externalTrafficPolicy?: string;
    loadBalancerClass?: string;
    loadBalancerIP?: string;
    /** `IPv4` / `IPv6`, the primary first (the API server fills it in). */
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    ports?: ServicePort[];
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

/** One endpoint of an EndpointSlice (discovery.k8s.io/v1): only what the controller reads. */
export interface EndpointObject {
  addresses?: string[];
  nodeName?: string;
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { uid?: string };
}

/** An EndpointSlice, labelled `kubernetes.io/service-name` with the Service it belongs to. */
export interface EndpointSliceObject extends KubeObject {
  addressType?: string;
  endpoints?: EndpointObject[] | null;
}

/** BGPSession spec as the controller writes it (the node agent writes status). */
export interface SessionSpec {
  floatingIP?: string;
  localASN: number;
  localIP: string;
  nodeName: string;
  peerASN: number;
  peerIP: string;
}

export interface SessionObject extends KubeObject {
  spec: SessionSpec;
  status?: Record<string, unknown>;
}

/** BGPAdvertisedRoute spec: one VIP with its next hops. */
export interface RouteSpec {
  prefix: string;
  metric: number;
  nextHops: string[];
  service: { namespace: string; name: string };
  /** externalTrafficPolicy: Local with weighted ECMP: next hop -> its ready local endpoints. */
  weights?: Record<string, number>;
  /** Next hops being drained (RFC 8326), also in nextHops; absent when none is. */
  drain?: RouteDrainSpec;
}

/** `spec.drain` of a BGPAdvertisedRoute (api-types RouteDrain). */
export interface RouteDrainSpec {
  nextHops: string[];
  medIncrease: number;
  asPathPrepend: number;
}

/** One next hop's state in a BGPAdvertisedRoute's status (api-types NextHopStatus). */
export interface NextHopStatus {
  nextHop: string;
  node?: string;
  state: 'announced' | 'draining' | 'withdrawn';
  reason: string;
  community?: string;
  medIncrease?: number;
  asPathPrepend?: number;
}

/** BGPAdvertisedRoute status the controller writes. */
export interface RouteStatus {
  /** Every load-balancer node address: announced, draining or withdrawn, and why. */
  nextHops?: NextHopStatus[];
  /** externalTrafficPolicy: Local: ready endpoints outside the next hops. */
  endpointsOutsidePool?: { endpoints: number; nodes: string[] };
}

export interface RouteObject extends KubeObject {
  spec: RouteSpec;
  status?: Record<string, unknown>;
}

/** A Kubernetes Event to record, before it gets a name and timestamps. */
export type { EventSpec } from '@bgplb/kube-runtime';

/** A condition on one of our objects (same shape as metav1.Condition). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}
