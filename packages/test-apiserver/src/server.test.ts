import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { client, FIXTURE_CRDS, waitFor } from './test-support/http.js';

const SESSIONS = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions';
const ROUTES = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpadvertisedroutes';

function session(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPSession',
    metadata: { name, labels: { peer: 'p1' } },
    spec: {
      localASN: 65500,
      peerASN: 65000,
      peerIP: '10.0.1.254',
      localIP: '10.0.1.178',
      nodeName: 'node-03',
    },
    ...extra,
  };
}

describe('REST semantics', () => {
  let server: TestApiServer;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    server = await startTestApiServer({ crds: [FIXTURE_CRDS] });
    api = client(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates with uid, creationTimestamp, resourceVersion and generation, and drops status', async () => {
    const r = await api.post(SESSIONS, session('s-create', { status: { state: 'Established' } }));
    expect(r.status).toBe(201);
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(r.body.metadata.generation).toBe(1);
    expect(r.body.metadata.namespace).toBe('kube-system');
    expect(r.body.status).toBeUndefined();
    const got = await api.get(`${SESSIONS}/s-create`);
    expect(got.body).toEqual(r.body);
  });

  it('answers 404 NotFound and 409 AlreadyExists with Kubernetes Status bodies', async () => {
    const missing = await api.get(`${SESSIONS}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'bgpsessions.networking.gke.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'networking.gke.io', kind: 'bgpsessions' },
      code: 404,
    });
    await api.post(SESSIONS, session('s-dup'));
    const dup = await api.post(SESSIONS, session('s-dup'));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
      message: 'bgpsessions.networking.gke.io "s-dup" already exists',
    });
    const core = await api.get('/api/v1/namespaces/default/services/none');
    expect(core.body).toMatchObject({
      message: 'services "none" not found',
      details: { name: 'none', kind: 'services' },
    });
    expect(core.body.details.group).toBeUndefined();
  });

  it('refuses a stale resourceVersion on PUT with 409 Conflict, and bumps generation on spec change only', async () => {
    const created = (await api.post(SESSIONS, session('s-put'))).body;
    const changed = { ...created, spec: { ...created.spec, peerASN: 65001 } };
    const ok = await api.put(`${SESSIONS}/s-put`, changed);
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.generation).toBe(2);
    expect(Number(ok.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const stale = await api.put(`${SESSIONS}/s-put`, {
      ...changed,
      spec: { ...changed.spec, peerASN: 65002 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      code: 409,
      message:
        'Operation cannot be fulfilled on bgpsessions.networking.gke.io "s-put": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 's-put', group: 'networking.gke.io', kind: 'bgpsessions' },
    });
    const labelsOnly = { ...ok.body, metadata: { ...ok.body.metadata, labels: { peer: 'p2' } } };
    const relabelled = await api.put(`${SESSIONS}/s-put`, labelsOnly);
    expect(relabelled.body.metadata.generation).toBe(2);
    // An update that changes nothing keeps the resourceVersion (no write, no watch event).
    const noop = await api.put(`${SESSIONS}/s-put`, relabelled.body);
    expect(noop.body.metadata.resourceVersion).toBe(relabelled.body.metadata.resourceVersion);
    // Without a resourceVersion the update is unconditional.
    const { resourceVersion: _rv, ...meta } = relabelled.body.metadata;
    const uncond = await api.put(`${SESSIONS}/s-put`, {
      ...relabelled.body,
      metadata: meta,
      spec: { ...relabelled.body.spec, peerASN: 65003 },
    });
    expect(uncond.status).toBe(200);
    expect(uncond.body.spec.peerASN).toBe(65003);
  });

  it('rejects name and namespace mismatches and missing objects on PUT', async () => {
    const created = (await api.post(SESSIONS, session('s-mismatch'))).body;
    expect((await api.put(`${SESSIONS}/other`, created)).status).toBe(400);
    expect(
      (
        await api.put(`${SESSIONS}/s-mismatch`, {
          ...created,
          metadata: { ...created.metadata, namespace: 'default' },
        })
      ).status,
    ).toBe(400);
    expect((await api.put(`${SESSIONS}/ghost`, { ...created, metadata: { name: 'ghost' } })).status).toBe(
      404,
    );
    expect(
      (await api.post(SESSIONS, { ...session('x'), metadata: { name: 'x', namespace: 'default' } })).status,
    ).toBe(400);
    expect((await api.post(SESSIONS, { ...session('x'), kind: 'Other' })).status).toBe(400);
    expect((await api.post(SESSIONS, { ...session('x'), apiVersion: 'v1' })).status).toBe(400);
    expect((await api.post(SESSIONS, 'not json')).status).toBe(400);
  });

  it('validates labels, annotations and owner references as ObjectMeta validation does', async () => {
    const bad = await api.post(SESSIONS, {
      ...session('s-meta'),
      metadata: {
        name: 's-meta',
        labels: { 'bgplb.io/service': 'default/web', 'Bad Key': 'x', ok: 'a'.repeat(64) },
        annotations: { 'a/b/c': 'x' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Service', name: 'web', uid: '', controller: true },
          { apiVersion: '', kind: '', name: '', uid: 'u', controller: true },
        ],
      },
    });
    expect(bad.status).toBe(422);
    const fields = bad.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual([
      'metadata.labels',
      'metadata.labels',
      'metadata.labels',
      'metadata.annotations',
      'metadata.ownerReferences.uid',
      'metadata.ownerReferences.apiVersion',
      'metadata.ownerReferences.kind',
      'metadata.ownerReferences.name',
      'metadata.ownerReferences',
    ]);
    expect(bad.body.details.causes[0].message).toContain(
      'Invalid value: "default/web": a valid label must be an empty string',
    );
    const ok = await api.post(SESSIONS, {
      ...session('s-meta'),
      metadata: {
        name: 's-meta',
        labels: { 'app.kubernetes.io/part-of': 'bgplb', empty: '' },
        annotations: { 'Example.com/Note': 'any text at all' },
      },
    });
    expect(ok.status).toBe(201);
    const huge = await api.patch(`${SESSIONS}/s-meta`, {
      metadata: { annotations: { big: 'x'.repeat(300 * 1024) } },
    });
    expect(huge.status).toBe(422);
    expect(huge.body.message).toContain('metadata.annotations: Too long');
  });

  it('omits empty metadata maps and lists, as ObjectMeta serialises', async () => {
    const r = await api.post(SESSIONS, {
      ...session('s-empty'),
      metadata: { name: 's-empty', labels: {}, annotations: {}, finalizers: [], generateName: '' },
    });
    expect(Object.keys(r.body.metadata).sort()).toEqual([
      'creationTimestamp',
      'generation',
      'name',
      'namespace',
      'resourceVersion',
      'uid',
    ]);
    const p = await api.patch(`${SESSIONS}/s-empty`, { metadata: { annotations: {} } });
    expect(p.body.metadata.annotations).toBeUndefined();
    expect(p.body.metadata.resourceVersion).toBe(r.body.metadata.resourceVersion);
  });

  it('validates names and generates them from generateName', async () => {
    const bad = await api.post(SESSIONS, session('Bad_Name'));
    expect(bad.status).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(bad.body.details.causes[0].field).toBe('metadata.name');
    const none = await api.post(SESSIONS, { ...session(''), metadata: {} });
    expect(none.status).toBe(422);
    expect(none.body.message).toContain('name or generateName is required');
    const gen = await api.post(SESSIONS, { ...session(''), metadata: { generateName: 'auto-' } });
    expect(gen.status).toBe(201);
    expect(gen.body.metadata.name).toMatch(/^auto-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const withRv = await api.post(SESSIONS, {
      ...session('with-rv'),
      metadata: { name: 'with-rv', resourceVersion: '5' },
    });
    expect(withRv.status).toBe(500);
    expect(withRv.body.message).toBe('resourceVersion should not be set on objects to be created');
  });

  it('prunes unknown fields, applies defaults and validates the CRD schema', async () => {
    const warned = await api.post(SESSIONS, session('s-prune', { spec: { ...session('x').spec, bogus: 1 } }));
    expect(warned.status).toBe(201);
    expect(warned.body.spec.bogus).toBeUndefined();
    expect(warned.headers.get('warning')).toContain('unknown field \\"spec.bogus\\"');
    const strict = await api.post(
      `${SESSIONS}?fieldValidation=Strict`,
      session('s-strict', { spec: { ...session('x').spec, bogus: 1 } }),
    );
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('strict decoding error: unknown field "spec.bogus"');
    const invalid = await api.post(SESSIONS, session('s-invalid', { spec: { localASN: 'x', peerASN: 0 } }));
    expect(invalid.status).toBe(422);
    expect(invalid.body.details.causes.map((c: { field: string }) => c.field).sort()).toEqual([
      'spec.localASN',
      'spec.peerASN',
      'spec.peerIP',
    ]);
    const route = await api.post(ROUTES, {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'r1' },
      spec: { prefix: '10.0.0.1/32' },
    });
    expect(route.body.spec.metric).toBe(100);
    const badEnum = await api.post(SESSIONS, session('s-enum'));
    expect(badEnum.status).toBe(201);
    const st = await api.put(`${SESSIONS}/s-enum/status`, { ...badEnum.body, status: { state: 'Bogus' } });
    expect(st.status).toBe(422);
    expect(st.body.message).toContain('Unsupported value: "Bogus"');
  });

  it('keeps status and spec apart with the status subresource', async () => {
    const created = (await api.post(SESSIONS, session('s-status'))).body;
    const st = await api.put(`${SESSIONS}/s-status/status`, {
      ...created,
      spec: { ...created.spec, peerASN: 1 },
      status: { state: 'Active' },
    });
    expect(st.status).toBe(200);
    expect(st.body.status).toEqual({ state: 'Active' });
    expect(st.body.spec.peerASN).toBe(65000);
    expect(st.body.metadata.generation).toBe(1);
    const main = await api.put(`${SESSIONS}/s-status`, {
      ...st.body,
      status: { state: 'Idle' },
      spec: { ...st.body.spec, localIP: '10.0.0.9' },
    });
    expect(main.body.status).toEqual({ state: 'Active' });
    expect(main.body.spec.localIP).toBe('10.0.0.9');
    const patched = await api.patch(`${SESSIONS}/s-status/status`, {
      status: { state: 'Established' },
      spec: { peerASN: 2 },
    });
    expect(patched.body.status.state).toBe('Established');
    expect(patched.body.spec.peerASN).toBe(65000);
    const getStatus = await api.get(`${SESSIONS}/s-status/status`);
    expect(getStatus.body.status.state).toBe('Established');
    // A kind without the subresource has no /status.
    expect((await api.get('/apis/example.test/v1beta1/widgets/none/status')).status).toBe(404);
    expect((await api.get('/api/v1/namespaces/default/events/e/status')).status).toBe(404);
  });

  it('applies merge, JSON and strategic merge patches, with resourceVersion preconditions', async () => {
    const created = (await api.post(SESSIONS, session('s-patch'))).body;
    const merged = await api.patch(`${SESSIONS}/s-patch`, {
      metadata: { labels: { peer: null, extra: 'y' } },
      spec: { peerASN: 64999 },
    });
    expect(merged.status).toBe(200);
    expect(merged.body.metadata.labels).toEqual({ extra: 'y' });
    expect(merged.body.spec.peerASN).toBe(64999);
    const json = await api.patch(
      `${SESSIONS}/s-patch`,
      [
        { op: 'test', path: '/spec/peerASN', value: 64999 },
        { op: 'replace', path: '/spec/peerASN', value: 64998 },
      ],
      'application/json-patch+json',
    );
    expect(json.body.spec.peerASN).toBe(64998);
    const failedTest = await api.patch(
      `${SESSIONS}/s-patch`,
      [{ op: 'test', path: '/spec/peerASN', value: 1 }],
      'application/json-patch+json',
    );
    expect(failedTest.status).toBe(422);
    const stale = await api.patch(`${SESSIONS}/s-patch`, {
      metadata: { resourceVersion: created.metadata.resourceVersion },
      spec: { peerASN: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const smpOnCr = await api.patch(
      `${SESSIONS}/s-patch`,
      { spec: {} },
      'application/strategic-merge-patch+json',
    );
    expect(smpOnCr.status).toBe(415);
    expect(smpOnCr.body.reason).toBe('UnsupportedMediaType');
    expect((await api.patch(`${SESSIONS}/missing`, { spec: {} })).status).toBe(404);
    expect((await api.patch(`${SESSIONS}/s-patch`, { spec: {} }, 'text/plain')).status).toBe(415);
    const uid = await api.patch(`${SESSIONS}/s-patch`, { metadata: { uid: 'other' } });
    expect(uid.status).toBe(409);
  });

  it('merges Node conditions by type with a strategic merge patch', async () => {
    await api.post('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-smp', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      },
    });
    const r = await api.patch(
      '/api/v1/nodes/node-smp/status',
      { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletDown' }] } },
      'application/strategic-merge-patch+json',
    );
    expect(r.status).toBe(200);
    expect(r.body.status.conditions).toEqual([
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: 'False', reason: 'KubeletDown' },
    ]);
    expect(r.body.status.addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.1' }]);
  });

  it('approximates server-side apply: create, merge, and removal of what the manager stopped applying', async () => {
    const path = `${SESSIONS}/s-apply?fieldManager=test`;
    const ssa = 'application/apply-patch+yaml';
    const applied = await api.patch(path, session('s-apply'), ssa);
    expect(applied.status).toBe(201);
    const spec = session('s-apply').spec;
    const again = await api.patch(path, { ...session('s-apply'), spec: { ...spec, peerASN: 65111 } }, ssa);
    expect(again.status).toBe(200);
    expect(again.body.spec.peerASN).toBe(65111);
    expect(again.body.spec.localASN).toBe(65500);
    // Leaving out a required field this manager applied removes it: the result is invalid.
    const { localASN: _l, ...partial } = spec;
    expect((await api.patch(path, { ...session('s-apply'), spec: partial }, ssa)).status).toBe(422);
    expect((await api.patch(`${SESSIONS}/s-apply`, session('s-apply'), ssa)).status).toBe(422);
    // What the same manager applied before and leaves out now is removed; other managers' fields stay.
    const labelled = { ...session('s-apply'), metadata: { name: 's-apply', labels: { a: '1', b: '2' } } };
    await api.patch(path, labelled, ssa);
    await api.patch(
      `${SESSIONS}/s-apply?fieldManager=other`,
      { ...session('s-apply'), metadata: { name: 's-apply', labels: { c: '3' } } },
      ssa,
    );
    const dropped = await api.patch(
      path,
      { ...labelled, metadata: { name: 's-apply', labels: { a: '1' } } },
      ssa,
    );
    expect(dropped.body.metadata.labels).toEqual({ a: '1', c: '3' });
  });

  it('filters lists by label and field selectors, across namespaces', async () => {
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sel' } });
    const path = '/apis/networking.gke.io/v1/namespaces/sel/bgpsessions';
    await api.post(path, {
      ...session('a'),
      metadata: { name: 'a', labels: { tier: 'x', zone: 'z1' } },
      spec: { ...session('a').spec, nodeName: 'n1' },
    });
    await api.post(path, {
      ...session('b'),
      metadata: { name: 'b', labels: { tier: 'y' } },
      spec: { ...session('b').spec, nodeName: 'n2' },
    });
    await api.post(path, {
      ...session('c'),
      metadata: { name: 'c' },
      spec: { ...session('c').spec, nodeName: 'n1' },
    });
    const names = async (q: string) =>
      ((await api.get(`${path}?${q}`)).body.items as Array<{ metadata: { name: string } }>).map(
        (i) => i.metadata.name,
      );
    expect(await names('labelSelector=tier%3Dx')).toEqual(['a']);
    expect(await names('labelSelector=tier%3D%3Dy')).toEqual(['b']);
    expect(await names('labelSelector=tier!%3Dx')).toEqual(['b', 'c']);
    expect(await names(`labelSelector=${encodeURIComponent('tier in (x,y)')}`)).toEqual(['a', 'b']);
    expect(await names(`labelSelector=${encodeURIComponent('tier notin (x)')}`)).toEqual(['b', 'c']);
    expect(await names('labelSelector=tier')).toEqual(['a', 'b']);
    expect(await names('labelSelector=!tier')).toEqual(['c']);
    expect(await names('labelSelector=tier,zone%3Dz1')).toEqual(['a']);
    expect(await names('fieldSelector=spec.nodeName%3Dn1')).toEqual(['a', 'c']);
    expect(await names('fieldSelector=metadata.name!%3Da,spec.nodeName%3Dn1')).toEqual(['c']);
    expect(await names('fieldSelector=metadata.namespace%3Dsel')).toEqual(['a', 'b', 'c']);
    const all = (
      await api.get('/apis/networking.gke.io/v1/bgpsessions?fieldSelector=metadata.namespace%3Dsel')
    ).body;
    expect(all.kind).toBe('BGPSessionList');
    expect(all.items).toHaveLength(3);
    const everywhere = (await api.get('/apis/networking.gke.io/v1/bgpsessions')).body.items as Array<{
      metadata: { namespace: string };
    }>;
    expect(new Set(everywhere.map((i) => i.metadata.namespace))).toEqual(new Set(['kube-system', 'sel']));
    expect((await api.get(`${path}?labelSelector=${encodeURIComponent('a in (')}`)).status).toBe(400);
    expect((await api.get(`${path}?fieldSelector=nonsense`)).status).toBe(400);
  });

  it('accepts the field labels kube-apiserver has for built-in kinds, and only those', async () => {
    await api.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'fl-a' } });
    await api.post('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'fl-b' },
      spec: { unschedulable: true },
    });
    const names = async (path: string) =>
      ((await api.get(path)).body.items as Array<{ metadata: { name: string } }>)
        .map((i) => i.metadata.name)
        .filter((n) => n.startsWith('fl-'));
    expect(await names('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse')).toEqual(['fl-a']);
    expect(await names('/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue')).toEqual(['fl-b']);
    const refused = await api.get('/api/v1/nodes?fieldSelector=spec.podCIDR%3Dx');
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('field label not supported: spec.podCIDR');
    await api.post('/api/v1/namespaces/default/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'fl-ev' },
      involvedObject: { kind: 'Node', name: 'fl-a' },
      source: { component: 'bgplb-controller' },
      reason: 'Test',
    });
    expect(
      await names(
        '/api/v1/namespaces/default/events?fieldSelector=source%3Dbgplb-controller,involvedObject.kind%3DNode',
      ),
    ).toEqual(['fl-ev']);
    expect((await api.get('/api/v1/namespaces/default/events?fieldSelector=message%3Dx')).status).toBe(400);
    expect(
      (await api.get('/api/v1/namespaces?fieldSelector=status.phase%3DActive')).body.items.length,
    ).toBeGreaterThan(3);
    expect(
      (await api.get('/apis/coordination.k8s.io/v1/leases?fieldSelector=spec.holderIdentity%3Dx')).status,
    ).toBe(400);
    await api.post('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'fl-pod' },
      spec: { nodeName: 'fl-a', containers: [{ name: 'c', image: 'x' }] },
    });
    const pods = (
      await api.get(
        '/api/v1/pods?fieldSelector=spec.nodeName%3Dfl-a,status.phase!%3DSucceeded,spec.hostNetwork%3Dfalse',
      )
    ).body.items;
    expect(
      pods.map((p: { metadata: { name: string }; status: { phase: string } }) => [
        p.metadata.name,
        p.status.phase,
      ]),
    ).toEqual([['fl-pod', 'Pending']]);
  });

  it('paginates lists with limit and continue, over a consistent snapshot', async () => {
    await api.post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'pages' },
    });
    const svc = (n: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n },
      spec: { ports: [{ port: 80 }] },
    });
    for (const n of ['p1', 'p2', 'p3']) await api.post('/api/v1/namespaces/pages/services', svc(n));
    const names = (list: { items: Array<{ metadata: { name: string } }> }) =>
      list.items.map((i) => i.metadata.name);
    const first = (await api.get('/api/v1/namespaces/pages/services?limit=2')).body;
    expect(names(first)).toEqual(['p1', 'p2']);
    expect(first.metadata.remainingItemCount).toBe(1);
    // Changes after the first page do not show in the next one: it reads the first page's revision.
    await api.del('/api/v1/namespaces/pages/services/p3');
    await api.post('/api/v1/namespaces/pages/services', svc('p4'));
    const second = (
      await api.get(`/api/v1/namespaces/pages/services?limit=2&continue=${first.metadata.continue}`)
    ).body;
    expect(names(second)).toEqual(['p3']);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(second.metadata.continue).toBeUndefined();
    expect(names((await api.get('/api/v1/namespaces/pages/services')).body)).toEqual(['p1', 'p2', 'p4']);
    expect((await api.get('/api/v1/namespaces/pages/services?continue=garbage')).status).toBe(400);
  });

  it('reads the past with resourceVersionMatch=Exact, until it is compacted', async () => {
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'past' } });
    const path = '/api/v1/namespaces/past/services';
    const svc = (n: string) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: n },
      spec: { ports: [{ port: 80 }] },
    });
    await api.post(path, svc('a'));
    await api.post(path, svc('b'));
    const then = (await api.get(path)).body.metadata.resourceVersion;
    await api.patch(`${path}/a`, { metadata: { labels: { changed: 'yes' } } });
    await api.del(`${path}/b`);
    await api.post(path, svc('c'));
    const past = (await api.get(`${path}?resourceVersion=${then}&resourceVersionMatch=Exact`)).body;
    expect(past.metadata.resourceVersion).toBe(then);
    expect(
      past.items.map((i: { metadata: { name: string; labels?: object } }) => [
        i.metadata.name,
        i.metadata.labels,
      ]),
    ).toEqual([
      ['a', undefined],
      ['b', undefined],
    ]);
    const latest = (await api.get(`${path}?resourceVersion=${then}&resourceVersionMatch=NotOlderThan`)).body;
    expect(latest.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['a', 'c']);
    expect((await api.get(`${path}?resourceVersion=0&resourceVersionMatch=Exact`)).status).toBe(400);
    expect((await api.get(`${path}?resourceVersionMatch=Exact`)).status).toBe(400);
    expect((await api.get(`${path}?resourceVersion=1&resourceVersionMatch=Sometimes`)).status).toBe(400);
    server.store.compact();
    const gone = await api.get(`${path}?resourceVersion=${then}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.body.reason).toBe('Expired');
  });

  it('defaults Services like kube-apiserver (clusterIP, nodePorts, traffic policy)', async () => {
    const svc = (
      await api.post('/api/v1/namespaces/default/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'lb' },
        spec: { type: 'LoadBalancer', ports: [{ port: 443 }], externalTrafficPolicy: 'Local' },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      })
    ).body;
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec.ports[0]).toMatchObject({ port: 443, targetPort: 443, protocol: 'TCP' });
    expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.status).toEqual({ loadBalancer: {} });
    const ip = await api.patch('/api/v1/namespaces/default/services/lb/status', {
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.50' }] } },
    });
    expect(ip.body.status.loadBalancer.ingress).toEqual([{ ip: '10.0.0.50' }]);
    const bad = await api.post('/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'a.b' },
      spec: {},
    });
    expect(bad.status).toBe(422);
  });

  it('validates Services like kube-apiserver, including the load-balancer status', async () => {
    const path = '/api/v1/namespaces/default/services';
    const bad = await api.post(path, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'bad' },
      spec: {
        type: 'Magic',
        externalTrafficPolicy: 'Local',
        ports: [
          { port: 0, protocol: 'ICMP' },
          { port: 0, protocol: 'ICMP' },
        ],
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes.map((c: { field: string }) => c.field)).toEqual([
      'spec.type',
      'spec.ports[0].port',
      'spec.ports[0].protocol',
      'spec.ports[0].name',
      'spec.ports[1].port',
      'spec.ports[1].protocol',
      'spec.ports[1]',
      'spec.ports[1].name',
      'spec.externalTrafficPolicy',
    ]);
    expect(
      (await api.post(path, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'noports' }, spec: {} }))
        .status,
    ).toBe(422);
    expect(
      (
        await api.post(path, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'etp' },
          spec: { type: 'NodePort', externalTrafficPolicy: 'Sometimes', ports: [{ port: 1 }] },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await api.post(path, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'headless' },
          spec: { clusterIP: 'None' },
        })
      ).status,
    ).toBe(201);
    await api.post(path, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'vip' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
    const badIp = await api.patch(`${path}/vip/status`, {
      status: { loadBalancer: { ingress: [{ ip: '10.0.0.300' }, { ipMode: 'VIP' }] } },
    });
    expect(badIp.status).toBe(422);
    expect(badIp.body.message).toBe(
      'Service "vip" is invalid: [status.loadBalancer.ingress[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, status.loadBalancer.ingress[1].ipMode: Forbidden: may not be specified when `ip` is not set]',
    );
    expect(
      (
        await api.patch(`${path}/vip/status`, {
          status: { loadBalancer: { ingress: [{ ip: '10.0.0.30', ipMode: 'VIP' }] } },
        })
      ).status,
    ).toBe(200);
  });

  it('deletes, honouring preconditions and finalizers', async () => {
    const created = (await api.post(SESSIONS, session('s-del'))).body;
    const pre = await api.del(`${SESSIONS}/s-del`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      preconditions: { uid: 'wrong' },
    });
    expect(pre.status).toBe(409);
    const rvPre = await api.del(`${SESSIONS}/s-del`, { preconditions: { resourceVersion: '1' } });
    expect(rvPre.status).toBe(409);
    const dry = await api.del(`${SESSIONS}/s-del?dryRun=All`);
    expect(dry.status).toBe(200);
    expect((await api.get(`${SESSIONS}/s-del`)).status).toBe(200);
    const del = await api.del(`${SESSIONS}/s-del`, { preconditions: { uid: created.metadata.uid } });
    expect(del.status).toBe(200);
    expect(del.body.metadata.name).toBe('s-del');
    expect((await api.get(`${SESSIONS}/s-del`)).status).toBe(404);
    expect((await api.del(`${SESSIONS}/s-del`)).status).toBe(404);

    await api.post(SESSIONS, { ...session('s-fin'), metadata: { name: 's-fin', finalizers: ['test/hold'] } });
    const pending = await api.del(`${SESSIONS}/s-fin`);
    expect(pending.status).toBe(202);
    expect(pending.body.metadata.deletionTimestamp).toBeDefined();
    expect((await api.del(`${SESSIONS}/s-fin`)).status).toBe(202);
    const released = await api.patch(`${SESSIONS}/s-fin`, { metadata: { finalizers: null } });
    expect(released.status).toBe(200);
    expect(released.body.metadata.finalizers).toBeUndefined();
    expect(Number(released.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(pending.body.metadata.resourceVersion),
    );
    expect((await api.get(`${SESSIONS}/s-fin`)).status).toBe(404);
  });

  it('deletes collections by selector', async () => {
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'coll' } });
    const path = '/apis/networking.gke.io/v1/namespaces/coll/bgpsessions';
    await api.post(path, { ...session('k1'), metadata: { name: 'k1', labels: { gc: 'yes' } } });
    await api.post(path, { ...session('k2'), metadata: { name: 'k2' } });
    const r = await api.del(`${path}?labelSelector=gc%3Dyes`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['k1']);
    expect((await api.get(path)).body.items).toHaveLength(1);
  });

  it('garbage-collects dependents whose owners are gone, and cascades namespace deletion', async () => {
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc' } });
    const owner = (
      await api.post('/api/v1/namespaces/gc/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'owner' },
        spec: { ports: [{ port: 80 }] },
      })
    ).body;
    const ref = {
      apiVersion: 'v1',
      kind: 'Service',
      name: 'owner',
      uid: owner.metadata.uid,
      controller: true,
    };
    const path = '/apis/networking.gke.io/v1/namespaces/gc/bgpsessions';
    await api.post(path, { ...session('dep'), metadata: { name: 'dep', ownerReferences: [ref] } });
    await api.post(path, {
      ...session('orphan'),
      metadata: { name: 'orphan', ownerReferences: [{ ...ref, uid: 'absent' }] },
    });
    await waitFor(
      () => server.store.get('networking.gke.io/v1', 'BGPSession', 'orphan', 'gc') === undefined,
      2000,
      'orphan GC',
    );
    expect(server.store.get('networking.gke.io/v1', 'BGPSession', 'dep', 'gc')).toBeDefined();
    await api.del('/api/v1/namespaces/gc/services/owner');
    await waitFor(
      () => server.store.get('networking.gke.io/v1', 'BGPSession', 'dep', 'gc') === undefined,
      2000,
      'dependent GC',
    );
    await api.post(path, session('left'));
    await api.post(path, {
      ...session('held'),
      metadata: { name: 'held', finalizers: ['example.com/hold'] },
    });
    const terminating = await api.del('/api/v1/namespaces/gc');
    expect(terminating.status).toBe(202);
    expect(terminating.body.status.phase).toBe('Terminating');
    const refused = await api.post(path, session('late'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'bgpsessions.networking.gke.io is forbidden: unable to create new content in namespace gc because it is being terminated',
    );
    await waitFor(
      () => server.store.get('networking.gke.io/v1', 'BGPSession', 'left', 'gc') === undefined,
      2000,
      'namespace contents deleted',
    );
    // An object with a finalizer holds the namespace in Terminating until it is released.
    expect(
      server.store.get('networking.gke.io/v1', 'BGPSession', 'held', 'gc')?.metadata.deletionTimestamp,
    ).toBeDefined();
    expect((await api.del('/api/v1/namespaces/gc')).status).toBe(409);
    await api.patch(`${path}/held`, { metadata: { finalizers: null } });
    await waitFor(() => server.store.get('v1', 'Namespace', 'gc') === undefined, 2000, 'namespace deleted');
    const missingNs = await api.post(path, session('x'));
    expect(missingNs.status).toBe(404);
    expect(missingNs.body.message).toBe('namespaces "gc" not found');
  });

  it('honours Orphan and Foreground propagation policies', async () => {
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prop' } });
    const svcs = '/api/v1/namespaces/prop/services';
    const path = '/apis/networking.gke.io/v1/namespaces/prop/bgpsessions';
    const owner = async (name: string) =>
      (
        await api.post(svcs, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name },
          spec: { ports: [{ port: 80 }] },
        })
      ).body;
    const dependent = (name: string, o: { metadata: { name: string; uid: string } }, finalizers?: string[]) =>
      api.post(path, {
        ...session(name),
        metadata: {
          name,
          ...(finalizers ? { finalizers } : {}),
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Service', name: o.metadata.name, uid: o.metadata.uid },
          ],
        },
      });
    const get = (name: string) => server.store.get('networking.gke.io/v1', 'BGPSession', name, 'prop');

    const o1 = await owner('o1');
    await dependent('kept', o1);
    expect((await api.del(`${svcs}/o1?propagationPolicy=Orphan`)).status).toBe(200);
    // Past the garbage collector's pass (a setImmediate): the dependent is kept, without the reference
    // (checked separately: `?.` alone would also pass for a deleted dependent).
    await new Promise((r) => setTimeout(r, 20));
    expect(get('kept')).toBeDefined();
    expect(get('kept')?.metadata.ownerReferences).toBeUndefined();

    const o2 = await owner('o2');
    await dependent('d1', o2);
    await dependent('d2', o2, ['example.com/hold']);
    const fg = await api.del(`${svcs}/o2`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: 'Foreground',
    });
    expect(fg.status).toBe(202);
    expect(fg.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    await waitFor(() => get('d1') === undefined, 2000, 'd1 collected');
    expect(get('d2')?.metadata.deletionTimestamp).toBeDefined();
    expect(server.store.get('v1', 'Service', 'o2', 'prop')).toBeDefined();
    await api.patch(`${path}/d2`, { metadata: { finalizers: null } });
    await waitFor(
      () => server.store.get('v1', 'Service', 'o2', 'prop') === undefined,
      2000,
      'owner deleted after its dependents',
    );

    const o3 = await owner('o3');
    expect((await api.del(`${svcs}/o3`, { orphanDependents: true })).status).toBe(200);
    expect((await api.del(`${svcs}/o3?propagationPolicy=Sometimes`)).status).toBe(400);
    expect(o3.metadata.name).toBe('o3');
  });

  it('routes paths like kube-apiserver and answers unknown ones with 404/405', async () => {
    expect((await api.get('/api/v1/bogus')).status).toBe(404);
    expect((await api.get('/apis/networking.gke.io/v2/bgpsessions')).status).toBe(404);
    expect((await api.get('/api/v1/namespaces/default/nodes')).status).toBe(404);
    expect((await api.get('/nothing')).status).toBe(404);
    expect((await api.req('POST', `${SESSIONS}/x`, {})).status).toBe(405);
    expect((await api.post('/apis/networking.gke.io/v1/bgpsessions', session('x'))).status).toBe(405);
    expect((await api.get('/api/v1/namespaces/kube-system')).body.status.phase).toBe('Active');
    expect((await api.get('/api/v1/namespaces/kube-system/status')).status).toBe(200);
    expect((await api.get('/healthz')).body).toBe('ok');
    expect((await api.post(`${SESSIONS}?dryRun=Bogus`, session('x'))).status).toBe(400);
    expect((await api.post(`${SESSIONS}?fieldValidation=Bogus`, session('x'))).status).toBe(400);
    const proto = await api.post('/api/v1/namespaces', 'k8s\u0000', {
      'Content-Type': 'application/vnd.kubernetes.protobuf',
    });
    expect(proto.status).toBe(415);
  });

  it('creates nothing on dryRun=All', async () => {
    const r = await api.post(`${SESSIONS}?dryRun=All`, session('s-dry'));
    expect(r.status).toBe(201);
    expect((await api.get(`${SESSIONS}/s-dry`)).status).toBe(404);
  });

  it('serves events through core/v1 and events.k8s.io/v1 from one storage', async () => {
    const ev = await api.post('/apis/events.k8s.io/v1/namespaces/default/events', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      regarding: { kind: 'Service', name: 'lb', namespace: 'default' },
      note: 'VIP allocated',
      reason: 'Allocated',
      type: 'Normal',
      reportingController: 'bgplb',
      eventTime: '2026-01-01T00:00:00.000000Z',
    });
    expect(ev.status).toBe(201);
    expect(ev.body.regarding.name).toBe('lb');
    const core = (await api.get('/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dlb'))
      .body;
    expect(core.items).toHaveLength(1);
    expect(core.items[0]).toMatchObject({
      apiVersion: 'v1',
      message: 'VIP allocated',
      involvedObject: { kind: 'Service' },
      reportingComponent: 'bgplb',
    });
    const v1 = (
      await api.get('/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dlb')
    ).body;
    expect(v1.items[0].note).toBe('VIP allocated');
    // PUT creates an Event that does not exist (AllowCreateOnUpdate), as in kube-apiserver.
    const put = await api.put('/api/v1/namespaces/default/events/e2', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e2' },
      message: 'x',
      involvedObject: {},
    });
    expect(put.status).toBe(201);
  });
});

