import { describe, expect, it } from 'vitest';
import { trimEndpointSlice, trimNode, trimOwned, trimService } from './trim.js';
import type { KubeObject, NodeObject, RouteObject, ServiceObject } from './types.js';

const route = (name: string, nextHops: string[]): RouteObject => ({
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPAdvertisedRoute',
  metadata: { name, namespace: 'kube-system', managedFields: [{ manager: 'x' }] },
  spec: { prefix: '10.100.0.1/32', metric: 0, nextHops, service: { namespace: 'default', name } },
});

describe('trimOwned', () => {
  it('drops managedFields and keeps everything else', () => {
    const r = route('a', ['10.0.3.10']);
    trimOwned(r);
    expect(r).toEqual({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'a', namespace: 'kube-system' },
      spec: {
        prefix: '10.100.0.1/32',
        metric: 0,
        nextHops: ['10.0.3.10'],
        service: { namespace: 'default', name: 'a' },
      },
    });
  });

  it('shares equal next-hop lists between routes, and never merges different ones', () => {
    const a = route('a', ['10.0.3.10', '10.0.3.11']);
    const b = route('b', ['10.0.3.10', '10.0.3.11']);
    const c = route('c', ['10.0.3.11', '10.0.3.10']);
    const d = route('d', ['10.0.3.11', '10.0.3.10']);
    for (const r of [a, b, c, d]) trimOwned(r);
    expect(b.spec.nextHops).toBe(a.spec.nextHops);
    expect(c.spec.nextHops).not.toBe(a.spec.nextHops);
    expect(c.spec.nextHops).toEqual(['10.0.3.11', '10.0.3.10']);
    expect(d.spec.nextHops).toBe(c.spec.nextHops);
    expect(a.spec.nextHops).toEqual(['10.0.3.10', '10.0.3.11']);
  });

  it('shares equal status next-hop states between routes, and never merges different ones', () => {
    const states = (state: string) => [{ nextHop: '10.0.3.10', node: 'n4', state, reason: 'r' }];
    const withStatus = (name: string, state: string) => ({
      ...route(name, ['10.0.3.10']),
      status: { nextHops: states(state) },
    });
    const a = withStatus('a', 'announced');
    const b = withStatus('b', 'announced');
    const c = withStatus('c', 'draining');
    for (const r of [a, b, c]) trimOwned(r);
    expect(b.status.nextHops).toBe(a.status.nextHops);
    expect(c.status.nextHops).not.toBe(a.status.nextHops);
    expect(c.status.nextHops).toEqual(states('draining'));
  });

  it('leaves objects without a string list of next hops alone', () => {
    const session = { metadata: { name: 's' }, spec: { nodeName: 'n' } };
    trimOwned(session);
    expect(session).toEqual({ metadata: { name: 's' }, spec: { nodeName: 'n' } });
    const odd = { metadata: { name: 'o' }, spec: { nextHops: [1, 2] } };
    trimOwned(odd);
    expect(odd.spec.nextHops).toEqual([1, 2]);
  });
});

describe('trimService', () => {
  it('keeps what the controller reads, with the same values', () => {
    const s: ServiceObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: 'u1',
        labels: { app: 'web' },
        annotations: { 'networking.gke.io/load-balancer-ip': '10.0.0.7', other: 'x' },
        managedFields: [],
      },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Cluster',
        loadBalancerClass: 'networking.gke.io/bgplb',
        ipFamilies: ['IPv4', 'IPv6'],
        ipFamilyPolicy: 'RequireDualStack',
        ports: [{ port: 80 }],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.7', ipMode: 'VIP' }] } },
    };
    trimService(s);
    expect(s).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: 'u1',
        labels: { app: 'web' },
        annotations: { 'networking.gke.io/load-balancer-ip': '10.0.0.7' },
      },
      spec: {
        type: 'LoadBalancer',
        externalTrafficPolicy: 'Cluster',
        loadBalancerClass: 'networking.gke.io/bgplb',
        ipFamilies: ['IPv4', 'IPv6'],
        ipFamilyPolicy: 'RequireDualStack',
      },
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.7', ipMode: 'VIP' }] } },
    });
  });
});

describe('trimEndpointSlice', () => {
  it('keeps the service label and, per endpoint, the first address, node, conditions and Pod uid', () => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'web-x1',
        namespace: 'default',
        resourceVersion: '7',
        managedFields: [{}],
        labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'x' },
      },
      addressType: 'IPv4',
      ports: [{ port: 80 }],
      endpoints: [
        {
          addresses: ['10.244.0.1', '10.244.0.2'],
          nodeName: 'lb1',
          zone: 'a',
          hints: {},
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: 'Pod', name: 'web-1', uid: 'u1' },
        },
        null,
      ],
    } as unknown as KubeObject;
    trimEndpointSlice(slice);
    expect(slice).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'web-x1',
        namespace: 'default',
        resourceVersion: '7',
        labels: { 'kubernetes.io/service-name': 'web' },
      },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.244.0.1'],
          nodeName: 'lb1',
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { uid: 'u1' },
        },
        {},
      ],
    });
    const unlabelled = {
      metadata: { name: 'x', labels: { a: 'b' } },
      endpoints: 'junk',
    } as unknown as KubeObject;
    trimEndpointSlice(unlabelled);
    expect(unlabelled).toEqual({ metadata: { name: 'x' }, endpoints: 'junk' });
  });
});

describe('trimNode', () => {
  it('keeps what graceful drain reads: the cordon and the bgplb.io/drain annotation', () => {
    const n = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', annotations: { 'bgplb.io/drain': 'x', 'other/annotation': 'y' } },
      spec: { unschedulable: true, podCIDR: '10.244.0.0/24', taints: [] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'MemoryPressure', status: 'False' },
        ],
      },
    } as unknown as NodeObject;
    trimNode(n);
    expect(n.metadata.annotations).toEqual({ 'bgplb.io/drain': 'x' });
    expect(n.spec).toEqual({ unschedulable: true });
    expect(n.status?.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
    const uncordoned = { metadata: { name: 'n2' }, spec: { unschedulable: false } } as unknown as NodeObject;
    trimNode(uncordoned);
    expect(uncordoned.spec).toBeUndefined();
  });
});

describe('trimOwned: shared next-hop lists on a dual-stack cluster', () => {
  it('keeps one copy of each family list even when IPv4 and IPv6 routes alternate', () => {
    const route = (name: string, hops: string[]) => ({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPAdvertisedRoute',
      metadata: { name, namespace: 'kube-system', managedFields: [] },
      spec: { prefix: 'x', nextHops: [...hops] },
      status: { nextHops: hops.map((nextHop) => ({ nextHop, state: 'announced' })) },
    });
    const v4 = ['10.0.3.10', '10.0.3.11'];
    const v6 = ['2001:db8:3::10', '2001:db8:3::11'];
    const objects = [route('a', v4), route('a-ipv6', v6), route('b', v4), route('b-ipv6', v6)];
    for (const o of objects) trimOwned(o as never);
    expect(objects[2]!.spec.nextHops).toBe(objects[0]!.spec.nextHops);
    expect(objects[3]!.spec.nextHops).toBe(objects[1]!.spec.nextHops);
    expect(objects[3]!.status.nextHops).toBe(objects[1]!.status.nextHops);
    expect(objects[1]!.spec.nextHops).toEqual(v6);
    expect(objects[0]!.metadata).not.toHaveProperty('managedFields');
  });
});
