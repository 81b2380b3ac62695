import { afterEach, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { client, FIXTURE_CRDS, openWatch, type WatchHandle } from './test-support/http.js';

const NODES = '/api/v1/nodes';
const SESSIONS = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions';

function node(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } };
}

describe('watch', () => {
  let server: TestApiServer;
  const watches: WatchHandle[] = [];
  const start = async (opts: Parameters<typeof startTestApiServer>[0] = {}) => {
    server = await startTestApiServer(opts);
    return client(server.url);
  };
  const watch = async (path: string, headers?: Record<string, string>) => {
    const w = await openWatch(server.url + path, headers);
    watches.push(w);
    return w;
  };
  afterEach(async () => {
    for (const w of watches.splice(0)) w.close();
    await server.close();
  });

  it('streams ADDED/MODIFIED/DELETED from a resourceVersion, with rising resourceVersions', async () => {
    const api = await start();
    const list = (await api.get(NODES)).body;
    const w = await watch(`${NODES}?watch=true&resourceVersion=${list.metadata.resourceVersion}`);
    expect(w.status).toBe(200);
    const created = (await api.post(NODES, node('n1'))).body;
    await api.patch(`${NODES}/n1`, { metadata: { labels: { a: 'b' } } });
    await api.del(`${NODES}/n1`);
    const e1 = await w.next();
    const e2 = await w.next();
    const e3 = await w.next();
    expect([e1.type, e2.type, e3.type]).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(e1.object.metadata.uid).toBe(created.metadata.uid);
    expect(e2.object.metadata.labels).toEqual({ a: 'b' });
    const rvs = [e1, e2, e3].map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[0]).toBeLessThan(rvs[1]!);
    expect(rvs[1]).toBeLessThan(rvs[2]!);
    expect(e3.object.kind).toBe('Node');
  });

  it('replays history after an older resourceVersion, and starts with the current state when unset or 0', async () => {
    const api = await start();
    const rv0 = (await api.get(NODES)).body.metadata.resourceVersion;
    await api.post(NODES, node('a'));
    await api.post(NODES, node('b'));
    const replay = await watch(`${NODES}?watch=1&resourceVersion=${rv0}`);
    expect((await replay.next()).object.metadata.name).toBe('a');
    expect((await replay.next()).object.metadata.name).toBe('b');
    for (const rv of ['', '&resourceVersion=0']) {
      const w = await watch(`${NODES}?watch=true${rv}`);
      const names = [(await w.next()).object.metadata.name, (await w.next()).object.metadata.name];
      expect(names).toEqual(['a', 'b']);
    }
    const legacy = await watch(`/api/v1/watch/nodes/a`);
    const ev = await legacy.next();
    expect(ev).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    await api.patch(`${NODES}/b`, { metadata: { labels: { x: 'y' } } });
    await api.patch(`${NODES}/a`, { metadata: { labels: { x: 'y' } } });
    expect((await legacy.next()).object.metadata.name).toBe('a');
  });

  it('answers a resourceVersion older than the history window with a 410 Expired ERROR event', async () => {
    const api = await start({ historyLimit: 3 });
    const rv0 = (await api.get(NODES)).body.metadata.resourceVersion;
    for (const n of ['a', 'b', 'c', 'd', 'e']) await api.post(NODES, node(n));
    const w = await watch(`${NODES}?watch=true&resourceVersion=${rv0}`);
    expect(w.status).toBe(200);
    const ev = await w.next();
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    });
    expect(ev.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    expect(await w.ended()).toBe(true);
    // Compaction drops everything: even a recent resourceVersion is gone.
    const current = (await api.get(NODES)).body.metadata.resourceVersion;
    server.store.compact();
    await api.post(NODES, node('f'));
    const after = await watch(`${NODES}?watch=true&resourceVersion=${Number(current) - 1}`);
    expect((await after.next()).type).toBe('ERROR');
    const ok = await watch(`${NODES}?watch=true&resourceVersion=${current}`);
    expect((await ok.next()).object.metadata.name).toBe('f');
  });

  it('sends BOOKMARK events when allowed, and the initial-events-end bookmark', async () => {
    const api = await start({ bookmarkIntervalMs: 50 });
    await api.post(NODES, node('a'));
    const w = await watch(
      `${NODES}?watch=true&resourceVersion=${server.store.resourceVersion}&allowWatchBookmarks=true`,
    );
    const bm = await w.next();
    expect(bm.type).toBe('BOOKMARK');
    expect(bm.object).toEqual({
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(server.store.resourceVersion) },
    });
    const initial = await watch(
      `${NODES}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    expect((await initial.next()).type).toBe('ADDED');
    const end = await initial.next();
    expect(end.type).toBe('BOOKMARK');
    expect(end.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('ends the stream after timeoutSeconds, with a last bookmark when allowed', async () => {
    await start({ bookmarkIntervalMs: 0 });
    const w = await watch(
      `${NODES}?watch=true&timeoutSeconds=1&resourceVersion=${server.store.resourceVersion}&allowWatchBookmarks=true`,
    );
    expect(await w.ended(3000)).toBe(true);
    expect((await w.next()).type).toBe('BOOKMARK');
  });

  it('filters by selectors, turning objects that leave or enter the selection into DELETED/ADDED', async () => {
    const api = await start({ crds: [FIXTURE_CRDS] });
    const spec = { localASN: 65500, peerASN: 65000, peerIP: '10.0.0.1' };
    const w = await watch(
      `${SESSIONS}?watch=true&resourceVersion=${server.store.resourceVersion}&fieldSelector=spec.nodeName%3Dn1`,
    );
    const lw = await watch(
      `/apis/networking.gke.io/v1/bgpsessions?watch=true&resourceVersion=${server.store.resourceVersion}&labelSelector=peer%3Dp1`,
    );
    await api.post(SESSIONS, {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: { name: 's', labels: { peer: 'p1' } },
      spec: { ...spec, nodeName: 'n1' },
    });
    await api.post(SESSIONS, {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: { name: 'other' },
      spec: { ...spec, nodeName: 'n2' },
    });
    await api.patch(`${SESSIONS}/s`, { spec: { nodeName: 'n2' } });
    await api.patch(`${SESSIONS}/s`, { spec: { nodeName: 'n1' } });
    const types = [];
    for (let i = 0; i < 3; i++) {
      const e = await w.next();
      types.push(`${e.type}:${e.object.metadata.name}:${e.object.spec.nodeName}`);
    }
    expect(types).toEqual(['ADDED:s:n1', 'DELETED:s:n1', 'ADDED:s:n1']);
    const l1 = await lw.next();
    const l2 = await lw.next();
    expect([l1.type, l2.type]).toEqual(['ADDED', 'MODIFIED']);
    await api.patch(`${SESSIONS}/s`, { metadata: { labels: { peer: 'p2' } } });
    expect((await lw.next()).type).toBe('MODIFIED');
    expect((await lw.next()).type).toBe('DELETED');
  });

  it('streams Tables for kubectl get --watch', async () => {
    const api = await start({ crds: [FIXTURE_CRDS] });
    const w = await watch(`${SESSIONS}?watch=true&resourceVersion=${server.store.resourceVersion}`, {
      Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    await api.post(SESSIONS, {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      metadata: { name: 't' },
      spec: { localASN: 1, peerASN: 2, peerIP: 'x' },
    });
    const ev = await w.next();
    expect(ev.type).toBe('ADDED');
    expect(ev.object.kind).toBe('Table');
    expect(ev.object.rows[0].cells.slice(0, 3)).toEqual(['t', 1, 2]);
    const meta = await watch(`${SESSIONS}?watch=true`, {
      Accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io',
    });
    expect((await meta.next()).object.kind).toBe('PartialObjectMetadata');
  });

  it('closes watches on a deleted CRD and on server close', async () => {
    const api = await start({ crds: [FIXTURE_CRDS] });
    const w = await watch(`${SESSIONS}?watch=true`);
    await api.del('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bgpsessions.networking.gke.io');
    expect(await w.ended()).toBe(true);
    const n = await watch(`${NODES}?watch=true`);
    expect(server.store.watchCount).toBe(1);
    await server.close();
    expect(await n.ended()).toBe(true);
    server = await startTestApiServer();
  });

  it('answers a resourceVersion not reached yet with 504 Too large resource version', async () => {
    const api = await start();
    const ahead = server.store.resourceVersion + 100;
    for (const q of [`?watch=true&resourceVersion=${ahead}`, `?resourceVersion=${ahead}`]) {
      const r = await api.get(`${NODES}${q}`);
      expect(r.status).toBe(504);
      expect(r.body).toMatchObject({
        reason: 'Timeout',
        code: 504,
        message: `Too large resource version: ${ahead}, current: ${server.store.resourceVersion}`,
        details: { causes: [{ reason: 'ResourceVersionTooLarge' }], retryAfterSeconds: 1 },
      });
    }
    expect((await api.get(`${NODES}?resourceVersion=0`)).status).toBe(200);
  });

  it('treats versions below initialResourceVersion as compacted, so clients of a previous server re-list', async () => {
    const api = await start({ initialResourceVersion: 5000 });
    expect(server.store.resourceVersion).toBeGreaterThanOrEqual(5000);
    const created = (await api.post(NODES, node('n'))).body;
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(5000);
    const old = await watch(`${NODES}?watch=true&resourceVersion=4000`);
    expect((await old.next()).object).toMatchObject({ reason: 'Expired', code: 410 });
    const fresh = await watch(`${NODES}?watch=true&resourceVersion=5000`);
    expect((await fresh.next()).object.metadata.name).toBe('n');
    await expect(startTestApiServer({ initialResourceVersion: 0 })).rejects.toThrow(/positive integer/);
  });

  it('disconnects a watcher that stops reading once its buffer is full', async () => {
    await start({ maxWatchBufferBytes: 4096 });
    const controller = new AbortController();
    // Headers are read, the body never is.
    const res = await fetch(`${server.url}${NODES}?watch=true`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(server.store.watchCount).toBe(1);
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 200 && server.store.watchCount > 0; i++) {
      server.store.create({ ...node(`big-${i}`), metadata: { name: `big-${i}`, annotations: { pad: big } } });
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(server.store.watchCount).toBe(0);
    controller.abort();
  });

  it('refuses an invalid resourceVersion and unsupported field labels with 400', async () => {
    const api = await start({ crds: [FIXTURE_CRDS] });
    const bad = await api.get(`${NODES}?watch=true&resourceVersion=abc`);
    expect(bad.status).toBe(400);
    const field = await api.get(`${SESSIONS}?watch=true&fieldSelector=spec.peerIP%3Dx`);
    expect(field.status).toBe(400);
    expect(field.body.message).toBe('field label not supported: spec.peerIP');
    expect((await api.get(`${SESSIONS}?fieldSelector=spec.peerIP%3Dx`)).status).toBe(400);
  });
});
