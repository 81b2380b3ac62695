/**
 * The chart's admin-mode RBAC is enough, and no more: both test API servers enforce RBAC with the
 * Roles the chart renders (admin cluster: `mode: admin`; user cluster: `userClusterAccess`), the
 * admin-mode controller runs with its ServiceAccount's token, and the kubeconfig in the Secret
 * authenticates as the user cluster's `bgplb-admin-sync` ServiceAccount.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { helmTemplate } from '../../scripts/helm.js';
import { CHART_DIR } from '../../scripts/render-manifests.js';
import { docs } from '../../test/manifest-docs.js';
import {
  type AdminHarness,
  CLUSTER_KEY,
  kubeconfigSecret,
  startAdminHarness,
  USER_NS,
} from '../test-support/admin-harness.js';
import { get, testLogger, waitFor } from '../test-support/harness.js';
import type { KubeObject } from '../types.js';

const RBAC_KINDS = ['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'];

function loadRbac(server: AdminHarness['admin'], values: Record<string, unknown>): void {
  for (const d of docs(helmTemplate({ chartDir: CHART_DIR, values })))
    if (RBAC_KINDS.includes(d.kind)) server.store.upsert(d as never);
}

const summary = (h: AdminHarness) =>
  (
    get(h.admin, 'Cluster', 'bm', USER_NS)?.status as
      | { bgpLoadBalancing?: { state?: string; message?: string } }
      | undefined
  )?.bgpLoadBalancing;

describe('admin mode with the chart RBAC on RBAC-enforcing API servers', { timeout: 60_000 }, () => {
  let h: AdminHarness;
  afterEach(async () => {
    await h?.close();
  });

  async function start(clusterNamespaces: string[]) {
    h = await startAdminHarness({ rbac: true });
    loadRbac(h.admin, { mode: 'admin', adminSync: { clusterNamespaces } });
    loadRbac(h.user, { userClusterAccess: { enabled: true } });
    const userToken = h.user.serviceAccountToken('kube-system', 'bgplb-admin-sync');
    h.admin.store.upsert(
      kubeconfigSecret(USER_NS, 'bm-kubeconfig', h.user.kubeconfig(undefined, userToken)) as never,
    );
    const kc = new KubeConfig();
    kc.loadFromString(
      h.admin.kubeconfig('kube-system', h.admin.serviceAccountToken('kube-system', 'bgplb-controller')),
    );
    return h.startController({
      kubeConfig: kc,
      log: testLogger('admin-rbac'),
      leaderElection: {
        enabled: true,
        namespace: 'kube-system',
        name: 'bgplb-controller',
        identity: 'admin-rbac',
        leaseDurationSeconds: 2,
        renewDeadlineSeconds: 1.5,
        retryPeriodSeconds: 0.2,
      },
    });
  }

  it('syncs, reverts drift with an Event and writes status with exactly the chart roles', async () => {
    await start([USER_NS]);
    await waitFor('Synced', () => summary(h)?.state === 'Synced', 15_000);
    const peer = get(h.user, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    h.user.store.update({ ...peer, spec: { ...(peer.spec as object), peerASN: 64999 } } as never);
    await waitFor(
      'the revert',
      () =>
        (get(h.user, 'BGPPeer', 'bgppeer1', USER_NS)?.spec as { peerASN?: number } | undefined)?.peerASN ===
        (peer.spec as { peerASN: number }).peerASN,
      10_000,
    );
    await waitFor('the Event in the user cluster', () =>
      (h.user.store.list('v1', 'Event') as unknown as { reason: string }[]).some(
        (e) => e.reason === 'ManagedByAdminCluster',
      ),
    );
    const condition = (
      get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS)?.status as {
        conditions?: { type: string; status: string }[];
      }
    )?.conditions?.find((c) => c.type === 'Synced');
    expect(condition?.status).toBe('True');
  });

  it('cannot read Secrets of a namespace that is not listed, and says so in the Cluster status', async () => {
    const c = await start(['other']);
    await waitFor('the refusal', () => summary(h)?.state === 'CredentialsInvalid', 15_000);
    expect(summary(h)?.message).toMatch(new RegExp(`^Secret ${USER_NS}/bm-kubeconfig cannot be read: .*403`));
    // And directly: the controller's token gets 403 for a Secret outside the listed namespaces.
    await expect(c.client.get(`/api/v1/namespaces/${USER_NS}/secrets/bm-kubeconfig`)).rejects.toThrow(/403/);
    expect(c.worker(CLUSTER_KEY)?.state).toBe('CredentialsInvalid');
  });
});
