import { validateAdvertiserConfig } from './advertiser-config-file.js';
import { ref } from './rules/shared.js';
import type { AdvertiserConfig, AdvertiserPeer } from './schemas/advertiser-config.js';
import type { Cluster, ClusterBGPPeer } from './schemas/cluster.js';
import type { DrainSettings } from './schemas/drain-settings.js';

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

/**
 * Everything a control-plane speaker needs, derived from the Cluster for one control-plane node.
 * `config` is what a hand-written `bgpadvertiser --config` file for that node would hold, so the
 * speaker has one config type whichever way it is configured.
 */
export interface ControlPlaneSpeakerConfig {
  /**
   * localIP = the node's address (and localIPOtherFamily when given), localASN, this node's peers
   * (see {@link controlPlanePeers}).
   */
  config: AdvertiserConfig;
  /** `spec.loadBalancer.vips.controlPlaneVIP`: the IP announced as IP/32 (`--advertise-ip`). */
  vip: string;
  /**
   * Every control-plane VIP: `vip`, then `vips.controlPlaneVIPOtherFamily` when set (dual stack;
   * the node announces each with its address of that family, see the advertiser's vipNextHop).
   */
  vips: string[];
  /** The default health check of the VIP: {@link controlPlaneReadyzUrl}. */
  checkUrl: string;
  /** `--on-exit drain`'s settings that the Cluster sets (only those; the advertiser fills in defaults). */
  drain: DrainSettings;
}

/** Result of {@link controlPlaneSpeakerConfig}: the configuration, or why there is none. */
export type ControlPlaneSpeakerResult =
  | ({ ok: true } & ControlPlaneSpeakerConfig)
  | { ok: false; error: string };

const clusterRef = (cluster: Cluster): string => ref('Cluster', cluster.metadata.name);

/**
 * The advertiser configuration of control-plane node `nodeIP` (its address in
 * `spec.controlPlane.nodePoolSpec.nodes`), so that ONE Cluster file serves every control-plane
 * node. `node.localIPOtherFamily` is the node's address of the other family, which the Cluster
 * does not hold (the advertiser finds it on the host): the next hop of the control-plane VIP of
 * that family. Pure. Meant for a Cluster that passed validation; a Cluster that only has the right shape
 * gets the advertiser config file's own rules checked too (eBGP only, no duplicate peer), so an
 * error never reaches a session.
 */
export function controlPlaneSpeakerConfig(
  cluster: Cluster,
  nodeIP: string,
  node: { localIPOtherFamily?: string | undefined } = {},
): ControlPlaneSpeakerResult {
  const lb = cluster.spec.loadBalancer;
  const entry = controlPlanePeers(cluster).find((n) => n.node === nodeIP);
  if (entry === undefined) {
    const nodes = cluster.spec.controlPlane.nodePoolSpec.nodes.map((n) => n.address);
    return {
      ok: false,
      error: `${nodeIP} is not a control-plane node of ${clusterRef(cluster)} (spec.controlPlane.nodePoolSpec.nodes: ${nodes.join(', ')})`,
    };
  }
  if (entry.peers.length === 0) {
    return {
      ok: false,
      error: `control-plane node ${nodeIP} has no BGP peer in ${clusterRef(cluster)}: every entry of spec.loadBalancer.bgpPeers lists controlPlaneNodes and none includes it`,
    };
  }
  const config: AdvertiserConfig = {
    localIP: nodeIP,
    ...(node.localIPOtherFamily !== undefined ? { localIPOtherFamily: node.localIPOtherFamily } : {}),
    localASN: lb.localASN,
    peers: entry.peers.map(advertiserPeer),
  };
  const errors = validateAdvertiserConfig(config).filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const problems = errors.map((p) => p.message).join('; ');
    return {
      ok: false,
      error: `the control-plane peers of node ${nodeIP} in ${clusterRef(cluster)} are not valid: ${problems}`,
    };
  }
  const { controlPlaneVIP, controlPlaneVIPOtherFamily } = lb.vips;
  return {
    ok: true,
    config,
    vip: controlPlaneVIP,
    vips:
      controlPlaneVIPOtherFamily === undefined
        ? [controlPlaneVIP]
        : [controlPlaneVIP, controlPlaneVIPOtherFamily],
    checkUrl: controlPlaneReadyzUrl(cluster),
    drain: clusterDrainSettings(cluster),
  };
}

/** The drain settings set in `spec.loadBalancer` (absent ones left out). */
export function clusterDrainSettings(cluster: Cluster): DrainSettings {
  const { drainDelay, drainMEDIncrease, drainASPathPrepend } = cluster.spec.loadBalancer;
  return {
    ...(drainDelay !== undefined ? { drainDelay } : {}),
    ...(drainMEDIncrease !== undefined ? { drainMEDIncrease } : {}),
    ...(drainASPathPrepend !== undefined ? { drainASPathPrepend } : {}),
  };
}

/** A Cluster peer as the advertiser config file's `peers[]` carries it (no timers: defaults). */
function advertiserPeer(peer: ClusterBGPPeer): AdvertiserPeer {
  const out: AdvertiserPeer = { peerIP: peer.ip, peerASN: peer.asn };
  if (peer.bfd !== undefined) out.bfd = peer.bfd;
  return out;
}

/** Result of {@link localControlPlaneNode}. */
export type LocalNodeResult = { ok: true; node: string } | { ok: false; error: string; candidates: string[] };

/**
 * Which control-plane node this host is: the one node address among `hostAddresses` (the host's
 * IPv4 and global IPv6 addresses). None or several is an error naming the candidates, never a guess: a speaker
 * that picked the wrong node would announce with another node's address as next hop.
 */
export function localControlPlaneNode(cluster: Cluster, hostAddresses: readonly string[]): LocalNodeResult {
  const nodes = cluster.spec.controlPlane.nodePoolSpec.nodes.map((n) => n.address);
  const local = new Set(hostAddresses);
  const mine = nodes.filter((n) => local.has(n));
  if (mine.length === 1) return { ok: true, node: mine[0] as string };
  if (mine.length === 0) {
    const host = hostAddresses.length > 0 ? hostAddresses.join(', ') : 'none';
    return {
      ok: false,
      candidates: nodes,
      error: `none of the control-plane node addresses of ${clusterRef(cluster)} (${nodes.join(', ')}) is an address of this host (its addresses: ${host})`,
    };
  }
  return {
    ok: false,
    candidates: mine,
    error: `several control-plane node addresses of ${clusterRef(cluster)} are addresses of this host (${mine.join(', ')})`,
  };
}
