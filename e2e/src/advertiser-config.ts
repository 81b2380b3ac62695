/**
 * The control-plane advertiser's config file for one control-plane node, derived from the
 * Cluster's load-balancer section exactly as the static pod's config would be: localIP = the node,
 * peers = every `bgpPeers` entry that does not list `controlPlaneNodes` or lists this node, with
 * its `bfd` settings when it has them.
 * Lab timers (hold 9 s, connect retry 1 s) match the ToRs' `timers bgp 3 9`.
 * Used by the netns runner and, as a command, by the containerlab node image:
 *   tsx e2e/src/advertiser-config.ts CLUSTER_YAML NODE_IP > bgpadvertiser.conf
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

interface LoadBalancer {
  localASN: number;
  bgpPeers: { ip: string; asn: number; controlPlaneNodes?: string[]; bfd?: Record<string, unknown> }[];
}

export function advertiserConfig(loadBalancer: LoadBalancer, nodeIP: string): string {
  const peers = loadBalancer.bgpPeers.filter(
    (p) => !p.controlPlaneNodes || p.controlPlaneNodes.includes(nodeIP),
  );
  if (peers.length === 0) throw new Error(`control-plane node ${nodeIP} has no BGP peer in the Cluster`);
  const lines = [
    `localIP: ${nodeIP}`,
    `localASN: ${loadBalancer.localASN}`,
    'holdTime: 9',
    'connectRetryTime: 1',
    'peers:',
    // bfd (an extension) goes with the peer as a flow mapping (JSON is YAML): `bfd: {"minTxMs":300}`.
    ...peers.flatMap((p) => [
      `- peerIP: ${p.ip}`,
      `  peerASN: ${p.asn}`,
      ...(p.bfd !== undefined ? [`  bfd: ${JSON.stringify(p.bfd)}`] : []),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** The load-balancer section of the Cluster in a multi-document cluster configuration. */
export function loadBalancerOf(clusterYaml: string): LoadBalancer {
  const cluster = parseAllDocuments(clusterYaml)
    .map((d) => d.toJS() as { kind?: string; spec?: { loadBalancer?: LoadBalancer } } | null)
    .find((d) => d?.kind === 'Cluster');
  const lb = cluster?.spec?.loadBalancer;
  if (!lb) throw new Error('no Cluster with spec.loadBalancer');
  return lb;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  const [file, nodeIP] = process.argv.slice(2);
  if (!file || !nodeIP) {
    process.stderr.write('usage: advertiser-config.ts CLUSTER_YAML NODE_IP\n');
    process.exit(2);
  }
  process.stdout.write(advertiserConfig(loadBalancerOf(readFileSync(file, 'utf8')), nodeIP));
}
