import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseClusterObjects, validateClusterObjects } from './validate-cluster.js';

const examples = new URL('../../../examples/', import.meta.url);

function load(name: string) {
  const docs = parseAllDocuments(readFileSync(new URL(name, examples), 'utf8')).map(
    (d) => d.toJS() as { kind: string },
  );
  const of = (kind: string) => docs.filter((d) => d.kind === kind);
  return {
    cluster: of('Cluster')[0],
    networkGatewayGroup: of('NetworkGatewayGroup')[0],
    bgpLoadBalancer: of('BGPLoadBalancer')[0],
    bgpPeers: of('BGPPeer'),
  };
}

describe('validateClusterObjects', () => {
  it.each([
    '01-same-peers-for-all-nodes.yaml',
    '02-control-plane-nodes-per-peer.yaml',
    '03-separate-control-and-data-plane.yaml',
  ])('accepts example %s without any problem', (name) => {
    expect(validateClusterObjects(load(name))).toEqual([]);
  });

  it('applies defaults', () => {
    const objects = load('01-same-peers-for-all-nodes.yaml');
    const cluster = structuredClone(objects.cluster) as unknown as {
      spec: { loadBalancer: Record<string, unknown> };
    };
    delete cluster.spec.loadBalancer.ports;
    const parsed = parseClusterObjects({ ...objects, cluster });
    expect(parsed.cluster?.spec.loadBalancer.ports.controlPlaneLBPort).toBe(443);
    const peers = parseClusterObjects(load('03-separate-control-and-data-plane.yaml')).bgpPeers;
    expect(peers[0]?.spec.sessions).toBe(2);
  });

  it('refuses an iBGP peer with the field path and both ASNs', () => {
    const objects = load('01-same-peers-for-all-nodes.yaml');
    const cluster = structuredClone(objects.cluster) as unknown as {
      spec: { loadBalancer: { bgpPeers: Array<{ asn: number }> } };
    };
    cluster.spec.loadBalancer.bgpPeers[1]!.asn = 65001;
    expect(validateClusterObjects({ ...objects, cluster })).toEqual([
      {
        path: 'spec.loadBalancer.bgpPeers[1].asn',
        message:
          'spec.loadBalancer.bgpPeers[1].asn: peer ASN 65001 equals localASN 65001: bgplb peers over eBGP only, iBGP is not supported',
        severity: 'error',
        object: 'Cluster/bm',
      },
    ]);
  });
});
