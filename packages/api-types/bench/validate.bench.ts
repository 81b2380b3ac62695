// Validation speed: the controller validates the cluster's objects on every change, and
// `bgpadvertiser validate` validates files before anything is touched.
// Run: pnpm --filter @bgplb/api-types bench
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { parseAllDocuments } from 'yaml';
import { validateClusterObjects, validateText } from '../src/index.js';

const example = readFileSync(
  new URL('../../../examples/03-separate-control-and-data-plane.yaml', import.meta.url),
  'utf8',
);
const docs = parseAllDocuments(example).map((d) => d.toJS() as { kind: string });
const of = (kind: string) => docs.filter((d) => d.kind === kind);

/** A large cluster: 200 control-plane nodes, 1000 pool entries, 50 floating IPs, 500 BGPPeers. */
function largeCluster(): string {
  const cluster = structuredClone(of('Cluster')[0]) as unknown as {
    spec: {
      controlPlane: { nodePoolSpec: { nodes: Array<{ address: string }> } };
      loadBalancer: { bgpPeers: unknown[]; addressPools: Array<{ name: string; addresses: string[] }> };
    };
  };
  cluster.spec.controlPlane.nodePoolSpec.nodes = Array.from({ length: 200 }, (_, i) => ({
    address: `10.1.${i >> 8}.${i & 255}`,
  }));
  cluster.spec.loadBalancer.bgpPeers = [{ ip: '10.0.1.254', asn: 65002 }];
  cluster.spec.loadBalancer.addressPools = Array.from({ length: 100 }, (_, p) => ({
    name: `pool${p}`,
    addresses: Array.from({ length: 10 }, (_, a) => {
      const n = p * 10 + a;
      return p === 0 && a === 0 ? '10.0.0.0/30' : `10.2.${n >> 6}.${(n & 63) * 4}/30`;
    }),
  }));
  const ngg = structuredClone(of('NetworkGatewayGroup')[0]) as unknown as { spec: { floatingIPs: string[] } };
  ngg.spec.floatingIPs = Array.from({ length: 50 }, (_, i) => `10.0.3.${100 + i}`);
  const peers = Array.from({ length: 500 }, (_, i) => ({
    ...(of('BGPPeer')[0] as object),
    metadata: {
      name: `peer${i}`,
      namespace: 'cluster-bm',
      labels: { 'cluster.baremetal.gke.io/default-peer': 'true' },
    },
    spec: { localASN: 65001, peerASN: 65002, peerIP: `10.3.${i >> 8}.${i & 255}`, sessions: 2 },
  }));
  // JSON is YAML: one document per object.
  return [cluster, ngg, of('BGPLoadBalancer')[0], ...peers].map((o) => JSON.stringify(o)).join('\n---\n');
}

const large = largeCluster();
const largeResult = validateText(large, 'large.yaml');
if (!largeResult.ok) throw new Error(`large config invalid: ${largeResult.problems[0]?.message}`);
const largeObjects = parseAllDocuments(large).map((d) => d.toJS() as { kind: string });
const apiInput = {
  cluster: largeObjects[0],
  networkGatewayGroup: largeObjects[1],
  bgpLoadBalancer: largeObjects[2],
  bgpPeers: largeObjects.slice(3),
};

const bench = new Bench({ time: 2000 });
bench
  .add('validateText: example 03 (4 objects)', () => validateText(example))
  .add('validateClusterObjects: example 03', () =>
    validateClusterObjects({
      cluster: of('Cluster')[0],
      networkGatewayGroup: of('NetworkGatewayGroup')[0],
      bgpLoadBalancer: of('BGPLoadBalancer')[0],
      bgpPeers: of('BGPPeer'),
    }),
  )
  .add('validateText: large (200 nodes, 1000 pool entries, 500 BGPPeers)', () => validateText(large))
  .add('validateClusterObjects: large', () => validateClusterObjects(apiInput));
await bench.run();
console.table(bench.table());
