import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import {
  CLUSTER_NS,
  createService,
  eventsFor,
  get,
  type Harness,
  list,
  startHarness,
  waitFor,
} from './test-support/harness.js';
import type { KubeObject } from './types.js';

const vipOf = (o: KubeObject | undefined) =>
  (o as { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } } | undefined)?.status?.loadBalancer
    ?.ingress?.[0]?.ip;
const specOf = <T>(o: KubeObject | undefined) => (o as { spec?: T } | undefined)?.spec;

describe('controller against the test API server (example 03)', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('a Service gets a VIP in status and a BGPAdvertisedRoute; deleting it removes both', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    await h.startController();
    createService(h.server, { namespace: 'default', name: 'load-balancer-example' });
    const vip = await waitFor('VIP in status', () =>
      vipOf(get(h.server, 'Service', 'load-balancer-example', 'default')),
    );
    expect(vip).toBe('10.0.0.2');
    const route = await waitFor('route', () =>
      get(h.server, 'BGPAdvertisedRoute', 'default-default-load-balancer-example', 'kube-system'),
    );
    expect(specOf(route)).toEqual({
      prefix: '10.0.0.2/32',
      metric: 0,
      nextHops: ['10.0.3.10', '10.0.3.11'],
      service: { namespace: 'default', name: 'load-balancer-example' },
    });
    expect(route.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'bgplb-controller' });
    await waitFor('VIPAllocated event', () =>
      eventsFor(h.server, 'load-balancer-example').some((e) => e.reason === 'VIPAllocated'),
    );
    // Sessions and floating IPs of example 03.
    const sessions = await waitFor('sessions', () => {
      const l = list(h.server, 'BGPSession', 'kube-system');
      return l.length === 2 ? l : undefined;
    });
    expect(sessions.map((s) => s.metadata.name).sort()).toEqual(['bgppeer1-node-04', 'bgppeer1-node-05']);
    const ngg = get(h.server, 'NetworkGatewayGroup', 'default', CLUSTER_NS) as {
      status?: { floatingIPs?: unknown };
    };
    expect(ngg.status?.floatingIPs).toEqual({ '10.0.3.100': 'node-04', '10.0.3.101': 'node-05' });

    h.server.store.delete('v1', 'Service', 'load-balancer-example', 'default');
    await waitFor(
      'route gone',
      () =>
        get(h.server, 'BGPAdvertisedRoute', 'default-default-load-balancer-example', 'kube-system') ===
        undefined,
    );
    // The VIP is free again: a new Service gets the same address.
    createService(h.server, { namespace: 'default', name: 'next' });
    expect(await waitFor('VIP reused', () => vipOf(get(h.server, 'Service', 'next', 'default')))).toBe(
      '10.0.0.2',
    );
  });
});
