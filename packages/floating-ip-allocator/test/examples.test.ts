/**
 * The spec's example clusters (examples/*.yaml at the repository root), read as files and run
 * through the allocator: floating IPs, Service VIPs and next hops behave as the examples say.
 * Node subnets are the node addresses with a /24 prefix (the controller's default).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { allocateServiceVIPs, assignFloatingIPs, inSubnet, selectNextHops } from '../src/index.js';

interface Example {
  cpNodes: string[];
  lbNodes: string[];
  floatingIPs: string[];
  pools: { name: string; addresses: string[] }[];
  controlPlaneVIP: string;
  ingressVIP: string;
  /** peer -> number of service sessions (BGPPeer.sessions, else one per floating IP). */
  peers: Map<string, number>;
}

function load(file: string): Example {
  const path = fileURLToPath(new URL(`../../../examples/${file}`, import.meta.url));
  // biome-ignore lint/suspicious/noExplicitAny: test-only traversal of plain YAML documents
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as any);
  const cluster = docs.find((d) => d.kind === 'Cluster');
  const ngg = docs.find((d) => d.kind === 'NetworkGatewayGroup');
  const bgpPeers = docs.filter((d) => d.kind === 'BGPPeer');
  const lb = cluster.spec.loadBalancer;
  const cpNodes: string[] = cluster.spec.controlPlane.nodePoolSpec.nodes.map(
    (n: { address: string }) => n.address,
  );
  const lbNodes: string[] = lb.nodePoolSpec?.nodes?.map((n: { address: string }) => n.address) ?? cpNodes;
  const floatingIPs: string[] = ngg.spec.floatingIPs;
  const peers = new Map<string, number>(
    bgpPeers.length > 0
      ? bgpPeers.map((p) => [p.metadata.name as string, p.spec.sessions as number])
      : lb.bgpPeers.map((p: { ip: string }) => [p.ip, floatingIPs.length]),
  );
  return {
    cpNodes,
    lbNodes,
    floatingIPs,
    pools: lb.addressPools,
    controlPlaneVIP: lb.vips.controlPlaneVIP,
    ingressVIP: lb.vips.ingressVIP,
    peers,
  };
}

const NOW = Date.parse('2026-11-26T08:00:00Z');

function run(ex: Example) {
  const all = [...new Set([...ex.cpNodes, ...ex.lbNodes])];
  const nodes = all.map((a) => ({
    name: a,
    addresses: [`${a}/24`],
    ready: true,
    loadBalancer: ex.lbNodes.includes(a),
  }));
  const fips = assignFloatingIPs({ floatingIPs: ex.floatingIPs, nodes, now: NOW, graceSeconds: 30 });
  const vips = allocateServiceVIPs({
    pools: ex.pools,
    controlPlaneVIP: ex.controlPlaneVIP,
    ingressVIP: ex.ingressVIP,
    ingressService: 'gke-system/istio-ingress',
    services: [
      { key: 'gke-system/istio-ingress', creationTimestamp: NOW - 9000 },
      { key: 'default/load-balancer-example', creationTimestamp: NOW - 5000 },
      { key: 'default/second', creationTimestamp: NOW - 4000 },
    ],
  });
  const hops = Object.values(vips.allocations).map((vip) =>
    selectNextHops({
      vip,
      lbNodes: ex.lbNodes.map((address) => ({ address, ready: true })),
      peerSessions: [...ex.peers].map(([peer, k]) => ({ peer, sessions: ex.floatingIPs.slice(0, k) })),
      addPath: false,
    }),
  );
  return { fips, vips, hops };
}

describe.each([
  '01-same-peers-for-all-nodes.yaml',
  '02-control-plane-nodes-per-peer.yaml',
  '03-separate-control-and-data-plane.yaml',
])('examples/%s', (file) => {
  const ex = load(file);
  const { fips, vips, hops } = run(ex);

  it('every floating IP lands on a node of its own subnet, different IPs on different nodes', () => {
    expect(fips.unassigned).toEqual({});
    for (const [ip, node] of Object.entries(fips.assignments)) expect(inSubnet(ip, `${node}/24`)).toBe(true);
    expect(new Set(Object.values(fips.assignments)).size).toBe(ex.floatingIPs.length);
  });

  it('Service VIPs come from the pool; ingress gets the ingressVIP; the control-plane VIP is never used', () => {
    expect(vips.poolErrors).toEqual([]);
    expect(vips.allocations['gke-system/istio-ingress']).toBe(ex.ingressVIP);
    expect(Object.values(vips.allocations)).not.toContain(ex.controlPlaneVIP);
    expect(vips.allocations['default/load-balancer-example']).toBe('10.0.0.2');
    expect(vips.allocations['default/second']).toBe('10.0.0.3');
  });

  it('each peer gets distinct load-balancer next hops, one per session', () => {
    for (const sel of hops) {
      for (const [peer, k] of ex.peers) {
        const nh = sel.sessions.filter((s) => s.peer === peer).flatMap((s) => s.nextHops);
        expect(nh).toHaveLength(k);
        for (const h of nh) expect(ex.lbNodes).toContain(h);
        expect(new Set(nh).size).toBe(Math.min(k, ex.lbNodes.length));
      }
    }
  });
});

describe('examples/03: the dedicated load-balancer subnet', () => {
  const ex = load('03-separate-control-and-data-plane.yaml');

  it('never places a floating IP on a control-plane node, even when both LB nodes are down', () => {
    const nodes = [...ex.cpNodes, ...ex.lbNodes].map((a) => ({
      name: a,
      addresses: [`${a}/24`],
      ready: !ex.lbNodes.includes(a),
      notReadySince: NOW - 600_000,
    }));
    const r = assignFloatingIPs({ floatingIPs: ex.floatingIPs, nodes, now: NOW, graceSeconds: 30 });
    expect(r.assignments).toEqual({ '10.0.3.100': null, '10.0.3.101': null });
    expect(r.unassigned['10.0.3.100']).toBe('no ready node in subnet 10.0.3.0/24');
  });

  it('announces only the load-balancer nodes 10.0.3.10/11 as next hops', () => {
    expect(ex.lbNodes).toEqual(['10.0.3.10', '10.0.3.11']);
    expect(ex.peers).toEqual(new Map([['bgppeer1', 2]]));
  });
});
