/**
 * Integration-test harness: the test API server (127.0.0.1, ephemeral port) loaded with our CRDs
 * and one of the spec's example clusters, plus an in-process controller against it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crdDirectory } from '@bgplb/api-types';
import { startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Controller, type ControllerConfig } from '../controller.js';
import type { LeaderElectionConfig } from '../leadership.js';
import type { KubeObject } from '../types.js';
import { exampleObjects, type NodeFixture, node, type ServiceFixture, service } from './fixtures.js';

export const CLUSTER_NS = 'cluster-bm';

export interface Harness {
  server: TestApiServer;
  kubeconfigPath: string;
  dir: string;
  controllers: Controller[];
  startController(overrides?: Partial<ControllerConfig>): Promise<Controller>;
  close(): Promise<void>;
}

/** Leader election settings of the test harnesses: off unless a test enables it, with fast timings. */
export function testLeaderElection(name: string, identity: string): LeaderElectionConfig {
  return {
    enabled: false,
    namespace: 'kube-system',
    name,
    identity,
    leaseDurationSeconds: 2,
    renewDeadlineSeconds: 1.5,
    retryPeriodSeconds: 0.2,
  };
}

export function testLogger(name: string) {
  return pino({ level: process.env.BGPLB_TEST_LOG ?? 'silent', base: { test: name } });
}

/** Starts the API server and seeds it with an example file and Nodes (all ready by default). */
export async function startHarness(
  exampleFile: string,
  nodes: NodeFixture[],
  options: { rbac?: boolean } = {},
): Promise<Harness> {
  const server = await startTestApiServer({
    crds: [crdDirectory],
    namespaces: ['default', 'kube-system', CLUSTER_NS, 'apps'],
    rbac: options.rbac ?? false,
  });
  const dir = mkdtempSync(join(tmpdir(), 'bgplb-controller-'));
  const kubeconfigPath = server.writeKubeconfig(join(dir, 'kubeconfig'));
  for (const o of exampleObjects(exampleFile)) server.store.create(o as unknown as KubeObject as never);
  for (const n of nodes) server.store.upsert(node(n) as never);
  const controllers: Controller[] = [];
  return {
    server,
    kubeconfigPath,
    dir,
    controllers,
    async startController(overrides = {}) {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      const c = new Controller({
        kubeConfig: kc,
        log: testLogger('controller'),
        clusterNamespace: CLUSTER_NS,
        graceSeconds: 1,
        debounceMs: 2,
        leaderElection: testLeaderElection('bgplb-controller', `test-${controllers.length}`),
        ...overrides,
      });
      controllers.push(c);
      await c.start();
      return c;
    },
    async close() {
      for (const c of controllers) await c.stop().catch(() => {});
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function createService(server: TestApiServer, f: ServiceFixture): KubeObject {
  const s = service(f) as KubeObject;
  const { uid: _uid, creationTimestamp: _ct, ...metadata } = s.metadata;
  const { status: _status, ...rest } = s;
  return server.store.create({ ...rest, metadata } as never) as KubeObject;
}

export function get(
  server: TestApiServer,
  kind: string,
  name: string,
  namespace?: string,
): KubeObject | undefined {
  const apiVersion = ['Service', 'Node', 'Event', 'Lease'].includes(kind)
    ? kind === 'Lease'
      ? 'coordination.k8s.io/v1'
      : 'v1'
    : kind === 'Cluster'
      ? 'baremetal.cluster.gke.io/v1'
      : 'networking.gke.io/v1';
  return server.store.get(apiVersion, kind, name, namespace) as KubeObject | undefined;
}

export function list(server: TestApiServer, kind: string, namespace?: string): KubeObject[] {
  const apiVersion = ['Service', 'Node', 'Event'].includes(kind) ? 'v1' : 'networking.gke.io/v1';
  return server.store.list(apiVersion, kind, namespace === undefined ? {} : { namespace }) as KubeObject[];
}

export function eventsFor(
  server: TestApiServer,
  name: string,
): { reason: string; type: string; message: string }[] {
  return (
    server.store.list('v1', 'Event') as unknown as {
      involvedObject: { name: string };
      reason: string;
      type: string;
      message: string;
    }[]
  )
    .filter((e) => e.involvedObject.name === name)
    .map((e) => ({ reason: e.reason, type: e.type, message: e.message }));
}
