import { describe, expect, it } from 'vitest';
import { knownKeysAt, similar, suggestKey } from './key-suggestions.js';
import { parseCluster } from './parse.js';
import { misplacedClusterKeys } from './rules/cluster-rules.js';
import { AdvertiserConfig } from './schemas/advertiser-config.js';
import { Cluster } from './schemas/cluster.js';

describe('suggestKey', () => {
  it('places a misplaced key under the same list entry it was found in', () => {
    expect(suggestKey('peerIP', ['spec', 'loadBalancer', 'bgpPeers', 1], Cluster)).toBe(
      'spec.loadBalancer.bgpPeers[1].ip',
    );
    expect(suggestKey('controlPlaneVIP', ['spec', 'loadBalancer'], Cluster)).toBe(
      'spec.loadBalancer.vips.controlPlaneVIP',
    );
    expect(suggestKey('address', ['spec', 'loadBalancer', 'nodePoolSpec'], Cluster)).toBe(
      'spec.loadBalancer.nodePoolSpec.nodes[0].address',
    );
  });

  it('finds a known key of the same mapping within two edits, through lists and defaults', () => {
    expect(suggestKey('peerAsn', ['peers', 0], AdvertiserConfig)).toBe('peers[0].peerASN');
    expect(suggestKey('controlPlaneLBPrt', ['spec', 'loadBalancer', 'ports'], Cluster)).toBe(
      'spec.loadBalancer.ports.controlPlaneLBPort',
    );
    expect(suggestKey('somethingElse', ['spec', 'loadBalancer'], Cluster)).toBeUndefined();
    expect(suggestKey('peerAsn', ['peers', 0], undefined)).toBeUndefined();
  });

  it('knows no keys below a path the schema does not have', () => {
    expect(knownKeysAt(Cluster, ['spec', 'nowhere', 'deeper'])).toEqual([]);
    expect(knownKeysAt(Cluster, ['spec', 'loadBalancer', 'vips'])).toEqual([
      'controlPlaneVIP',
      'controlPlaneVIPOtherFamily',
      'ingressVIP',
    ]);
  });

  it('counts edits case-insensitively and gives up beyond two', () => {
    expect(similar('LOCALASN', 'localASN')).toBe(true);
    expect(similar('peers', 'bgpPeers')).toBe(false);
  });

  it('the misplacement shows in the problem of a parsed Cluster', () => {
    const result = parseCluster({
      apiVersion: 'baremetal.cluster.gke.io/v1',
      kind: 'Cluster',
      metadata: { name: 'bm' },
      spec: {
        controlPlane: { nodePoolSpec: { nodes: [{ address: '10.0.1.10' }] } },
        loadBalancer: {
          type: 'bgp',
          localASN: 65001,
          bgpPeers: [{ ip: '10.0.1.254', asn: 65002, peerASN: 65002 }],
          vips: { controlPlaneVIP: '10.0.0.8' },
        },
      },
    });
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual([
      'spec.loadBalancer.bgpPeers[0].peerASN: unknown field "peerASN" (did you mean `spec.loadBalancer.bgpPeers[0].asn`?)',
    ]);
  });
});

describe('misplacedClusterKeys', () => {
  it("warns about loadBalancer fields under spec, but not about the Cluster's own spec.type", () => {
    const warn = (spec: Record<string, unknown>) =>
      misplacedClusterKeys({ spec }, 'Cluster/bm').map((p) => `${p.severity} ${p.message}`);
    expect(warn({ type: 'hybrid', mode: 'something', controlPlane: {} })).toEqual([]);
    expect(warn({ type: 'bgp', localASN: 65001 })).toEqual([
      'warning spec.localASN: "localASN" is not read here and is ignored (did you mean `spec.loadBalancer.localASN`?)',
      'warning spec.type: "type" is not read here and is ignored (did you mean `spec.loadBalancer.type`?)',
    ]);
    expect(misplacedClusterKeys({ spec: [] }, undefined)).toEqual([]);
  });
});
