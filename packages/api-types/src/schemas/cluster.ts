import { z } from 'zod';
import { CLUSTER_API_VERSION } from '../constants.js';
import { Asn, IPv4Address, ObjectMeta, PoolEntry } from './primitives.js';

/** A node of a node pool; only its address matters to us (other fields are kept). */
export const NodePoolNode = z.looseObject({ address: IPv4Address });
export type NodePoolNode = z.infer<typeof NodePoolNode>;

/** `nodePoolSpec`: the nodes of a pool. */
export const NodePoolSpec = z.looseObject({ nodes: z.array(NodePoolNode) });
export type NodePoolSpec = z.infer<typeof NodePoolSpec>;

/**
 * One control-plane peer. Every control-plane node opens a session to it, or only the nodes listed
 * in `controlPlaneNodes` (by address) when the list is present.
 */
export const ClusterBGPPeer = z.strictObject({
  /** Peer address (IPv4). */
  ip: IPv4Address,
  /** Peer ASN; must differ from `localASN` (eBGP only). */
  asn: Asn,
  /** Addresses of the control-plane nodes that peer with it; absent = all. */
  controlPlaneNodes: z.array(IPv4Address).optional(),
});
export type ClusterBGPPeer = z.infer<typeof ClusterBGPPeer>;

/** A pool of Service VIPs. */
export const AddressPool = z.strictObject({
  name: z.string().min(1),
  /** Entries `10.0.0.1-10.0.0.4` or `10.0.0.0/30`. */
  addresses: z.array(PoolEntry).min(1),
  /** Skip the .0 and .255 addresses of each /24. */
  avoidBuggyIPs: z.boolean().optional(),
  /** Only hand out addresses that a Service asks for explicitly. */
  manualAssign: z.boolean().optional(),
});
export type AddressPool = z.infer<typeof AddressPool>;

/**
 * `spec.loadBalancer` of the Cluster: the part of the Cluster that bgplb reads.
 * Defaults: `mode: bundled`, `type: layer2` (refused by validation: bgplb implements `bgp`),
 * `ports.controlPlaneLBPort: 443`, `addressPools: []`.
 */
export const ClusterLoadBalancer = z.strictObject({
  mode: z.enum(['bundled', 'manual']).default('bundled'),
  type: z.enum(['bgp', 'layer2']).default('layer2'),
  localASN: Asn,
  bgpPeers: z.array(ClusterBGPPeer).min(1),
  ports: z
    .strictObject({ controlPlaneLBPort: z.number().int().min(1).max(65535).default(443) })
    .default({ controlPlaneLBPort: 443 }),
  vips: z.strictObject({
    /** Kubernetes API VIP; must lie outside every address pool. */
    controlPlaneVIP: IPv4Address,
    /** VIP of the ingress Service; must lie inside an address pool. */
    ingressVIP: IPv4Address.optional(),
  }),
  addressPools: z.array(AddressPool).default([]),
  /** Load-balancer nodes (next hops of Service VIPs); absent = the control-plane nodes. */
  nodePoolSpec: NodePoolSpec.optional(),
});
export type ClusterLoadBalancer = z.infer<typeof ClusterLoadBalancer>;

/** `spec` of the Cluster: ours are `clusterNetwork.advancedNetworking`, `controlPlane` and `loadBalancer`. */
export const ClusterSpec = z.looseObject({
  clusterNetwork: z.looseObject({ advancedNetworking: z.boolean().optional() }).optional(),
  controlPlane: z.looseObject({ nodePoolSpec: NodePoolSpec }),
  loadBalancer: ClusterLoadBalancer,
});
export type ClusterSpec = z.infer<typeof ClusterSpec>;

/**
 * `baremetal.cluster.gke.io/v1` Cluster, reduced to what bgplb reads. Every other field is passed
 * through untouched.
 */
export const Cluster = z.looseObject({
  apiVersion: z.literal(CLUSTER_API_VERSION),
  kind: z.literal('Cluster'),
  metadata: ObjectMeta,
  spec: ClusterSpec,
  status: z.looseObject({}).optional(),
});
export type Cluster = z.infer<typeof Cluster>;
