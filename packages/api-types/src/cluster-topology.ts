import type { Cluster, ClusterBGPPeer } from './schemas/cluster.js';

/** The control-plane peers of one control-plane node. */
export interface ControlPlaneNodePeers {
  /** The node's address (`spec.controlPlane.nodePoolSpec.nodes[].address`). */
  node: string;
  /** Peers this node opens a session to: those without `controlPlaneNodes`, plus those listing it. */
  peers: ClusterBGPPeer[];
}

/**
 * Which control-plane node peers with which peer: every peer applies to all control-plane nodes,
 * unless it lists `controlPlaneNodes`, in which case only to those. In node order.
 */
export function controlPlanePeers(cluster: Cluster): ControlPlaneNodePeers[] {
  const { bgpPeers } = cluster.spec.loadBalancer;
  return cluster.spec.controlPlane.nodePoolSpec.nodes.map(({ address }) => ({
    node: address,
    peers: bgpPeers.filter((p) => p.controlPlaneNodes === undefined || p.controlPlaneNodes.includes(address)),
  }));
}

/**
 * The health check of the control-plane VIP for a speaker on a control-plane node:
 * `https://127.0.0.1:<spec.loadBalancer.ports.controlPlaneLBPort>/readyz` (the API server behind
 * the VIP answers on that port on every control-plane node). The default `--check-url` wherever
 * the advertiser takes its configuration from the Cluster, and the port preflight's probe gets.
 */
export function controlPlaneReadyzUrl(cluster: Cluster): string {
  return `https://127.0.0.1:${cluster.spec.loadBalancer.ports.controlPlaneLBPort}/readyz`;
}

/** Addresses of the load-balancer nodes: `loadBalancer.nodePoolSpec.nodes`, else the control-plane nodes. */
export function loadBalancerNodeAddresses(cluster: Cluster): string[] {
  const nodes = cluster.spec.loadBalancer.nodePoolSpec?.nodes ?? cluster.spec.controlPlane.nodePoolSpec.nodes;
  return nodes.map((n) => n.address);
}
