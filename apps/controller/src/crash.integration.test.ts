import { afterEach, describe, expect, it } from 'vitest';
import { type ChildController, spawnController } from './test-support/child.js';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import {
  CLUSTER_NS,
  createService,
  get,
  type Harness,
  list,
  startHarness,
  waitFor,
} from './test-support/harness.js';
import type { KubeObject } from './types.js';

const SERVICES = 2000;

const vipOf = (o: KubeObject | undefined) =>
  (o as { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } } | undefined)?.status?.loadBalancer
    ?.ingress?.[0]?.ip;

describe('kill -9 of the controller mid-reconcile, then a restart', () => {
  let h: Harness;
  let child: ChildController | undefined;
  afterEach(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await h?.close();
  });

  it('converges to the same state: not one VIP or floating IP moves', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    // A /21 pool so every Service gets an address.
    const cluster = get(h.server, 'Cluster', 'bm', CLUSTER_NS)!;
    const spec = cluster.spec as { loadBalancer: { addressPools: { name: string; addresses: string[] }[] } };
    h.server.store.update({
      ...cluster,
      spec: {
        ...spec,
        loadBalancer: {
          ...spec.loadBalancer,
          addressPools: [{ name: 'pool1', addresses: ['10.0.0.1-10.0.0.4', '10.1.0.0/21'] }],
        },
      },
    } as never);
    for (let i = 0; i < SERVICES; i++) createService(h.server, { namespace: 'default', name: `svc-${i}` });
    const args = [
      '--kubeconfig',
      h.kubeconfigPath,
      '--cluster-namespace',
      CLUSTER_NS,
      '--metrics-addr',
      '0',
      '--grace-seconds',
      '30',
    ];
    const allServices = () => list(h.server, 'Service', 'default');
    const vips = () =>
      new Map(
        allServices()
          .map((s) => [s.metadata.name, vipOf(s)] as const)
          .filter(([, v]) => v !== undefined),
      );

    child = spawnController(args);
    await waitFor('the first VIPs written', () => vips().size >= 1, 30_000);
    child.proc.kill('SIGKILL');
    await child.exited;
    const atKill = vips();
    const ngg = (
      get(h.server, 'NetworkGatewayGroup', 'default', CLUSTER_NS) as {
        status?: { floatingIPs?: Record<string, string> };
      }
    ).status?.floatingIPs;
    expect(atKill.size, 'killed mid-reconcile').toBeLessThan(SERVICES);

    child = spawnController(args);
    await waitFor('every Service has a VIP', () => vips().size === SERVICES, 60_000);
    await waitFor(
      'every route',
      () => list(h.server, 'BGPAdvertisedRoute', 'kube-system').length === SERVICES,
      60_000,
    );
    const after = vips();
    for (const [name, vip] of atKill) expect(after.get(name), name).toBe(vip);
    expect(new Set(after.values()).size).toBe(SERVICES);
    const nggAfter = (
      get(h.server, 'NetworkGatewayGroup', 'default', CLUSTER_NS) as {
        status?: { floatingIPs?: Record<string, string> };
      }
    ).status?.floatingIPs;
    if (ngg !== undefined) expect(nggAfter).toEqual(ngg);
    // Sessions and routes are created in the same write phase, in no fixed order: wait for the
    // sessions to converge too before asserting them.
    const sessionNames = () =>
      list(h.server, 'BGPSession', 'kube-system')
        .map((s) => s.metadata.name)
        .sort();
    await waitFor('both BGPSessions', () => sessionNames().length >= 2, 30_000);
    expect(sessionNames()).toEqual(['bgppeer1-node-04', 'bgppeer1-node-05']);
    // Stop cleanly: SIGTERM exits 0.
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  }, 120_000);
});
