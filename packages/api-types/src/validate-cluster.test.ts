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

  it('needs a Cluster', () => {
    expect(validateClusterObjects({ cluster: undefined, bgpPeers: [] })).toEqual([
      {
        path: '',
        message: 'no Cluster: the networking objects of a cluster are validated against its Cluster',
        severity: 'error',
      },
    ]);
  });

  it('warns when no NetworkGatewayGroup exists, and accepts a cluster without pools', () => {
    const objects = load('02-control-plane-nodes-per-peer.yaml');
    const cluster = structuredClone(objects.cluster) as unknown as {
      spec: { loadBalancer: { addressPools?: unknown; vips: { ingressVIP?: string } } };
    };
    delete cluster.spec.loadBalancer.addressPools;
    delete cluster.spec.loadBalancer.vips.ingressVIP;
    expect(validateClusterObjects({ cluster, bgpPeers: [] })).toEqual([
      {
        path: '',
        message:
          'no NetworkGatewayGroup "default" in namespace cluster-bm: Services get no BGP session until one lists floating IPs',
        severity: 'warning',
        object: 'Cluster/bm',
      },
    ]);
  });

  it('refuses an object of the wrong kind in a slot', () => {
    const objects = load('03-separate-control-and-data-plane.yaml');
    const problems = validateClusterObjects({ ...objects, networkGatewayGroup: objects.bgpLoadBalancer });
    expect(problems[0]).toMatchObject({ path: 'kind', severity: 'error' });
    expect(problems[0]?.message).toBe('kind: expected a NetworkGatewayGroup here, got BGPLoadBalancer');
  });

  it('reports overlapping entries of one pool, VIP clashes and an empty controlPlaneNodes list', () => {
    const objects = load('02-control-plane-nodes-per-peer.yaml');
    const cluster = structuredClone(objects.cluster) as unknown as {
      spec: {
        loadBalancer: {
          addressPools: Array<{ addresses: string[] }>;
          vips: { controlPlaneVIP: string; ingressVIP?: string };
          bgpPeers: Array<{ controlPlaneNodes?: string[] }>;
        };
      };
    };
    const lb = cluster.spec.loadBalancer;
    lb.addressPools[0]!.addresses.push('10.0.0.0/30');
    lb.vips.controlPlaneVIP = '10.0.1.10';
    lb.vips.ingressVIP = '10.0.1.10';
    lb.bgpPeers.push({ ...lb.bgpPeers[0], ip: '10.0.9.254', controlPlaneNodes: [] } as never);
    const messages = validateClusterObjects({ ...objects, cluster }).map(
      (p) => `${p.severity}: ${p.message}`,
    );
    expect(messages).toEqual([
      'warning: spec.loadBalancer.bgpPeers[2].controlPlaneNodes: peer 10.0.9.254 lists no control-plane node, so no node peers with it; remove the empty list to use all nodes',
      'error: spec.loadBalancer.addressPools[0].addresses[1]: 10.0.0.0/30 overlaps 10.0.0.1-10.0.0.4 of an earlier entry of the same pool',
      'error: spec.loadBalancer.vips.controlPlaneVIP: control-plane VIP 10.0.1.10 is the address of a node',
      'error: spec.loadBalancer.vips.ingressVIP: ingress VIP 10.0.1.10 is not inside any address pool ("pool1"); it must be taken from one',
      'error: spec.loadBalancer.vips.ingressVIP: ingress VIP 10.0.1.10 is the same as the control-plane VIP',
    ]);
  });
});
