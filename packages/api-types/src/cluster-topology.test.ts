import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  controlPlanePeers,
  controlPlaneReadyzUrl,
  controlPlaneSpeakerConfig,
  loadBalancerNodeAddresses,
  localControlPlaneNode,
} from './cluster-topology.js';
import type { Cluster, ClusterBGPPeer } from './schemas/cluster.js';
import { validateText } from './validate-files.js';

const examples = new URL('../../../examples/', import.meta.url);
const cluster = (name: string) => {
  const result = validateText(readFileSync(new URL(name, examples), 'utf8'));
  const parsed = result.configs[0]?.cluster;
  if (parsed === undefined) throw new Error(`${name} has no cluster`);
  return parsed;
};

describe('controlPlanePeers', () => {
  it('gives every node every peer when no peer lists controlPlaneNodes (example 01)', () => {
    expect(
      controlPlanePeers(cluster('01-same-peers-for-all-nodes.yaml')).map((n) => [
        n.node,
        n.peers.map((p) => p.ip),
      ]),
    ).toEqual([
      ['10.0.1.10', ['10.8.0.10', '10.8.0.11']],
      ['10.0.1.11', ['10.8.0.10', '10.8.0.11']],
      ['10.0.2.10', ['10.8.0.10', '10.8.0.11']],
    ]);
  });

  it('honours controlPlaneNodes (example 02)', () => {
    expect(
      controlPlanePeers(cluster('02-control-plane-nodes-per-peer.yaml')).map((n) => [
        n.node,
        n.peers.map((p) => p.ip),
      ]),
    ).toEqual([
      ['10.0.1.10', ['10.0.1.254']],
      ['10.0.1.11', ['10.0.1.254']],
      ['10.0.2.10', ['10.0.2.254']],
    ]);
  });

  it('uses the load-balancer node pool, else the control-plane nodes', () => {
    expect(loadBalancerNodeAddresses(cluster('02-control-plane-nodes-per-peer.yaml'))).toEqual([
      '10.0.1.10',
      '10.0.1.11',
      '10.0.2.10',
    ]);
    expect(loadBalancerNodeAddresses(cluster('03-separate-control-and-data-plane.yaml'))).toEqual([
      '10.0.3.10',
      '10.0.3.11',
    ]);
  });
});

describe('controlPlaneReadyzUrl', () => {
  it('checks /readyz on the loopback at ports.controlPlaneLBPort (default 443)', () => {
    const c = cluster('01-same-peers-for-all-nodes.yaml');
    expect(controlPlaneReadyzUrl(c)).toBe('https://127.0.0.1:443/readyz');
    const ports = { controlPlaneLBPort: 6443 };
    expect(
      controlPlaneReadyzUrl({ ...c, spec: { ...c.spec, loadBalancer: { ...c.spec.loadBalancer, ports } } }),
    ).toBe('https://127.0.0.1:6443/readyz');
  });
});

/** Example 02 with other control-plane peers (a shape-valid Cluster, not necessarily a valid one). */
const withPeers = (bgpPeers: ClusterBGPPeer[], patch: Partial<Cluster['spec']['loadBalancer']> = {}) => {
  const c = cluster('02-control-plane-nodes-per-peer.yaml');
  return { ...c, spec: { ...c.spec, loadBalancer: { ...c.spec.loadBalancer, bgpPeers, ...patch } } };
};

