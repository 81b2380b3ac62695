import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { ApiError } from './status.js';
import { client, FIXTURE_CRDS } from './test-support/http.js';

const session = (name: string) => ({
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPSession',
  metadata: { name, namespace: 'kube-system' },
  spec: { localASN: 65500, peerASN: 65000, peerIP: '10.0.1.254' },
});

describe('in-process store helpers and fault injection', () => {
  let server: TestApiServer;
  beforeAll(async () => {
    server = await startTestApiServer({ crds: [FIXTURE_CRDS] });
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates, updates with preconditions, writes status, upserts and deletes', () => {
    const s = server.store;
    const created = s.create(session('a'));
    expect(() => s.create(session('a'))).toThrow(/already exists/);
    const updated = s.update({ ...created, spec: { ...(created.spec as object), peerASN: 65001 } });
    expect(updated.metadata.generation).toBe(2);
    try {
      s.update({ ...created, spec: { ...(created.spec as object), peerASN: 65002 } });
      expect.unreachable('stale update accepted');
    } catch (e) {
      expect((e as ApiError).code).toBe(409);
      expect((e as ApiError).toStatus().reason).toBe('Conflict');
    }
    const withStatus = s.updateStatus({ ...updated, status: { state: 'Active' } });
    expect(withStatus.status).toEqual({ state: 'Active' });
    const up = s.upsert({ ...session('a'), status: { state: 'Established' } });
    expect(up.status).toEqual({ state: 'Established' });
    expect(up.metadata.uid).toBe(created.metadata.uid);
    const fresh = s.upsert({ ...session('b'), status: { state: 'Idle' } });
    expect(fresh.status).toEqual({ state: 'Idle' });
    expect(
      s.list('networking.gke.io/v1', 'BGPSession', { namespace: 'kube-system' }).map((o) => o.metadata.name),
    ).toEqual(['a', 'b']);
    expect(
      s.list('networking.gke.io/v1', 'BGPSession', { labelSelector: 'x', fieldSelector: 'metadata.name=a' }),
    ).toEqual([]);
    expect(s.delete('networking.gke.io/v1', 'BGPSession', 'a', 'kube-system')).toBe(true);
    expect(s.delete('networking.gke.io/v1', 'BGPSession', 'a', 'kube-system')).toBe(false);
    expect(() => s.get('nope/v1', 'Thing', 'x')).toThrow(/no resource is served/);
    // Node status is kept on create, and a Node has no namespace.
    const node = s.upsert({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n', namespace: 'ignored' },
      status: { phase: 'x' },
    });
    expect(node.metadata.namespace).toBeUndefined();
    expect(node.status).toEqual({ phase: 'x' });
    const lease = s.updateStatus({
      ...s.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l', namespace: 'default' },
        spec: {},
      }),
      spec: { holderIdentity: 'me' },
    });
    expect(lease.spec).toEqual({ holderIdentity: 'me' });
  });

  it('fails requests chosen by a fault hook until it is removed', async () => {
    const api = client(server.url);
    const seen: string[] = [];
    const remove = server.addFault((info) => {
      seen.push(
        `${info.verb} ${info.group}/${info.resource}${info.subresource ? `/${info.subresource}` : ''} ${info.namespace ?? ''}/${info.name ?? ''}`,
      );
      return info.verb === 'update' ? new ApiError(500, 'InternalError', 'injected') : undefined;
    });
    server.store.create(session('f'));
    const current = (await api.get('/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions/f')).body;
    const failed = await api.put('/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions/f/status', {
      ...current,
      status: { state: 'Idle' },
    });
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ kind: 'Status', reason: 'InternalError', message: 'injected' });
    expect(seen).toEqual([
      'get networking.gke.io/bgpsessions kube-system/f',
      'update networking.gke.io/bgpsessions/status kube-system/f',
    ]);
    remove();
    expect(
      (
        await api.put('/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions/f/status', {
          ...current,
          status: { state: 'Idle' },
        })
      ).status,
    ).toBe(200);
  });

  it('serves Leases for leader election: a stale renew loses with 409', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    const coord = kc.makeApiClient(CoordinationV1Api);
    const now = new Date();
    const lease = await coord.createNamespacedLease({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'bgplb-controller' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: now, renewTime: now },
      },
    });
    const renewed = await coord.replaceNamespacedLease({
      name: 'bgplb-controller',
      namespace: 'kube-system',
      body: { ...lease, spec: { ...lease.spec, renewTime: new Date(now.getTime() + 1000) } },
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(lease.metadata?.resourceVersion);
    await expect(
      coord.replaceNamespacedLease({
        name: 'bgplb-controller',
        namespace: 'kube-system',
        body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
      }),
    ).rejects.toMatchObject({ code: 409 });
    const got = await coord.readNamespacedLease({ name: 'bgplb-controller', namespace: 'kube-system' });
    expect(got.spec?.holderIdentity).toBe('a');
    expect(new Date(String(got.spec?.renewTime)).getTime()).toBe(now.getTime() + 1000);
  });
});

describe('typed timestamps of built-in kinds', () => {
  it('are re-serialised as metav1.Time (seconds) and MicroTime (microseconds)', async () => {
    const server = await startTestApiServer();
    try {
      const s = server.store;
      const lease = s.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l', namespace: 'default' },
        spec: { renewTime: '2026-01-02T03:04:05.123Z', acquireTime: '2026-01-02T03:04:05.123456Z' },
      });
      expect(lease.spec).toEqual({
        renewTime: '2026-01-02T03:04:05.123000Z',
        acquireTime: '2026-01-02T03:04:05.123456Z',
      });
      const node = s.upsert({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'n' },
        status: {
          conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-02T03:04:05.999Z' }],
        },
      });
      const updated = s.updateStatus({
        ...node,
        status: {
          conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-02T04:00:00.5+01:00' }],
        },
      });
      expect(updated.status).toEqual({
        conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-02T03:00:00Z' }],
      });
      expect(() =>
        s.create({
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e', namespace: 'default' },
          involvedObject: {},
          lastTimestamp: 'yesterday',
        }),
      ).toThrow(/lastTimestamp: parsing time "yesterday"/);
    } finally {
      await server.close();
    }
  });
});
