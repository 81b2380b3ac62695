/** Test fixtures: the spec's example clusters, Nodes and Services as the API would return them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { ConfigObjects } from '../config.js';
import type { NodeObject, ServiceObject } from '../types.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));

export const EXAMPLE_FILES = [
  '01-same-peers-for-all-nodes.yaml',
  '02-control-plane-nodes-per-peer.yaml',
  '03-separate-control-and-data-plane.yaml',
] as const;

/** The objects of one example file, as Kubernetes objects (with uids). */
export function exampleObjects(file: string): Record<string, unknown>[] {
  const text = readFileSync(`${EXAMPLES}${file}`, 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> => o !== null);
}

/** The configuration objects of one example file. */
export function exampleConfig(file: string): ConfigObjects {
  const objects = exampleObjects(file);
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const config: ConfigObjects = { bgpPeers: of('BGPPeer') };
  if (of('Cluster')[0]) config.cluster = of('Cluster')[0];
  if (of('NetworkGatewayGroup')[0]) config.networkGatewayGroup = of('NetworkGatewayGroup')[0];
  if (of('BGPLoadBalancer')[0]) config.bgpLoadBalancer = of('BGPLoadBalancer')[0];
  return config;
}

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export interface NodeFixture {
  name: string;
  ip: string;
  /** A second InternalIP (dual-stack Node: one per family). */
  ip6?: string;
  ready?: boolean;
  /** Ready-condition transition time (ms); default T0 - 1h. */
  since?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Cordoned (spec.unschedulable). */
  unschedulable?: boolean;
}

export function node(f: NodeFixture): NodeObject {
  const meta: NodeObject['metadata'] = { name: f.name, uid: `uid-${f.name}` };
  if (f.labels) meta.labels = f.labels;
  if (f.annotations) meta.annotations = f.annotations;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta,
    ...(f.unschedulable ? { spec: { unschedulable: true } } : {}),
    status: {
      addresses: [
        { type: 'InternalIP', address: f.ip },
        ...(f.ip6 === undefined ? [] : [{ type: 'InternalIP', address: f.ip6 }]),
        { type: 'Hostname', address: f.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: f.ready === false ? 'False' : 'True',
          lastTransitionTime: new Date(f.since ?? T0 - 3_600_000).toISOString(),
        },
      ],
    },
  };
}

/** node-01 10.0.1.10, node-02 10.0.1.11, node-03 10.0.2.10 (control plane); node-04/05 in 10.0.3.0/24. */
export const CLUSTER_NODES: NodeFixture[] = [
  { name: 'node-01', ip: '10.0.1.10' },
  { name: 'node-02', ip: '10.0.1.11' },
  { name: 'node-03', ip: '10.0.2.10' },
  { name: 'node-04', ip: '10.0.3.10' },
  { name: 'node-05', ip: '10.0.3.11' },
];

export interface ServiceFixture {
  namespace?: string;
  name: string;
  vip?: string;
  etpLocal?: boolean;
  type?: string;
  loadBalancerClass?: string;
  loadBalancerIP?: string;
  created?: number;
  /** Dual-stack: `spec.ipFamilies`, `spec.ipFamilyPolicy`, every status address in order. */
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  vips?: string[];
  /** The `networking.gke.io/load-balancer-ip` annotation. */
  requestedIPs?: string;
}

export function service(f: ServiceFixture): ServiceObject {
  const namespace = f.namespace ?? 'default';
  const spec: NonNullable<ServiceObject['spec']> = {
    type: f.type ?? 'LoadBalancer',
    externalTrafficPolicy: f.etpLocal ? 'Local' : 'Cluster',
    ports: [{ port: 80, protocol: 'TCP' }],
  };
  if (f.loadBalancerClass !== undefined) spec.loadBalancerClass = f.loadBalancerClass;
  if (f.loadBalancerIP !== undefined) spec.loadBalancerIP = f.loadBalancerIP;
  if (f.ipFamilies !== undefined) spec.ipFamilies = f.ipFamilies;
  if (f.ipFamilyPolicy !== undefined) spec.ipFamilyPolicy = f.ipFamilyPolicy;
  const s: ServiceObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: f.name,
      namespace,
      uid: `uid-svc-${namespace}-${f.name}`,
      creationTimestamp: new Date(f.created ?? T0 - 60_000).toISOString(),
    },
    spec,
  };
  if (f.vip !== undefined) s.status = { loadBalancer: { ingress: [{ ip: f.vip }] } };
  if (f.vips !== undefined) s.status = { loadBalancer: { ingress: f.vips.map((ip) => ({ ip })) } };
  if (f.requestedIPs !== undefined)
    s.metadata.annotations = { 'networking.gke.io/load-balancer-ip': f.requestedIPs };
  return s;
}
