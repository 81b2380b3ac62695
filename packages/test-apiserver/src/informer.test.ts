import {
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  KubeConfig,
  type KubernetesObject,
  ListWatch,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  Watch,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { FIXTURE_CRDS, waitFor } from './test-support/http.js';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The unmodified @kubernetes/client-node informers (ListWatch) against the test server. */
describe('@kubernetes/client-node informers', () => {
  let server: TestApiServer;
  let kc: KubeConfig;
  const stops: Array<() => Promise<void>> = [];
  const log: string[] = [];

  beforeEach(async () => {
    log.length = 0;
    server = await startTestApiServer({ crds: [FIXTURE_CRDS], log: (l) => log.push(l) });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
  });
  afterEach(async () => {
    for (const s of stops.splice(0)) await s();
    await server.close();
  });

  function record<T extends KubernetesObject>(informer: Informer<T>): string[] {
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add:${o.metadata?.name}`));
    informer.on('update', (o) => events.push(`update:${o.metadata?.name}`));
    informer.on('delete', (o) => events.push(`delete:${o.metadata?.name}`));
    informer.on('error', (e) => events.push(`error:${String(e)}`));
    stops.push(() => informer.stop());
    return events;
  }

  it('receives ADDED, MODIFIED and DELETED for Nodes', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNode({ body: { metadata: { name: 'pre' } } });
    const informer = makeInformer<V1Node>(kc, '/api/v1/nodes', () => core.listNode());
    const events = record(informer);
    await informer.start();
    await waitFor(
      () => events.includes('add:pre') && server.store.watchCount === 1,
      5000,
      'initial list and watch',
    );
    await core.createNode({ body: { metadata: { name: 'n1' } } });
    await waitFor(() => events.includes('add:n1'), 5000, 'add n1');
    await core.patchNode({ name: 'n1', body: { metadata: { labels: { ready: 'yes' } } } }, MERGE);
    await waitFor(() => events.includes('update:n1'), 5000, 'update n1');
    expect(informer.get('n1')?.metadata?.labels).toEqual({ ready: 'yes' });
    await core.deleteNode({ name: 'n1' });
    await waitFor(() => events.includes('delete:n1'), 5000, 'delete n1');
    expect(informer.list().map((n) => n.metadata?.name)).toEqual(['pre']);
    expect(events.filter((e) => e.startsWith('error'))).toEqual([]);
  });

  it('re-lists after 410 Gone and catches up with what it missed', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNode({ body: { metadata: { name: 'lb-1', labels: { role: 'lb' } } } });
    let lists = 0;
    const informer = makeInformer<V1Node>(
      kc,
      '/api/v1/nodes',
      () => {
        lists++;
        return core.listNode({ labelSelector: 'role=lb' });
      },
      'role=lb',
    );
    const events = record(informer);
    await informer.start();
    await waitFor(() => events.includes('add:lb-1') && server.store.watchCount === 1, 5000, 'initial sync');
    // Changes the informer does not select move the revision on; its own resourceVersion stays behind.
    await core.createNode({ body: { metadata: { name: 'worker' } } });
    server.store.compact();
    // Drop its watch, and change what it selects before it can reconnect.
    server.dropWatches();
    server.store.delete('v1', 'Node', 'lb-1');
    server.store.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'lb-2', labels: { role: 'lb' } },
    });
    await waitFor(
      () => lists === 2 && events.includes('add:lb-2') && events.includes('delete:lb-1'),
      5000,
      're-list',
    );
    expect(log.some((l) => /^GET \/api\/v1\/nodes\?watch=true&resourceVersion=\d+.* 200/.test(l))).toBe(true);
    expect(informer.list().map((n) => n.metadata?.name)).toEqual(['lb-2']);
    await waitFor(() => server.store.watchCount === 1, 5000, 'watch again');
    await core.patchNode({ name: 'lb-2', body: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }] });
    await waitFor(() => events.includes('update:lb-2'), 5000, 'update after re-list');
  });

  it('watches custom resources and their status, and honours field selectors', async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const path = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions';
    const list = () =>
      custom.listNamespacedCustomObject({
        group: 'networking.gke.io',
        version: 'v1',
        namespace: 'kube-system',
        plural: 'bgpsessions',
        fieldSelector: 'spec.nodeName=n1',
      });
    const informer = new ListWatch<KubernetesObject>(
      path,
      new Watch(kc),
      list,
      false,
      undefined,
      'spec.nodeName=n1',
    );
    const events = record(informer);
    await informer.start();
    await waitFor(() => server.store.watchCount === 1, 5000, 'watch');
    const body = (name: string, nodeName: string) => ({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: { name },
      spec: { localASN: 65500, peerASN: 65000, peerIP: '10.0.1.254', nodeName },
    });
    const create = (name: string, nodeName: string) =>
      custom.createNamespacedCustomObject({
        group: 'networking.gke.io',
        version: 'v1',
        namespace: 'kube-system',
        plural: 'bgpsessions',
        body: body(name, nodeName),
      });
    await create('on-n2', 'n2');
    await create('on-n1', 'n1');
    await waitFor(() => events.includes('add:on-n1'), 5000, 'add on-n1');
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'networking.gke.io',
        version: 'v1',
        namespace: 'kube-system',
        plural: 'bgpsessions',
        name: 'on-n1',
        body: { status: { state: 'Established' } },
      },
      MERGE,
    );
    await waitFor(() => events.includes('update:on-n1'), 5000, 'status update');
    expect((informer.get('on-n1', 'kube-system') as { status?: { state?: string } }).status?.state).toBe(
      'Established',
    );
    expect(events.some((e) => e.includes('on-n2'))).toBe(false);
  });
});
