/**
 * What preflight will do, as a pure function of the Cluster: the nodes it reaches and, for every
 * control-plane node x each of its peers, one step (a session from that node, the VIP announced
 * from it alone) and the nodes that must reach the VIP during that step (all the others).
 */
import { type Cluster, controlPlaneSpeakerConfig, isIPv4, loadBalancerNodeAddresses } from '@bgplb/api-types';
import { parseAllDocuments } from 'yaml';

export interface PreflightNode {
  ip: string;
  /** `{name}` of --exec and what the node's responder answers (default: the address). */
  name: string;
}

export interface PreflightStep {
  /** The control-plane node that opens the session and announces the VIP. */
  node: PreflightNode;
  /** As the node's control-plane speaker will peer with it (controlPlaneSpeakerConfig). */
  peer: { ip: string; asn: number };
  /** Every other cluster node: each connects to VIP:port during the step. */
  observers: PreflightNode[];
}

export interface PreflightPlan {
  vip: string;
  port: number;
  localAsn: number;
  /** Every cluster node, control-plane nodes first, in file order. */
  nodes: PreflightNode[];
  steps: PreflightStep[];
}

export interface PlanOptions {
  /** Names by address (--node-name). */
  nodeNames?: Record<string, string>;
  /** Only this control-plane node's steps (--node-ip). */
  nodeIp?: string;
  /** Addresses of the nodes of NodePool objects given beside the Cluster. */
  nodePoolAddresses?: readonly string[];
}

/** A configuration that preflight cannot run (the message says which flag or field to fix). */
export class PlanError extends Error {}

/**
 * The addresses of `kind: NodePool` documents (`spec.nodes[].address`) of a cluster configuration
 * file: worker pools are cluster nodes too, and must reach the VIP. Documents that are not
 * NodePools, or have no such list, contribute nothing; invalid YAML was refused before.
 */
export function nodePoolAddresses(text: string): string[] {
  const out: string[] = [];
  for (const doc of parseAllDocuments(text)) {
    const obj = doc.toJS() as { kind?: unknown; spec?: { nodes?: unknown } } | null;
    if (obj?.kind !== 'NodePool' || !Array.isArray(obj.spec?.nodes)) continue;
    for (const n of obj.spec.nodes as Array<{ address?: unknown }>) {
      if (typeof n?.address === 'string' && isIPv4(n.address)) out.push(n.address);
    }
  }
  return out;
}

export function planPreflight(cluster: Cluster, options: PlanOptions = {}): PreflightPlan {
  const lb = cluster.spec.loadBalancer;
  // The peers of each control-plane node exactly as its speaker will get them from the Cluster.
  const topology = cluster.spec.controlPlane.nodePoolSpec.nodes.map(({ address }) => {
    const speaker = controlPlaneSpeakerConfig(cluster, address);
    if (!speaker.ok) throw new PlanError(speaker.error);
    return { node: address, peers: speaker.config.peers.map((p) => ({ ip: p.peerIP, asn: p.peerASN })) };
  });
  const names = options.nodeNames ?? {};
  const addresses = [
    ...new Set([
      ...topology.map((t) => t.node),
      ...loadBalancerNodeAddresses(cluster),
      ...(options.nodePoolAddresses ?? []),
    ]),
  ];
  for (const ip of Object.keys(names)) {
    if (!addresses.includes(ip)) {
      throw new PlanError(
        `--node-name ${ip}=${names[ip]}: ${ip} is not a node of the cluster (nodes: ${addresses.join(', ')})`,
      );
    }
  }
  const nodes = addresses.map((ip) => ({ ip, name: names[ip] ?? ip }));
  const seen = new Map<string, string>();
  for (const n of nodes) {
    const other = seen.get(n.name);
    if (other !== undefined)
      throw new PlanError(`--node-name: ${other} and ${n.ip} are both named ${n.name}`);
    seen.set(n.name, n.ip);
  }
  const byIp = new Map(nodes.map((n) => [n.ip, n]));
  let chosen = topology;
  if (options.nodeIp !== undefined) {
    chosen = topology.filter((t) => t.node === options.nodeIp);
    if (chosen.length === 0) {
      throw new PlanError(
        `--node-ip ${options.nodeIp} is not a control-plane node of the cluster (control-plane nodes: ${topology.map((t) => t.node).join(', ')})`,
      );
    }
  }
  const steps = chosen.flatMap((t) => {
    const node = byIp.get(t.node) as PreflightNode;
    const observers = nodes.filter((n) => n.ip !== t.node);
    return t.peers.map((peer) => ({ node, peer, observers }));
  });
  return {
    vip: lb.vips.controlPlaneVIP,
    port: lb.ports.controlPlaneLBPort,
    localAsn: lb.localASN,
    nodes,
    steps,
  };
}

/** `cp1 (10.0.1.10)`, or just the address when the node has no other name. */
export function nodeLabel(node: PreflightNode): string {
  return node.name === node.ip ? node.ip : `${node.name} (${node.ip})`;
}