describe('controlPlaneSpeakerConfig', () => {
  it('dual stack: vips lists controlPlaneVIP, then controlPlaneVIPOtherFamily', () => {
    const c = cluster('02-control-plane-nodes-per-peer.yaml');
    c.spec.loadBalancer.vips.controlPlaneVIPOtherFamily = '2001:db8::8';
    const derived = controlPlaneSpeakerConfig(c, '10.0.1.10');
    expect(derived.ok && derived.vips).toEqual(['10.0.0.8', '2001:db8::8']);
  });

  it("dual stack: the node's address of the other family (found on its host) becomes localIPOtherFamily", () => {
    const c = cluster('02-control-plane-nodes-per-peer.yaml');
    c.spec.loadBalancer.vips.controlPlaneVIPOtherFamily = '2001:db8::8';
    const derived = controlPlaneSpeakerConfig(c, '10.0.1.10', { localIPOtherFamily: '2001:db8:1::10' });
    expect(derived.ok && derived.config).toEqual({
      localIP: '10.0.1.10',
      localIPOtherFamily: '2001:db8:1::10',
      localASN: 65001,
      peers: [{ peerIP: '10.0.1.254', peerASN: 65002 }],
    });
    // The advertiser config's own rules hold: it must be of the other family.
    expect(controlPlaneSpeakerConfig(c, '10.0.1.10', { localIPOtherFamily: '10.0.1.99' })).toEqual({
      ok: false,
      error:
        "the control-plane peers of node 10.0.1.10 in Cluster/bm are not valid: localIPOtherFamily: localIPOtherFamily 10.0.1.99 (IPv4) is of the same family as localIP 10.0.1.10: it is this node's address of the other family",
    });
  });

  it('derives each node of example 02 its own advertiser config, VIP and health check', () => {
    const c = cluster('02-control-plane-nodes-per-peer.yaml');
    expect(controlPlaneSpeakerConfig(c, '10.0.1.11')).toEqual({
      ok: true,
      config: { localIP: '10.0.1.11', localASN: 65001, peers: [{ peerIP: '10.0.1.254', peerASN: 65002 }] },
      vip: '10.0.0.8',
      vips: ['10.0.0.8'],
      checkUrl: 'https://127.0.0.1:443/readyz',
      drain: {},
    });
    const third = controlPlaneSpeakerConfig(c, '10.0.2.10');
    expect(third.ok && third.config).toEqual({
      localIP: '10.0.2.10',
      localASN: 65001,
      peers: [{ peerIP: '10.0.2.254', peerASN: 65002 }],
    });
  });

  it("carries the Cluster's drain settings for --on-exit drain, only those that are set", () => {
    const c = cluster('02-control-plane-nodes-per-peer.yaml');
    const lb = { ...c.spec.loadBalancer, drainDelay: 30, drainASPathPrepend: 2 };
    const derived = controlPlaneSpeakerConfig({ ...c, spec: { ...c.spec, loadBalancer: lb } }, '10.0.1.11');
    expect(derived.ok && derived.drain).toEqual({ drainDelay: 30, drainASPathPrepend: 2 });
    const zero = { ...c.spec.loadBalancer, drainDelay: 0, drainMEDIncrease: 0 };
    const none = controlPlaneSpeakerConfig({ ...c, spec: { ...c.spec, loadBalancer: zero } }, '10.0.1.11');
    expect(none.ok && none.drain).toEqual({ drainDelay: 0, drainMEDIncrease: 0 });
  });

  it('gives every node every peer without controlPlaneNodes (example 01), bfd carried over', () => {
    const c = cluster('01-same-peers-for-all-nodes.yaml');
    const lb = c.spec.loadBalancer;
    const bgpPeers = lb.bgpPeers.map((p, i) =>
      i === 0 ? { ...p, bfd: { minTxMs: 100, multiplier: 5 } } : p,
    );
    const derived = controlPlaneSpeakerConfig(
      { ...c, spec: { ...c.spec, loadBalancer: { ...lb, bgpPeers, ports: { controlPlaneLBPort: 6443 } } } },
      '10.0.1.10',
    );
    expect(derived.ok && derived.config.peers).toEqual([
      { peerIP: '10.8.0.10', peerASN: lb.bgpPeers[0]?.asn, bfd: { minTxMs: 100, multiplier: 5 } },
      { peerIP: '10.8.0.11', peerASN: lb.bgpPeers[1]?.asn },
    ]);
    expect(derived.ok && derived.checkUrl).toBe('https://127.0.0.1:6443/readyz');
  });

  it('refuses a node that is not a control-plane node, listing the nodes', () => {
    expect(controlPlaneSpeakerConfig(cluster('02-control-plane-nodes-per-peer.yaml'), '10.0.9.9')).toEqual({
      ok: false,
      error:
        '10.0.9.9 is not a control-plane node of Cluster/bm (spec.controlPlane.nodePoolSpec.nodes: 10.0.1.10, 10.0.1.11, 10.0.2.10)',
    });
  });

  it('refuses a node that no peer lists', () => {
    const c = withPeers([{ ip: '10.0.1.254', asn: 65002, controlPlaneNodes: ['10.0.1.10', '10.0.1.11'] }]);
    expect(controlPlaneSpeakerConfig(c, '10.0.2.10')).toEqual({
      ok: false,
      error:
        'control-plane node 10.0.2.10 has no BGP peer in Cluster/bm: every entry of spec.loadBalancer.bgpPeers lists controlPlaneNodes and none includes it',
    });
    expect(controlPlaneSpeakerConfig(c, '10.0.1.10').ok).toBe(true);
  });

  it('checks the advertiser rules on a Cluster that skipped validation (iBGP, duplicate peer)', () => {
    const ibgp = controlPlaneSpeakerConfig(withPeers([{ ip: '10.0.1.254', asn: 65001 }]), '10.0.1.10');
    expect(ibgp).toEqual({
      ok: false,
      error:
        'the control-plane peers of node 10.0.1.10 in Cluster/bm are not valid: peers[0].peerASN: peerASN 65001 equals localASN 65001: bgplb peers over eBGP only, iBGP is not supported',
    });
    const twice = controlPlaneSpeakerConfig(
      withPeers([
        { ip: '10.0.1.254', asn: 65002 },
        { ip: '10.0.1.254', asn: 65003 },
      ]),
      '10.0.1.10',
    );
    expect(twice.ok || twice.error).toMatch(/duplicate peer IP 10\.0\.1\.254 \(already at peers\[0\]\)$/);
  });
});

describe('localControlPlaneNode', () => {
  const c = cluster('02-control-plane-nodes-per-peer.yaml');

  it('finds the one node address among the host addresses', () => {
    expect(localControlPlaneNode(c, ['127.0.0.1', '10.0.1.11', '172.17.0.1'])).toEqual({
      ok: true,
      node: '10.0.1.11',
    });
  });

  it('refuses to guess when no node address is local, naming the nodes and the host addresses', () => {
    expect(localControlPlaneNode(c, ['127.0.0.1', '192.168.1.5'])).toEqual({
      ok: false,
      candidates: ['10.0.1.10', '10.0.1.11', '10.0.2.10'],
      error:
        'none of the control-plane node addresses of Cluster/bm (10.0.1.10, 10.0.1.11, 10.0.2.10) is an address of this host (its addresses: 127.0.0.1, 192.168.1.5)',
    });
    const none = localControlPlaneNode(c, []);
    expect(none.ok || none.error).toMatch(/\(its addresses: none\)$/);
  });

  it('refuses to guess when several node addresses are local', () => {
    expect(localControlPlaneNode(c, ['10.0.2.10', '10.0.1.10'])).toEqual({
      ok: false,
      candidates: ['10.0.1.10', '10.0.2.10'],
      error:
        'several control-plane node addresses of Cluster/bm are addresses of this host (10.0.1.10, 10.0.2.10)',
    });
  });
});
