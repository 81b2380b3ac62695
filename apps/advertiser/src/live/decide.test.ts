import { validateClusterObjects } from '@bgplb/api-types';
import { describe, expect, it } from 'vitest';
import type { HostAddress } from '../shared/host-addresses.js';
import { decideFromCluster, sameSpeakerConfig } from './decide.js';
import { exampleCluster } from './test-cluster.js';

/** This node by `--node-ip`, on a host with `addresses` (none: nothing found on the host). */
const at = (nodeIp: string, addresses: HostAddress[] = []) => ({ nodeIp, hostAddresses: () => addresses });

describe('decideFromCluster', () => {
  it("derives a node's peers, VIP and check URL from example 02, with the API server's metadata and status", () => {
    const cluster = exampleCluster();
    cluster.metadata = {
      ...cluster.metadata,
      uid: '5f0c',
      resourceVersion: '42',
      generation: 3,
      managedFields: [{ manager: 'kubectl' }],
    };
    cluster.status = { conditions: [{ type: 'BGPConfigRefused', status: 'False' }] };
    const d = decideFromCluster(cluster, at('10.0.2.10'));
    expect(d).toEqual({
      ok: true,
      warnings: [],
      node: '10.0.2.10',
      unannounced: {},
      config: { localIP: '10.0.2.10', localASN: 65001, peers: [{ peerIP: '10.0.2.254', peerASN: 65002 }] },
      vip: '10.0.0.8',
      vips: ['10.0.0.8'],
      checkUrl: 'https://127.0.0.1:443/readyz',
      drain: {},
    });
  });

  it("carries the Cluster's drain settings; a bad one refuses the change with validate's message", () => {
    const cluster = exampleCluster();
    cluster.spec.loadBalancer.drainDelay = 40;
    cluster.spec.loadBalancer.drainMEDIncrease = 500;
    const d = decideFromCluster(cluster, at('10.0.2.10'));
    expect(d.ok && d.drain).toEqual({ drainDelay: 40, drainMEDIncrease: 500 });
    cluster.spec.loadBalancer.drainDelay = -5;
    expect(decideFromCluster(cluster, at('10.0.2.10'))).toEqual({
      ok: false,
      problems: ['spec.loadBalancer.drainDelay: -5 is below the minimum 0'],
    });
  });

  it('refuses a Cluster that leaves a control-plane node without a peer, on every node', () => {
    const cluster = exampleCluster();
    cluster.spec.loadBalancer.bgpPeers[1].controlPlaneNodes = ['10.0.1.11'];
    const message =
      'control-plane node 10.0.2.10 has no BGP peer: every entry of spec.loadBalancer.bgpPeers lists controlPlaneNodes and none includes it';
    for (const node of ['10.0.1.10', '10.0.2.10']) {
      const d = decideFromCluster(cluster, at(node));
      expect(d.ok).toBe(false);
      expect(!d.ok && d.problems.some((p) => p.endsWith(message))).toBe(true);
    }
  });

  it('refuses a typo with the same message as bgpadvertiser validate', () => {
    const cluster = exampleCluster();
    cluster.spec.loadBalancer.bgpPeers[0].asn = 'sixty-five-thousand';
    const d = decideFromCluster(cluster, at('10.0.1.10'));
    expect(d).toEqual({
      ok: false,
      problems: [
        'spec.loadBalancer.bgpPeers[0].asn: expected a number, got the string "sixty-five-thousand"',
      ],
    });
    // The validator the controller and `bgpadvertiser validate` use says the same.
    const errors = validateClusterObjects({ cluster, bgpPeers: [] }).filter((p) => p.severity === 'error');
    expect(!d.ok && d.problems).toEqual(errors.map((p) => p.message));
  });

  it('refuses a node that is not a control-plane node of the Cluster', () => {
    const d = decideFromCluster(exampleCluster(), at('10.0.1.99'));
    expect(d).toEqual({
      ok: false,
      problems: [
        '10.0.1.99 is not a control-plane node of Cluster/bm (spec.controlPlane.nodePoolSpec.nodes: 10.0.1.10, 10.0.1.11, 10.0.2.10)',
      ],
    });
  });

  it("finds this node among the host's addresses, and refuses none or several", () => {
    const host = (addresses: string[]) => ({
      hostAddresses: () => addresses.map((ip) => ({ ifname: ip === '127.0.0.1' ? 'lo' : 'eth0', ip })),
    });
    const d = decideFromCluster(exampleCluster(), host(['127.0.0.1', '10.0.1.11']));
    expect(d.ok && d.node).toBe('10.0.1.11');
    const none = decideFromCluster(exampleCluster(), host(['127.0.0.1']));
    expect(none).toEqual({
      ok: false,
      problems: [
        'none of the control-plane node addresses of Cluster/bm (10.0.1.10, 10.0.1.11, 10.0.2.10) is an address of this host (its addresses: 127.0.0.1); pass --node-ip',
      ],
    });
    expect(decideFromCluster(exampleCluster(), host(['10.0.1.10', '10.0.1.11'])).ok).toBe(false);
  });

  it('refuses a new control-plane VIP while another one is announced', () => {
    const cluster = exampleCluster();
    cluster.spec.loadBalancer.vips.controlPlaneVIP = '10.0.0.9';
    expect(decideFromCluster(cluster, at('10.0.1.10'), ['10.0.0.8'])).toEqual({
      ok: false,
      problems: [
        'spec.loadBalancer.vips.controlPlaneVIP: changed from 10.0.0.8 to 10.0.0.9; the running advertiser keeps announcing 10.0.0.8 (restart it to announce 10.0.0.9)',
      ],
    });
    expect(decideFromCluster(cluster, at('10.0.1.10'), ['10.0.0.9']).ok).toBe(true);
  });

  it('dual stack: both VIPs derived; adding, changing or removing the other-family VIP is refused while running', () => {
    // Example 02 with its third node (and that node's peer) IPv6: it announces the IPv6 VIP.
    const dual = () => {
      const c = exampleCluster();
      c.spec.controlPlane.nodePoolSpec.nodes[2] = { address: '2001:db8:2::10' };
      c.spec.loadBalancer.bgpPeers[1] = {
        ip: '2001:db8:2::fe',
        asn: 65002,
        controlPlaneNodes: ['2001:db8:2::10'],
      };
      return c;
    };
    const cluster = dual();
    cluster.spec.loadBalancer.vips.controlPlaneVIPOtherFamily = '2001:db8::8';
    expect(decideFromCluster(cluster, at('10.0.1.10'))).toMatchObject({
      ok: true,
      vips: ['10.0.0.8', '2001:db8::8'],
    });
    // An IPv6 node is found among the host's addresses too, and its IPv4 address beside it.
    expect(
      decideFromCluster(cluster, {
        hostAddresses: () => [
          { ifname: 'eth0', ip: '2001:db8:2::10' },
          { ifname: 'eth0', ip: '10.0.2.10' },
        ],
      }),
    ).toMatchObject({
      ok: true,
      node: '2001:db8:2::10',
      config: { localIP: '2001:db8:2::10', localIPOtherFamily: '10.0.2.10' },
      unannounced: {},
    });
    expect(decideFromCluster(cluster, at('2001:db8:2::10'))).toMatchObject({
      ok: true,
      config: { localIP: '2001:db8:2::10', peers: [{ peerIP: '2001:db8:2::fe' }] },
      vips: ['10.0.0.8', '2001:db8::8'],
    });
    expect(decideFromCluster(cluster, at('10.0.1.10'), ['10.0.0.8'])).toEqual({
      ok: false,
      problems: [
        'spec.loadBalancer.vips.controlPlaneVIPOtherFamily: changed from none to 2001:db8::8; the running advertiser keeps announcing 10.0.0.8 (restart it to announce the new VIPs)',
      ],
    });
    expect(decideFromCluster(dual(), at('10.0.1.10'), ['10.0.0.8', '2001:db8::8'])).toEqual({
      ok: false,
      problems: [
        'spec.loadBalancer.vips.controlPlaneVIPOtherFamily: changed from 2001:db8::8 to none; the running advertiser keeps announcing 10.0.0.8 and 2001:db8::8 (restart it to announce the new VIPs)',
      ],
    });
    expect(decideFromCluster(cluster, at('10.0.1.10'), ['10.0.0.8', '2001:db8::8']).ok).toBe(true);
  });

  it("dual stack with IPv4 nodes: each node's IPv6 address comes from the interface of its address", () => {
    const cluster = exampleCluster();
    cluster.spec.loadBalancer.vips.controlPlaneVIPOtherFamily = '2001:db8::8';
    const eth0 = (...ips: string[]): HostAddress[] => ips.map((ip) => ({ ifname: 'eth0', ip }));
    const onHost = (addresses: HostAddress[], nodeIpOtherFamily?: string) => ({
      hostAddresses: () => addresses,
      ...(nodeIpOtherFamily !== undefined ? { nodeIpOtherFamily } : {}),
    });
    const found = decideFromCluster(
      cluster,
      onHost([...eth0('10.0.1.11', '2001:db8:1::11'), { ifname: 'eth1', ip: '2001:db8:9::1' }]),
    );
    expect(found).toMatchObject({
      ok: true,
      node: '10.0.1.11',
      config: { localIP: '10.0.1.11', localIPOtherFamily: '2001:db8:1::11' },
      vips: ['10.0.0.8', '2001:db8::8'],
      unannounced: {},
    });
    // None: the IPv6 VIP is left out, and the reason names the interface.
    expect(decideFromCluster(cluster, onHost(eth0('10.0.1.11')))).toMatchObject({
      ok: true,
      config: { localIP: '10.0.1.11' },
      unannounced: {
        '2001:db8::8':
          "eth0 (the interface of the node address 10.0.1.11) has no global IPv6 address: the VIP is announced with this node's IPv6 address as next hop (give the interface one, or pass --node-ip-other-family)",
      },
    });
    // Several: refused whole (the running configuration stays), until --node-ip-other-family.
    const several = eth0('10.0.1.11', '2001:db8:1::11', '2001:db8:1::12');
    expect(decideFromCluster(cluster, onHost(several))).toEqual({
      ok: false,
      problems: [
        'eth0 (the interface of the node address 10.0.1.11) has several global IPv6 addresses (2001:db8:1::11, 2001:db8:1::12): pass --node-ip-other-family with the one the routers reach this node at (the next hop of the control-plane VIP 2001:db8::8)',
      ],
    });
    expect(decideFromCluster(cluster, onHost(several, '2001:db8:1::12'))).toMatchObject({
      ok: true,
      config: { localIPOtherFamily: '2001:db8:1::12' },
    });
    // A new address found on the host is a change to apply (sameSpeakerConfig), like a new peer.
    const moved = decideFromCluster(cluster, onHost(eth0('10.0.1.11', '2001:db8:1::99')));
    if (!found.ok || !moved.ok) throw new Error('both must be ok');
    expect(sameSpeakerConfig(found, moved)).toBe(false);
    expect(
      sameSpeakerConfig(
        found,
        decideFromCluster(cluster, onHost(eth0('10.0.1.11', '2001:db8:1::11'))) as typeof found,
      ),
    ).toBe(true);
  });

  it('refuses something that is not a Cluster', () => {
    const d = decideFromCluster(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      at('10.0.1.10'),
    );
    expect(d.ok).toBe(false);
  });
});

describe('sameSpeakerConfig', () => {
  it('compares peers and VIP', () => {
    const a = decideFromCluster(exampleCluster(), at('10.0.1.10'));
    const b = decideFromCluster(exampleCluster(), at('10.0.1.11'));
    if (!a.ok || !b.ok) throw new Error('example 02 must be valid');
    expect(sameSpeakerConfig(a, a)).toBe(true);
    expect(sameSpeakerConfig(a, b)).toBe(false);
    expect(sameSpeakerConfig(a, { ...a, vips: ['10.0.0.9'] })).toBe(false);
    expect(sameSpeakerConfig(a, { ...a, vips: ['10.0.0.8', '2001:db8::8'] })).toBe(false);
  });
});
