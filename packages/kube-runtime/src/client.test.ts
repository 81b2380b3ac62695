import { ApiError as ServerError } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient, paths } from './client.js';
import { ApiError, isStatus } from './errors.js';
import { type Api, pod, startApi } from './test-support/api.js';
import type { KubeObject } from './types.js';

describe('KubeClient against the test API server', () => {
  let api: Api;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it('creates, reads, merge-patches, replaces and deletes; errors carry status and reason', async () => {
    const path = paths.core('pods', 'default');
    const created = await api.client.create<KubeObject>(path, pod('a', { k: 'v' }));
    expect(created.metadata.resourceVersion).toBeDefined();
    const got = await api.client.get<KubeObject>(paths.core('pods', 'default', 'a'));
    expect(got.metadata.labels).toEqual({ k: 'v' });
    const patched = await api.client.mergePatch<KubeObject>(paths.core('pods', 'default', 'a'), {
      metadata: { labels: { k2: 'v2' } },
    });
    expect(patched.metadata.labels).toEqual({ k: 'v', k2: 'v2' });
    // A replace with a stale resourceVersion is a 409 Conflict.
    const stale = { ...got, metadata: { ...got.metadata, labels: { k: 'old' } } };
    const conflict = await api.client.replace(paths.core('pods', 'default', 'a'), stale).catch((e) => e);
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ status: 409, reason: 'Conflict' });
    expect(isStatus(conflict, 409)).toBe(true);
    const dup = await api.client.create(path, pod('a')).catch((e) => e);
    expect(dup).toMatchObject({ status: 409, reason: 'AlreadyExists' });
    await api.client.delete(paths.core('pods', 'default', 'a'));
    const missing = await api.client
      .get<KubeObject>(paths.core('pods', 'default', 'a'))
      .catch((e: Error) => e);
    expect(missing).toMatchObject({ status: 404, reason: 'NotFound' });
    expect(String(missing.message)).toContain('GET /api/v1/namespaces/default/pods/a: 404');
  });

  it('lists in pages with continue tokens and honours label selectors', async () => {
    for (let i = 0; i < 7; i++)
      api.server.store.create(pod(`cm-${i}`, { parity: i % 2 === 0 ? 'even' : 'odd' }));
    const pages: number[] = [];
    const names: string[] = [];
    for await (const page of api.client.listPages(paths.core('pods', 'default'), { limit: 3 })) {
      pages.push(page.items.length);
      names.push(...page.items.map((o) => o.metadata.name));
    }
    expect(pages).toEqual([3, 3, 1]);
    expect(names.sort()).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
    const even: string[] = [];
    for await (const page of api.client.listPages(paths.core('pods'), {
      labelSelector: 'parity=even',
      limit: 0,
    }))
      even.push(...page.items.map((o) => o.metadata.name));
    expect(even.sort()).toEqual(['cm-0', 'cm-2', 'cm-4', 'cm-6']);
  });

  it('reports a server error without a Status body by its HTTP status', async () => {
    api.server.addFault(() => new ServerError(503, '', 'overloaded'));
    const err = await api.client.get(paths.core('nodes')).catch((e) => e);
    expect(err).toMatchObject({ status: 503 });
  });

  it('fails clearly for a kubeconfig without a current cluster and for an unreachable server', async () => {
    const empty = new KubeClient(new KubeConfig());
    await expect(empty.get('/api/v1/nodes')).rejects.toThrow('no current cluster');
    const kc = new KubeConfig();
    kc.loadFromString(api.server.kubeconfig());
    await api.server.close();
    const client = new KubeClient(kc, { timeoutMs: 2000 });
    await expect(client.get('/api/v1/nodes')).rejects.toThrow(/ECONNREFUSED/);
    client.close();
    api = await startApi();
  });
});

describe('paths', () => {
  it('builds core and group paths, namespaced or not, with escaped names and subresources', () => {
    expect(paths.core('nodes')).toBe('/api/v1/nodes');
    expect(paths.core('services', 'ns', 'a b', 'status')).toBe('/api/v1/namespaces/ns/services/a%20b/status');
    expect(paths.group('coordination.k8s.io', 'v1', 'leases', 'kube-system', 'x')).toBe(
      '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x',
    );
    expect(paths.group('g', 'v1', 'things')).toBe('/apis/g/v1/things');
  });
});
