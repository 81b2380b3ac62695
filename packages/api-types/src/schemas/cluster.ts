import * as z from 'zod';
import { CLUSTER_API_VERSION } from '../constants.js';
import { DrainSettings } from './drain-settings.js';
import { Asn, BfdSettings, IPAddress, ObjectMeta, PoolEntry, setOf } from './primitives.js';

/** A node of a node pool; only its address matters to us (other fields are kept). */
export const NodePoolNode = z.looseObject({
  address: IPAddress.check(z.describe('Address of the node (IPv4 or IPv6).')),
});
export type NodePoolNode = z.infer<typeof NodePoolNode>;

/** `nodePoolSpec`: the nodes of a pool. */
export const NodePoolSpec = z.looseObject({ nodes: z.array(NodePoolNode).min(1) });
export type NodePoolSpec = z.infer<typeof NodePoolSpec>;

/**
 * One control-plane peer. Every control-plane node opens a session to it, or only the nodes listed
 * in `controlPlaneNodes` (by address) when the list is present.
 */
export const ClusterBGPPeer = z.strictObject({
  /** Peer address, IPv4 or IPv6 (not link-local); the nodes that peer with it need an address of its family. */
  ip: IPAddress.check(
    z.describe(
      'Peer address, IPv4 or IPv6 (not link-local); the control-plane nodes that peer with it must have an address of its family.',
    ),
  ),
  /** Peer ASN; must differ from `localASN` (eBGP only). */
  asn: Asn.check(z.describe('Peer ASN; must differ from `localASN` (eBGP only).')),
  /** Addresses of the control-plane nodes that peer with it; absent = all. */
  controlPlaneNodes: setOf(IPAddress)
    .optional()
    .describe('Addresses of the control-plane nodes that peer with it; absent = all.'),
  /** BFD on the control-plane sessions to this peer (an extension); absent = off. */
  bfd: z.optional(BfdSettings),
});
export type ClusterBGPPeer = z.infer<typeof ClusterBGPPeer>;

/** A pool of Service VIPs. */
export const AddressPool = z.strictObject({
  name: z.string().min(1),
  /** Entries `10.0.0.1-10.0.0.4`, `10.0.0.0/30`, `2001:db8::1-2001:db8::4` or `2001:db8::/120`. */
  addresses: z
    .array(PoolEntry)
    .min(1)
    .describe(
      'Entries `10.0.0.1-10.0.0.4`, `10.0.0.0/30`, `2001:db8::1-2001:db8::4` or `2001:db8::/120`; IPv4 and IPv6 may be mixed.',
    ),
  /** Skip the .0 and .255 addresses of each /24. */
  avoidBuggyIPs: z.boolean().optional().describe('Skip the .0 and .255 addresses of each /24.'),
  /** Only hand out addresses that a Service asks for explicitly. */
  manualAssign: z
    .boolean()
    .optional()
    .describe('Only hand out addresses that a Service asks for explicitly.'),
  /**
   * Extension: also hand out IPv6 subnet-router anycast addresses (the all-zero host of the entry's
   * network and of every /64), which are skipped by default.
   */
  allowSubnetRouterAnycast: z
    .boolean()
    .optional()
    .describe(
      'Extension: also hand out IPv6 subnet-router anycast addresses (all-zero host of the entry and of each /64); skipped by default.',
    ),
});
export type AddressPool = z.infer<typeof AddressPool>;

/**
 * `spec.loadBalancer` of the Cluster: the part of the Cluster that bgplb reads.
 * Defaults: `mode: bundled`, `type: layer2` (refused by validation: bgplb implements `bgp`),
 * `ports.controlPlaneLBPort: 443`, `addressPools: []`.
 */
export const ClusterLoadBalancer = z.strictObject({
  mode: z
    .enum(['bundled', 'manual'])
    .default('bundled')
    .describe('Must be bundled: bgplb is the bundled load balancer.'),
  type: z
    .enum(['bgp', 'layer2'])
    .default('layer2')
    .describe('Must be bgp. Defaults to layer2, which bgplb refuses, so set it explicitly.'),
  localASN: Asn.check(z.describe('AS number of the cluster (1..4294967294, not 23456 or 65535).')),
  bgpPeers: z
    .array(ClusterBGPPeer)
    .min(1)
    .describe('Control-plane peers; every control-plane node needs at least one.'),
  ports: z
    .strictObject({
      controlPlaneLBPort: z
        .number()
        .int()
        .min(1)
        .max(65535)
        .default(443)
        .describe('Port of the Kubernetes API VIP.'),
    })
    .default({ controlPlaneLBPort: 443 }),
  vips: z.strictObject({
    /** Kubernetes API VIP, IPv4 or IPv6; must lie outside every address pool. */
    controlPlaneVIP: IPAddress.check(
      z.describe('Kubernetes API VIP, IPv4 or IPv6; must lie outside every address pool.'),
    ),
    /**
     * Extension (dual stack): the Kubernetes API VIP of the other family than `controlPlaneVIP`,
     * announced by the control-plane nodes that have an address of its family.
     */
    controlPlaneVIPOtherFamily: z
      .optional(IPAddress)
      .describe(
        'Extension (dual stack): the Kubernetes API VIP of the other family than controlPlaneVIP; announced by the control-plane nodes with an address of its family; outside every pool.',
      ),
    /** VIP of the ingress Service; must lie inside an address pool. */
    ingressVIP: z
      .optional(IPAddress)
      .describe('VIP of the ingress Service; must lie inside an address pool.'),
  }),
  addressPools: z.array(AddressPool).default([]).describe('Pools of Service VIPs; entries may not overlap.'),
  /** Load-balancer nodes (next hops of Service VIPs); absent = the control-plane nodes. */
  nodePoolSpec: NodePoolSpec.optional().describe(
    'Load-balancer nodes (next hops of Service VIPs); absent = the control-plane nodes.',
  ),
  // Extension: the control-plane advertiser's `--on-exit drain` (its flags override these).
  drainDelay: DrainSettings.shape.drainDelay.check(
    z.describe(
      "Extension: seconds a control-plane advertiser stopping with --on-exit drain keeps announcing the control-plane VIP with GRACEFUL_SHUTDOWN before withdrawing it (default 15; 0 withdraws at once). The node's termination grace period must exceed it.",
    ),
  ),
  drainMEDIncrease: DrainSettings.shape.drainMEDIncrease.check(
    z.describe(
      'Extension: --on-exit drain adds this to the MED of the control-plane VIP, for routers without a graceful-shutdown policy (default 0).',
    ),
  ),
  drainASPathPrepend: DrainSettings.shape.drainASPathPrepend.check(
    z.describe(
      'Extension: --on-exit drain prepends our AS this many more times to the control-plane VIP, for the same routers (default 0).',
    ),
  ),
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
