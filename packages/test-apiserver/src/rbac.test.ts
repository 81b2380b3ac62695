import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { client, FIXTURE_CRDS } from './test-support/http.js';

const SESSIONS = '/apis/networking.gke.io/v1/namespaces/kube-system/bgpsessions';
const session = (name: string) => ({
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPSession',
  metadata: { name },
  spec: { localASN: 65500, peerASN: 65000, peerIP: '10.0.1.254', nodeName: 'n1' },
});

describe('RBAC', () => {
  let server: TestApiServer;
  let admin: ReturnType<typeof client>;
  let agentToken: string;
  const as = (token: string) => {
    const base = client(server.url);
    const auth = { Authorization: `Bearer ${token}` };
    return {
      get: (p: string) => base.req('GET', p, undefined, auth),
      post: (p: string, b: unknown) => base.req('POST', p, b, auth),
      patch: (p: string, b: unknown) =>
        base.req('PATCH', p, b, { ...auth, 'Content-Type': 'application/merge-patch+json' }),
    };
  };

  beforeAll(async () => {
    server = await startTestApiServer({ crds: [FIXTURE_CRDS], rbac: true });
    admin = client(server.url);
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    await admin.post(`${rbac}/clusterroles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'agent' },
      rules: [
        { apiGroups: ['networking.gke.io'], resources: ['bgpsessions'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.gke.io'], resources: ['bgpsessions/status'], verbs: ['update', 'patch'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get'], resourceNames: ['n1'] },
      ],
    });
    await admin.post(`${rbac}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'agent' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'kube-system' }],
    });
    await admin.post(`${rbac}/namespaces/default/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'svc-reader' },
      rules: [{ apiGroups: [''], resources: ['services', '*/status'], verbs: ['*'] }],
    });
    await admin.post(`${rbac}/namespaces/default/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'svc-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'svc-reader' },
      subjects: [
        { kind: 'Group', name: 'readers' },
        { kind: 'ServiceAccount', name: 'agent', namespace: 'kube-system' },
        { kind: 'ServiceAccount', name: 'local' },
      ],
    });
    await admin.post(SESSIONS, session('s1'));
    await admin.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    await admin.post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    agentToken = server.serviceAccountToken('kube-system', 'agent');
  });
  afterAll(async () => {
    await server.close();
  });

  it('allows what the bound roles allow, and refuses the rest with a Forbidden Status', async () => {
    const agent = as(agentToken);
    expect((await agent.get(SESSIONS)).status).toBe(200);
    expect((await agent.get(`${SESSIONS}/s1`)).status).toBe(200);
    expect((await agent.patch(`${SESSIONS}/s1/status`, { status: { state: 'Idle' } })).status).toBe(200);
    const main = await agent.patch(`${SESSIONS}/s1`, { spec: { peerASN: 1 } });
    expect(main.status).toBe(403);
    expect(main.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'bgpsessions.networking.gke.io "s1" is forbidden: User "system:serviceaccount:kube-system:agent" cannot patch resource "bgpsessions" in API group "networking.gke.io" in the namespace "kube-system"',
      reason: 'Forbidden',
      details: { name: 's1', group: 'networking.gke.io', kind: 'bgpsessions' },
      code: 403,
    });
    const create = await agent.post(SESSIONS, session('s2'));
    expect(create.body.message).toBe(
      'bgpsessions.networking.gke.io is forbidden: User "system:serviceaccount:kube-system:agent" cannot create resource "bgpsessions" in API group "networking.gke.io" in the namespace "kube-system"',
    );
    expect((await agent.get('/api/v1/nodes/n1')).status).toBe(200);
    expect((await agent.get('/api/v1/nodes/n2')).status).toBe(403);
    const nodes = await agent.get('/api/v1/nodes');
    expect(nodes.body.message).toContain('cannot list resource "nodes" in API group "" at the cluster scope');
    // A RoleBinding grants only in its namespace; `*/status` matches any status subresource.
    expect((await agent.get('/api/v1/namespaces/default/services')).status).toBe(200);
    expect((await agent.get('/api/v1/namespaces/kube-system/services')).status).toBe(403);
    expect((await agent.get('/api/v1/services')).status).toBe(403);
    expect((await agent.get('/api/v1/namespaces/default/services/x/status')).status).toBe(404);
    // A ServiceAccount subject without a namespace is in the RoleBinding's namespace.
    const local = as(server.serviceAccountToken('default', 'local'));
    expect((await local.get('/api/v1/namespaces/default/services')).status).toBe(200);
    // Discovery is open to every authenticated user.
    expect((await agent.get('/apis')).status).toBe(200);
  });

  it('matches Group subjects, and answers unknown tokens with 401', async () => {
    const reader = as(server.userToken({ username: 'alice', groups: ['readers', 'system:authenticated'] }));
    expect((await reader.get('/api/v1/namespaces/default/services')).status).toBe(200);
    expect((await reader.get(SESSIONS)).status).toBe(403);
    const stranger = await as('nope').get(SESSIONS);
    expect(stranger.status).toBe(401);
    expect(stranger.body).toMatchObject({ reason: 'Unauthorized', code: 401 });
    expect((await admin.get(SESSIONS)).status).toBe(200);
  });

  it('answers SelfSubjectAccessReviews and honours impersonation by an administrator', async () => {
    const review = (verb: string, resource: string, subresource = '') => ({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: {
        resourceAttributes: {
          namespace: 'kube-system',
          verb,
          group: 'networking.gke.io',
          resource,
          subresource,
        },
      },
    });
    const impersonated = (body: unknown) =>
      admin.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body, {
        'Impersonate-User': 'system:serviceaccount:kube-system:agent',
      });
    expect((await impersonated(review('patch', 'bgpsessions', 'status'))).body.status.allowed).toBe(true);
    expect((await impersonated(review('create', 'bgpsessions'))).body.status.allowed).toBe(false);
    expect(
      (await impersonated({ spec: { nonResourceAttributes: { path: '/apis', verb: 'get' } } })).body.status
        .allowed,
    ).toBe(true);
    const rules = await admin.req(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectRulesReview',
        spec: { namespace: 'default' },
      },
      { 'Impersonate-User': 'system:serviceaccount:kube-system:agent' },
    );
    expect(rules.status).toBe(201);
    expect(rules.body.status.resourceRules).toContainEqual({
      verbs: ['*'],
      apiGroups: [''],
      resources: ['services', '*/status'],
    });
    expect(rules.body.status.resourceRules).toContainEqual({
      verbs: ['get'],
      apiGroups: [''],
      resources: ['nodes'],
      resourceNames: ['n1'],
    });
    const adminRules = await admin.req('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      spec: {},
    });
    expect(adminRules.body.status.resourceRules).toEqual([
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    ]);
    const asAgent = await admin.req('GET', SESSIONS, undefined, {
      'Impersonate-User': 'system:serviceaccount:kube-system:agent',
    });
    expect(asAgent.status).toBe(200);
    const refused = await admin.req('POST', SESSIONS, session('s3'), {
      'Impersonate-User': 'bob',
      'Impersonate-Group': 'readers',
    });
    expect(refused.status).toBe(403);
    const agentImpersonating = await client(server.url).req('GET', SESSIONS, undefined, {
      Authorization: `Bearer ${agentToken}`,
      'Impersonate-User': 'admin',
    });
    expect(agentImpersonating.status).toBe(403);
  });

  it('lets a client-node client with a ServiceAccount token do what its role allows', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig('kube-system', agentToken));
    const custom = kc.makeApiClient(CustomObjectsApi);
    const list = await custom.listNamespacedCustomObject({
      group: 'networking.gke.io',
      version: 'v1',
      namespace: 'kube-system',
      plural: 'bgpsessions',
    });
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toContain('s1');
    await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'networking.gke.io',
        version: 'v1',
        namespace: 'kube-system',
        plural: 'bgpsessions',
        name: 's1',
        body: { status: { state: 'Active' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await expect(
      custom.createNamespacedCustomObject({
        group: 'networking.gke.io',
        version: 'v1',
        namespace: 'kube-system',
        plural: 'bgpsessions',
        body: session('s4'),
      }),
    ).rejects.toMatchObject({ code: 403 });
  });
});
