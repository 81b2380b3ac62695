import { describe, expect, it } from 'vitest';
import { parseAdvertiserConfig } from './advertiser-config-file.js';
import {
  parseBGPAdvertisedRoute,
  parseBGPLoadBalancer,
  parseBGPPeer,
  parseBGPSession,
  parseCluster,
  parseNetworkGatewayGroup,
  parseObject,
} from './parse.js';
import { objectRef } from './parse-with.js';

const meta = { name: 'x', namespace: 'kube-system' };

describe('parse helpers', () => {
  it('apply defaults', () => {
    const route = parseBGPAdvertisedRoute({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'default-default-web', namespace: 'kube-system' },
      spec: {
        prefix: '10.0.0.2/32',
        nextHops: ['10.0.3.10'],
        service: { namespace: 'default', name: 'web' },
      },
    });
    expect(route.ok && route.value.spec.metric).toBe(0);
    const peer = parseBGPPeer({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: meta,
      spec: { localASN: 65001, peerASN: 65002, peerIP: '10.0.3.254' },
    });
    expect(peer.ok && peer.value.spec.sessions).toBe(1);
  });

  it('keep unknown metadata and status fields of objects read from the API', () => {
    const ngg = parseNetworkGatewayGroup({
      apiVersion: 'networking.gke.io/v1',
      kind: 'NetworkGatewayGroup',
      metadata: { name: 'default', namespace: 'cluster-bm', uid: 'u', resourceVersion: '7' },
      spec: { floatingIPs: ['10.0.3.100'] },
      status: { floatingIPs: { '10.0.3.100': 'node-1' }, nodes: { 'node-1': 'Up' }, extra: true },
    });
    expect(ngg.ok && ngg.value.metadata.resourceVersion).toBe('7');
    expect(ngg.ok && ngg.value.status).toEqual({
      floatingIPs: { '10.0.3.100': 'node-1' },
      nodes: { 'node-1': 'Up' },
      extra: true,
    });
  });

  it('pass every other Cluster field through untouched', () => {
    const cluster = {
      apiVersion: 'baremetal.cluster.gke.io/v1',
      kind: 'Cluster',
      metadata: { name: 'bm', namespace: 'cluster-bm' },
      spec: {
        anthosBareMetalVersion: '1.30.0',
        clusterNetwork: { advancedNetworking: true, pods: { cidrBlocks: ['192.168.0.0/16'] } },
        controlPlane: { nodePoolSpec: { nodes: [{ address: '10.0.1.10', k8sIP: '10.0.1.10' }] } },
        loadBalancer: {
          type: 'bgp',
          localASN: 65001,
          bgpPeers: [{ ip: '10.8.0.10', asn: 65002 }],
          vips: { controlPlaneVIP: '10.0.0.8' },
        },
        storage: { lvpShare: { path: '/mnt/localpv-share' } },
      },
      status: { clusterState: 'Running' },
    };
    const result = parseCluster(cluster);
    expect(result.ok && result.value).toEqual({
      ...cluster,
      spec: {
        ...cluster.spec,
        loadBalancer: {
          ...cluster.spec.loadBalancer,
          mode: 'bundled',
          ports: { controlPlaneLBPort: 443 },
          addressPools: [],
        },
      },
    });
  });

  it('refuse with problems naming the object', () => {
    const session = parseBGPSession({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: meta,
      spec: {},
    });
    expect(session.ok).toBe(false);
    expect(!session.ok && session.problems[0]).toMatchObject({ object: 'BGPSession/x', severity: 'error' });
    expect(parseBGPLoadBalancer({}).ok).toBe(false);
    expect(parseCluster({ kind: 'Cluster' }).ok).toBe(false);
    expect(
      parseAdvertiserConfig({ localIP: '10.0.0.1', localASN: 1, peers: [{ peerIP: '10.0.0.2', peerASN: 2 }] })
        .ok,
    ).toBe(true);
  });

  it('name objects as Kind/name', () => {
    expect(objectRef({ kind: 'BGPPeer', metadata: { name: 'p' } })).toBe('BGPPeer/p');
    expect(objectRef({ kind: 'BGPPeer' })).toBe('BGPPeer');
    expect(objectRef({ metadata: { name: 'p' } })).toBeUndefined();
    expect(objectRef('x')).toBeUndefined();
  });
});

describe('parseObject', () => {
  it('dispatches on kind', () => {
    const result = parseObject({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPLoadBalancer',
      metadata: { name: 'default' },
      spec: { peerSelector: {} },
    });
    expect(result.ok && result.value.kind).toBe('BGPLoadBalancer');
  });

  it('refuses what is not one of our objects', () => {
    const messages = (input: unknown) => {
      const r = parseObject(input);
      return r.ok ? [] : r.problems.map((p) => p.message);
    };
    expect(messages([1])).toEqual(['expected a Kubernetes object (a mapping with apiVersion and kind)']);
    expect(messages({ kind: 'Service', apiVersion: 'v1' })).toEqual([
      'kind: unknown kind "Service" (known: Cluster, NetworkGatewayGroup, BGPLoadBalancer, BGPPeer, BGPSession, BGPAdvertisedRoute)',
    ]);
    expect(messages({ kind: 'BGPPeer' })).toEqual([
      'apiVersion: BGPPeer must have apiVersion networking.gke.io/v1, it is missing',
    ]);
  });
});

describe('BGPAdvertisedRoute weights (externalTrafficPolicy: Local)', () => {
  const route = (spec: Record<string, unknown>, status?: Record<string, unknown>) =>
    parseBGPAdvertisedRoute({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'default-default-local', namespace: 'kube-system' },
      spec: {
        prefix: '10.0.0.2/32',
        nextHops: ['10.0.3.10', '10.0.3.11'],
        service: { namespace: 'default', name: 'local' },
        ...spec,
      },
      ...(status === undefined ? {} : { status }),
    });
  const messages = (r: ReturnType<typeof route>) => (r.ok ? [] : r.problems.map((p) => p.message));

  it('accepts one weight per next hop and the endpoints-outside-the-pool status', () => {
    const r = route(
      { weights: { '10.0.3.10': 3, '10.0.3.11': 1 } },
      { endpointsOutsidePool: { endpoints: 2, nodes: ['w1'] } },
    );
    expect(r.ok && r.value.spec.weights).toEqual({ '10.0.3.10': 3, '10.0.3.11': 1 });
    expect(r.ok && r.value.status?.endpointsOutsidePool).toEqual({ endpoints: 2, nodes: ['w1'] });
  });

  it('refuses a weight for a non-next-hop, a next hop without a weight, and weights out of range', () => {
    expect(messages(route({ weights: { '10.0.3.10': 3, '10.0.3.11': 1, '10.0.3.12': 1 } }))).toEqual([
      'spec.weights["10.0.3.12"]: weight for 10.0.3.12, which is not a next hop',
    ]);
    expect(messages(route({ weights: { '10.0.3.10': 3 } }))).toEqual([
      'spec.weights: next hop 10.0.3.11 has no weight (with weights, every next hop needs one: a router ignores partial weights)',
    ]);
    expect(messages(route({ weights: { '10.0.3.10': 0, '10.0.3.11': 1 } }))).toEqual([
      'spec.weights["10.0.3.10"]: 0 is below the minimum 1',
    ]);
    expect(messages(route({ weights: { '10.0.3.10': 1_000_001, '10.0.3.11': 1 } }))).toEqual([
      'spec.weights["10.0.3.10"]: 1000001 is above the maximum 1000000',
    ]);
  });
});
