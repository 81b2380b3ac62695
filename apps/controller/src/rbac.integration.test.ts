/**
 * The Helm chart's RBAC is enough, and the controller needs nothing more: the controller runs
 * with its ServiceAccount's token against the test API server with RBAC enforced, using exactly
 * the Roles and bindings of deploy/manifests/bgplb.yaml.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Controller } from './controller.js';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import {
  CLUSTER_NS,
  createService,
  eventsFor,
  get,
  type Harness,
  list,
  startHarness,
  testLogger,
  waitFor,
} from './test-support/harness.js';
import type { KubeObject } from './types.js';

const MANIFEST = fileURLToPath(new URL('../../../deploy/manifests/bgplb.yaml', import.meta.url));
const RBAC_KINDS = ['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];

describe('the chart RBAC against an RBAC-enforcing API server', () => {
  let h: Harness;
  let controller: Controller | undefined;
  afterEach(async () => {
    await controller?.stop();
    await h?.close();
  });

  it('lets the controller do all its work with its own ServiceAccount, leader election included', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES, { rbac: true });
    for (const doc of parseAllDocuments(readFileSync(MANIFEST, 'utf8'))) {
      const o = doc.toJS() as KubeObject | null;
      if (o && RBAC_KINDS.includes(o.kind ?? '')) h.server.store.create(o as never);
    }
    const kc = new KubeConfig();
    kc.loadFromString(
      h.server.kubeconfig('kube-system', h.server.serviceAccountToken('kube-system', 'bgplb-controller')),
    );
    controller = new Controller({
      kubeConfig: kc,
      log: testLogger('rbac'),
      clusterNamespace: CLUSTER_NS,
      graceSeconds: 1,
      debounceMs: 2,
      leaderElection: {
        enabled: true,
        namespace: 'kube-system',
        name: 'bgplb-controller',
        identity: 'rbac-test',
        leaseDurationSeconds: 2,
        renewDeadlineSeconds: 1.5,
        retryPeriodSeconds: 0.2,
      },
    });
    await controller.start();
    await waitFor('leader', () => controller!.isLeader);
    createService(h.server, { name: 'web' });
    await waitFor(
      'VIP',
      () =>
        (
          get(h.server, 'Service', 'web', 'default') as {
            status?: { loadBalancer?: { ingress?: unknown[] } };
          }
        ).status?.loadBalancer?.ingress,
    );
    await waitFor('route', () => get(h.server, 'BGPAdvertisedRoute', 'default-default-web', 'kube-system'));
    await waitFor('sessions', () => list(h.server, 'BGPSession', 'kube-system').length === 2);
    await waitFor(
      'floating IPs',
      () =>
        (get(h.server, 'NetworkGatewayGroup', 'default', CLUSTER_NS) as { status?: { floatingIPs?: object } })
          .status?.floatingIPs,
    );
    await waitFor('events', () => eventsFor(h.server, 'web').some((e) => e.reason === 'VIPAllocated'));
    // Status of a refused BGPPeer, and garbage collection of a deleted Service's route.
    const peer = get(h.server, 'BGPPeer', 'bgppeer1', CLUSTER_NS)!;
    h.server.store.update({ ...peer, spec: { ...(peer.spec as object), peerASN: 65001 } } as never);
    await waitFor(
      'condition',
      () =>
        (get(h.server, 'BGPPeer', 'bgppeer1', CLUSTER_NS) as { status?: { conditions?: unknown[] } }).status
          ?.conditions?.length,
    );
    // A cordon: the drain's start is kept on the Node (the one Node write the controller makes).
    const n4 = get(h.server, 'Node', 'node-04')!;
    h.server.store.update({ ...n4, spec: { unschedulable: true } } as never);
    await waitFor(
      'drain-started annotation',
      () => get(h.server, 'Node', 'node-04')?.metadata.annotations?.['bgplb.io/drain-started'],
    );
    h.server.store.delete('v1', 'Service', 'web', 'default');
    await waitFor(
      'route deleted',
      () => get(h.server, 'BGPAdvertisedRoute', 'default-default-web', 'kube-system') === undefined,
    );
    await controller.idle();
    expect((await controller.metrics.writes.get()).values.length).toBeGreaterThan(0);
  });

  it('refuses what the chart does not grant (the check is real)', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES, { rbac: true });
    const kc = new KubeConfig();
    // No Roles applied: the same ServiceAccount can do nothing.
    kc.loadFromString(
      h.server.kubeconfig('kube-system', h.server.serviceAccountToken('kube-system', 'bgplb-controller')),
    );
    const { KubeClient } = await import('@bgplb/kube-runtime');
    const client = new KubeClient(kc);
    await expect(client.get('/api/v1/services')).rejects.toMatchObject({ status: 403 });
    client.close();
  });
});
