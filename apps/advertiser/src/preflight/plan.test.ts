import { readFileSync } from 'node:fs';
import { parseCluster } from '@bgplb/api-types';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { nodeLabel, nodePoolAddresses, PlanError, planPreflight } from './plan.js';

const example = (n: string) =>
  readFileSync(new URL(`../../../../examples/${n}.yaml`, import.meta.url), 'utf8');

function clusterOf(text: string) {
  const r = parseCluster(parse(text.split('\n---\n')[0] as string));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.value;
}

describe('planPreflight', () => {
  it('one step per control-plane node x its peers; every other node observes', () => {
    const plan = planPreflight(clusterOf(example('02-control-plane-nodes-per-peer')), {
      nodeNames: { '10.0.1.10': 'cp1', '10.0.1.11': 'cp2', '10.0.2.10': 'cp3' },
      nodePoolAddresses: ['10.0.3.10', '10.0.1.10'],
    });
    expect(plan).toMatchObject({ vip: '10.0.0.8', port: 443, localAsn: 65001 });
    expect(plan.nodes.map((n) => n.name)).toEqual(['cp1', 'cp2', 'cp3', '10.0.3.10']);
    expect(
      plan.steps.map((s) => `${s.node.name}>${s.peer.ip}:${s.observers.map((o) => o.name).join(',')}`),
    ).toEqual([
      'cp1>10.0.1.254:cp2,cp3,10.0.3.10',
      'cp2>10.0.1.254:cp1,cp3,10.0.3.10',
      'cp3>10.0.2.254:cp1,cp2,10.0.3.10',
    ]);
  });

  it('every peer for every node without controlPlaneNodes; --node-ip keeps one node', () => {
    const cluster = clusterOf(example('01-same-peers-for-all-nodes'));
    expect(planPreflight(cluster).steps).toHaveLength(6);
    const one = planPreflight(cluster, { nodeIp: '10.0.2.10' });
    expect(one.steps.map((s) => `${s.node.ip}>${s.peer.ip}`)).toEqual([
      '10.0.2.10>10.8.0.10',
      '10.0.2.10>10.8.0.11',
    ]);
    expect(one.steps[0]?.observers.map(nodeLabel)).toEqual(['10.0.1.10', '10.0.1.11']);
  });

  it('refuses names and nodes that do not fit the cluster', () => {
    const cluster = clusterOf(example('01-same-peers-for-all-nodes'));
    expect(() => planPreflight(cluster, { nodeIp: '10.9.9.9' })).toThrow(
      new PlanError(
        '--node-ip 10.9.9.9 is not a control-plane node of the cluster (control-plane nodes: 10.0.1.10, 10.0.1.11, 10.0.2.10)',
      ),
    );
    expect(() => planPreflight(cluster, { nodeNames: { '10.9.9.9': 'x' } })).toThrow(
      '--node-name 10.9.9.9=x: 10.9.9.9 is not a node of the cluster',
    );
    expect(() => planPreflight(cluster, { nodeNames: { '10.0.1.10': 'a', '10.0.1.11': 'a' } })).toThrow(
      '--node-name: 10.0.1.10 and 10.0.1.11 are both named a',
    );
  });

  it('takes the peers from the speaker config of each node, and says why a node has none', () => {
    const text = example('02-control-plane-nodes-per-peer').replace(
      '      controlPlaneNodes:\n      - 10.0.2.10',
      '      controlPlaneNodes:\n      - 10.0.1.10',
    );
    expect(() => planPreflight(clusterOf(text))).toThrow(
      'control-plane node 10.0.2.10 has no BGP peer in Cluster/bm: every entry of spec.loadBalancer.bgpPeers lists controlPlaneNodes and none includes it',
    );
  });
});

describe('nodePoolAddresses', () => {
  it('takes spec.nodes[].address of NodePool documents only', () => {
    const text = `kind: NodePool
spec:
  nodes:
  - address: 10.0.3.10
  - address: not-an-ip
  - {}
---
kind: Cluster
spec:
  nodes:
  - address: 10.0.9.9
---
kind: NodePool
spec: {}
`;
    expect(nodePoolAddresses(text)).toEqual(['10.0.3.10']);
  });
});

describe('nodeLabel', () => {
  it('names a node by name and address, or by address alone', () => {
    expect(nodeLabel({ ip: '10.0.1.10', name: 'cp1' })).toBe('cp1 (10.0.1.10)');
    expect(nodeLabel({ ip: '10.0.1.10', name: '10.0.1.10' })).toBe('10.0.1.10');
  });
});