describe('discovery, OpenAPI and Tables', () => {
  let server: TestApiServer;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    server = await startTestApiServer({ crds: [FIXTURE_CRDS] });
    api = client(server.url);
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves /version, /api, /apis and resource lists', async () => {
    expect((await api.get('/version')).body).toMatchObject({ major: '1', minor: '32' });
    expect((await api.get('/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await api.get('/apis')).body;
    expect(groups.kind).toBe('APIGroupList');
    const names = groups.groups.map((g: { name: string }) => g.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'networking.gke.io',
        'coordination.k8s.io',
        'events.k8s.io',
        'apiextensions.k8s.io',
        'example.test',
      ]),
    );
    const widgets = groups.groups.find((g: { name: string }) => g.name === 'example.test');
    expect(widgets.preferredVersion.version).toBe('v1');
    expect(widgets.versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
    expect((await api.get('/apis/example.test')).body).toMatchObject({
      kind: 'APIGroup',
      name: 'example.test',
    });
    const list = (await api.get('/apis/networking.gke.io/v1')).body;
    const sessions = list.resources.find((r: { name: string }) => r.name === 'bgpsessions');
    expect(sessions).toMatchObject({
      singularName: 'bgpsession',
      namespaced: true,
      kind: 'BGPSession',
      shortNames: ['bgps'],
    });
    expect(sessions.verbs).toEqual(
      expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
    );
    expect(list.resources.find((r: { name: string }) => r.name === 'bgpsessions/status')).toBeDefined();
    const core = (await api.get('/api/v1')).body;
    expect(core.resources.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['nodes', 'services', 'services/status', 'events', 'namespaces']),
    );
    expect((await api.get('/apis/nothing.example')).status).toBe(404);
    expect((await api.get('/apis/nothing.example/v1')).status).toBe(404);
    expect((await api.get('/api/v2')).status).toBe(404);
  });

  it('serves aggregated discovery to clients that prefer it', async () => {
    const accept =
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const agg = await api.get('/apis', { Accept: accept });
    expect(agg.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    expect(agg.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    const net = agg.body.items.find(
      (i: { metadata: { name?: string } }) => i.metadata.name === 'networking.gke.io',
    );
    const sessions = net.versions[0].resources.find(
      (r: { resource: string }) => r.resource === 'bgpsessions',
    );
    expect(sessions).toMatchObject({
      responseKind: { group: 'networking.gke.io', version: 'v1', kind: 'BGPSession' },
      scope: 'Namespaced',
      singularResource: 'bgpsession',
      shortNames: ['bgps'],
      subresources: [{ subresource: 'status', verbs: ['get', 'patch', 'update'] }],
    });
    expect(net.versions[0].freshness).toBe('Current');
    const widgets = agg.body.items.find(
      (i: { metadata: { name?: string } }) => i.metadata.name === 'example.test',
    );
    expect(widgets.versions.map((v: { version: string }) => v.version)).toEqual(['v1', 'v1beta1']);
    const core = await api.get('/api', {
      Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    });
    expect(core.body.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(core.body.items).toHaveLength(1);
    expect(
      core.body.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'nodes')
        .scope,
    ).toBe('Cluster');
    // A client that prefers plain JSON gets the legacy documents.
    const legacy = await api.get('/apis', {
      Accept: 'application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    });
    expect(legacy.body.kind).toBe('APIGroupList');
    expect(legacy.headers.get('content-type')).toBe('application/json');
  });

  it('serves an OpenAPI v3 index that declares fieldValidation for every kind', async () => {
    const index = (await api.get('/openapi/v3')).body;
    const url = index.paths['apis/networking.gke.io/v1'].serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/networking.gke.io\/v1\?hash=/);
    const doc = (await api.get(url)).body;
    const op = doc.paths['/apis/networking.gke.io/v1/namespaces/{namespace}/bgpsessions/{name}'].patch;
    expect(op['x-kubernetes-group-version-kind']).toEqual({
      group: 'networking.gke.io',
      version: 'v1',
      kind: 'BGPSession',
    });
    expect(op.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect((await api.get('/openapi/v3/api/v1')).body.paths['/api/v1/nodes/{name}']).toBeDefined();
    expect((await api.get('/openapi/v3/apis/none/v1')).status).toBe(404);
    expect((await api.get('/openapi/v2')).status).toBe(404);
  });

  it('serves EndpointSlices (discovery.k8s.io/v1), with a label selector and as a Table', async () => {
    const path = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
    const slice = (name: string, labels: Record<string, string>, addresses: string[]) => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, labels },
      addressType: 'IPv4',
      endpoints: addresses.map((a) => ({ addresses: [a], nodeName: 'lb1', conditions: { ready: true } })),
    });
    expect(
      (
        await api.post(
          path,
          slice('web-x1', { 'kubernetes.io/service-name': 'web' }, ['10.244.0.1', '10.244.0.2']),
        )
      ).status,
    ).toBe(201);
    expect((await api.post(path, slice('other', {}, []))).status).toBe(201);
    const selected = (
      await api.get('/apis/discovery.k8s.io/v1/endpointslices?labelSelector=kubernetes.io%2Fservice-name')
    ).body;
    expect(selected.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['web-x1']);
    const table = (await api.get(path, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body;
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'AddressType',
      'Endpoints',
      'Age',
    ]);
    expect(table.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3))).toEqual([
      ['other', 'IPv4', '<unset>'],
      ['web-x1', 'IPv4', '10.244.0.1,10.244.0.2'],
    ]);
  });

  it('renders CRD printer columns as a Table', async () => {
    await api.post(SESSIONS, session('t1'));
    await api.patch(`${SESSIONS}/t1/status`, {
      status: { state: 'Established', lastReportTime: new Date(Date.now() - 125_000).toISOString() },
    });
    const table = (
      await api.get(SESSIONS, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' })
    ).body;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Local ASN',
      'Peer ASN',
      'Local IP',
      'Peer IP',
      'State',
      'Last Report',
    ]);
    expect(table.rows[0].cells).toEqual([
      't1',
      65500,
      65000,
      '10.0.1.178',
      '10.0.1.254',
      'Established',
      // 125 s when reported; the age is taken at the GET, which a loaded machine can delay by seconds.
      expect.stringMatching(/^2m([5-9]|1[0-5])s$/),
    ]);
    expect(table.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 't1' } });
    const one = (
      await api.get(`${SESSIONS}/t1?includeObject=Object`, {
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      })
    ).body;
    expect(one.rows[0].object.spec.localASN).toBe(65500);
    const none = (
      await api.get(`${SESSIONS}?includeObject=None`, {
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      })
    ).body;
    expect(none.rows[0].object).toBeUndefined();
    const widgets = (
      await api.get('/apis/example.test/v1/widgets', {
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      })
    ).body;
    expect(widgets.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Age']);
  });

  it('renders built-in kinds as Tables', async () => {
    await api.post('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        nodeInfo: { kubeletVersion: 'v1.32.0' },
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
      },
    });
    const nodes = (await api.get('/api/v1/nodes', { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }))
      .body;
    expect(nodes.rows[0].cells).toEqual(['n1', 'Ready', 'control-plane', '0s', 'v1.32.0', '10.0.0.1']);
    await api.post('/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }], selector: { app: 'web' } },
    });
    const svc = (
      await api.get('/api/v1/namespaces/default/services/web', {
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      })
    ).body;
    expect(svc.rows[0].cells.slice(0, 5)).toEqual([
      'web',
      'LoadBalancer',
      expect.stringMatching(/^10\.96\./),
      '<pending>',
      expect.stringMatching(/^80:3\d{4}\/TCP$/),
    ]);
    const leases = (
      await api.get('/apis/coordination.k8s.io/v1/leases', {
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
      })
    ).body;
    expect(leases.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Holder', 'Age']);
    const meta = (
      await api.get('/api/v1/nodes', {
        Accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
      })
    ).body;
    expect(meta.kind).toBe('PartialObjectMetadataList');
    expect(meta.items[0].metadata.name).toBe('n1');
  });

  it('serves and registers CustomResourceDefinitions created through the API', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.test' },
      spec: {
        group: 'example.test',
        scope: 'Namespaced',
        names: { plural: 'gadgets', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    const created = await api.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    expect(created.status).toBe(201);
    expect(
      created.body.status.conditions.find((c: { type: string }) => c.type === 'Established').status,
    ).toBe('True');
    const g = await api.post('/apis/example.test/v1/namespaces/default/gadgets', {
      apiVersion: 'example.test/v1',
      kind: 'Gadget',
      metadata: { name: 'g1' },
      anything: { goes: true },
    });
    expect(g.status).toBe(201);
    expect(g.body.anything).toEqual({ goes: true });
    const bad = await api.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      ...crd,
      metadata: { name: 'wrong.example.test' },
    });
    expect(bad.status).toBe(422);
    expect(
      (await api.del('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.test')).status,
    ).toBe(200);
    expect((await api.get('/apis/example.test/v1/namespaces/default/gadgets')).status).toBe(404);
  });
});
