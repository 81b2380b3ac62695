/**
 * Admin-mode harness: two test API servers, an admin cluster holding a user Cluster (example 03,
 * marked `spec.type: user`) with its BGP objects and kubeconfig Secret, and a user cluster; plus an
 * in-process AdminController. Used by the admin integration tests and the admin-sync benchmark.
 */
import { crdDirectory } from '@bgplb/api-types';
import { startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { AdminController, type AdminControllerConfig } from '../admin/admin-controller.js';
import type { KubeObject } from '../types.js';
import { EXAMPLE_FILES, exampleObjects } from './fixtures.js';
import { testLeaderElection, testLogger } from './harness.js';

export const USER_NS = 'cluster-bm';
export const CLUSTER_KEY = `${USER_NS}/bm`;

/** The example's Cluster, NetworkGatewayGroup, BGPLoadBalancer and BGPPeers, as the admin cluster holds them. */
export function userClusterSources(name = 'bm', namespace = USER_NS): KubeObject[] {
  return exampleObjects(EXAMPLE_FILES[2]).map((o) => {
    const obj = structuredClone(o) as unknown as KubeObject;
    const { uid: _uid, ...metadata } = obj.metadata;
    obj.metadata = { ...metadata, namespace };
    if (obj.kind === 'Cluster') {
      obj.metadata.name = name;
      (obj.spec as Record<string, unknown>).type = 'user';
    }
    return obj;
  });
}

/** The kubeconfig Secret of a user cluster, as cluster-api writes it. */
export function kubeconfigSecret(namespace: string, name: string, kubeconfigYaml: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    type: 'cluster.x-k8s.io/secret',
    data: { value: Buffer.from(kubeconfigYaml).toString('base64') },
  };
}

export interface AdminHarness {
  admin: TestApiServer;
  user: TestApiServer;
  controllers: AdminController[];
  startController(overrides?: Partial<AdminControllerConfig>): Promise<AdminController>;
  close(): Promise<void>;
}

/**
 * `objectsIn`: where the example's NetworkGatewayGroup, BGPLoadBalancer and BGPPeer start: in the
 * admin cluster (after the move step, the default) or in the user cluster (before it). The Cluster
 * and the kubeconfig Secret are always in the admin cluster.
 */
export async function startAdminHarness(
  options: { rbac?: boolean; objectsIn?: 'admin' | 'user' } = {},
): Promise<AdminHarness> {
  const admin = await startTestApiServer({
    crds: [crdDirectory],
    namespaces: ['default', 'kube-system', USER_NS, 'other'],
    rbac: options.rbac ?? false,
  });
  const user = await startTestApiServer({
    crds: [crdDirectory],
    namespaces: ['default', 'kube-system', USER_NS],
    rbac: options.rbac ?? false,
  });
  for (const o of userClusterSources()) {
    if (o.kind === 'Cluster' || options.objectsIn !== 'user') admin.store.create(o as never);
    else user.store.create(o as never);
  }
  admin.store.create(kubeconfigSecret(USER_NS, 'bm-kubeconfig', user.kubeconfig()) as never);
  const controllers: AdminController[] = [];
  return {
    admin,
    user,
    controllers,
    async startController(overrides = {}) {
      const kc = new KubeConfig();
      kc.loadFromString(admin.kubeconfig());
      const c = new AdminController({
        kubeConfig: kc,
        log: testLogger('admin'),
        identity: `admin-test-${controllers.length}`,
        resyncMs: 2000,
        backoffBaseMs: 100,
        backoffMaxMs: 1000,
        leaderElection: testLeaderElection('bgplb-admin', `admin-test-${controllers.length}`),
        ...overrides,
      });
      controllers.push(c);
      await c.start();
      return c;
    },
    async close() {
      for (const c of controllers) await c.stop().catch(() => {});
      await admin.close();
      await user.close();
    },
  };
}
