import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crdDirectory } from '@bgplb/api-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from './server.js';
import { FIXTURE_CRDS } from './test-support/http.js';
import { kubectlBinaries } from './test-support/kubectl-binaries.js';

const KUBECTLS = kubectlBinaries();

const run = promisify(execFile);

const SESSION = `apiVersion: networking.gke.io/v1
kind: BGPSession
metadata:
  name: bgppeer1-node-03
  namespace: kube-system
spec:
  floatingIP: 10.0.1.178
  localASN: 65500
  localIP: 10.0.1.178
  nodeName: node-03
  peerASN: 65000
  peerIP: 10.0.1.254
`;

/**
 * Real kubectls against the test server, with the generated bgplb CRDs: the machine's (1.32 here)
 * and 1.33 from the helm/kubectl layer package.
 */
describe.each(KUBECTLS)('$name against the test server', ({ path: KUBECTL }) => {
  let server: TestApiServer;
  let dir: string;
  const kubectl = async (...args: string[]): Promise<string> => {
    try {
      const { stdout } = await run(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        {
          timeout: 30_000,
        },
      );
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(
        `kubectl ${args.join(' ')} failed: ${err.stderr ?? ''}${err.stdout ?? ''}${err.message}`,
      );
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgplb-kubectl-'));
    server = await startTestApiServer({ crds: [crdDirectory] });
    server.writeKubeconfig(join(dir, 'kubeconfig'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the server version', async () => {
    expect(await kubectl('version', '-o', 'json')).toContain('v1.32.4-bgplb-test');
  });

  it('applies a BGPSession and prints the printer columns of the spec', async () => {
    writeFileSync(join(dir, 'session.yaml'), SESSION);
    expect(await kubectl('apply', '-f', join(dir, 'session.yaml'))).toContain(
      'bgpsession.networking.gke.io/bgppeer1-node-03 created',
    );
    const reported = new Date(Date.now() - 2000).toISOString().replace(/\.\d+Z$/, 'Z');
    await kubectl(
      '-n',
      'kube-system',
      'patch',
      'bgpsession',
      'bgppeer1-node-03',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { state: 'Established', lastReportTime: reported } }),
    );
    const out = await kubectl('-n', 'kube-system', 'get', 'bgpsessions');
    const [header, row] = out.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'NAME',
      'LOCAL ASN',
      'PEER ASN',
      'LOCAL IP',
      'PEER IP',
      'STATE',
      'LAST REPORT',
    ]);
    expect(row!.split(/\s+/)).toEqual([
      'bgppeer1-node-03',
      '65500',
      '65000',
      '10.0.1.178',
      '10.0.1.254',
      'Established',
      expect.stringMatching(/^\d+s$/),
    ]);
    // Short names from discovery, and re-applying a changed file (a merge patch for custom resources).
    writeFileSync(join(dir, 'session.yaml'), SESSION.replace('peerASN: 65000', 'peerASN: 65001'));
    expect(await kubectl('apply', '-f', join(dir, 'session.yaml'))).toContain('configured');
    expect(
      await kubectl(
        '-n',
        'kube-system',
        'get',
        'bgps',
        'bgppeer1-node-03',
        '-o',
        'jsonpath={.spec.peerASN} {.metadata.generation} {.status.state}',
      ),
    ).toBe('65001 2 Established');
  });

  it('describes a BGPAdvertisedRoute with its next hops', async () => {
    server.store.create({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'default-default-load-balancer-example', namespace: 'kube-system' },
      spec: {
        prefix: '10.0.0.8/32',
        metric: 0,
        nextHops: ['10.0.0.2', '10.0.0.3'],
        service: { namespace: 'default', name: 'load-balancer-example' },
      },
    });
    const get = await kubectl('-n', 'kube-system', 'get', 'bgpadvertisedroutes');
    expect(get.split('\n')[0]!.split(/\s{2,}/)).toEqual(['NAME', 'PREFIX', 'METRIC']);
    expect(get).toMatch(/default-default-load-balancer-example\s+10\.0\.0\.8\/32\s+0/);
    const described = await kubectl(
      '-n',
      'kube-system',
      'describe',
      'bgpadvertisedroute',
      'default-default-load-balancer-example',
    );
    expect(described).toMatch(/Next Hops:\s+10\.0\.0\.2\s+10\.0\.0\.3/);
    expect(described).toMatch(/Prefix:\s+10\.0\.0\.8\/32/);
    expect(described).toContain('Events:');
  });

  it('explains custom resources from their CRD schema', async () => {
    const out = await kubectl('explain', 'bgpsessions.spec.peerASN');
    expect(out).toMatch(/KIND:\s+BGPSession/);
    expect(out).toMatch(/FIELD: peerASN <integer>/);
  });

  it('shows Events in describe', async () => {
    const route = server.store.get(
      'networking.gke.io/v1',
      'BGPAdvertisedRoute',
      'default-default-load-balancer-example',
      'kube-system',
    )!;
    server.store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'route-created', namespace: 'kube-system' },
      involvedObject: {
        apiVersion: 'networking.gke.io/v1',
        kind: 'BGPAdvertisedRoute',
        name: route.metadata.name,
        namespace: 'kube-system',
        uid: route.metadata.uid,
      },
      reason: 'RouteCreated',
      message: 'advertising 10.0.0.8/32',
      type: 'Normal',
      count: 1,
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      source: { component: 'bgplb-controller' },
    });
    const events = await kubectl('-n', 'kube-system', 'get', 'events');
    expect(events.split('\n')[0]!.split(/\s{2,}/)).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'MESSAGE',
    ]);
    expect(events).toMatch(
      /Normal\s+RouteCreated\s+bgpadvertisedroute\/default-default-load-balancer-example\s+advertising 10\.0\.0\.8\/32/,
    );
    const described = await kubectl(
      '-n',
      'kube-system',
      'describe',
      'bgpadvertisedroute',
      route.metadata.name!,
    );
    expect(described).toMatch(/Normal\s+RouteCreated\s+\S+\s+bgplb-controller\s+advertising 10\.0\.0\.8\/32/);
  });

  it('gets built-in kinds and deletes objects', async () => {
    server.store.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-01', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.4' } },
    });
    expect(await kubectl('get', 'nodes')).toMatch(/node-01\s+Ready\s+control-plane\s+\d+s\s+v1\.32\.4/);
    server.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'speaker', namespace: 'kube-system' },
      spec: { nodeName: 'node-01', containers: [{ name: 'c', image: 'bgplb' }] },
    });
    const node = await kubectl('describe', 'node', 'node-01');
    expect(node).toMatch(/Roles:\s+control-plane/);
    expect(node).toMatch(/kube-system\s+speaker/);
    await kubectl('cordon', 'node-01');
    expect(await kubectl('get', 'nodes')).toMatch(/node-01\s+Ready,SchedulingDisabled/);
    expect(await kubectl('delete', '-n', 'kube-system', 'bgpsession', 'bgppeer1-node-03')).toContain(
      'deleted',
    );
    expect(await kubectl('-n', 'kube-system', 'get', 'bgpsessions', '-o', 'name')).toBe('');
    expect((await kubectl('get', 'crd')).split('\n')[0]).toMatch(/^NAME\s+CREATED AT$/);
  });

  it('accepts the protobuf bodies of kubectl create namespace and kubectl create service', async () => {
    expect(await kubectl('create', 'namespace', 'proto')).toContain('namespace/proto created');
    expect(
      await kubectl(
        '-n',
        'proto',
        'create',
        'service',
        'loadbalancer',
        'web',
        '--tcp=80:8080',
        '--tcp=443:8443',
      ),
    ).toContain('service/web created');
    const svc = server.store.get('v1', 'Service', 'web', 'proto') as unknown as {
      spec: Record<string, unknown>;
    };
    expect(svc.spec).toMatchObject({
      type: 'LoadBalancer',
      selector: { app: 'web' },
      ports: [
        { name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: '443-8443', port: 443, targetPort: 8443, protocol: 'TCP' },
      ],
    });
    await kubectl(
      '-n',
      'proto',
      'create',
      'service',
      'nodeport',
      'np',
      '--tcp=5678:http',
      '--node-port=30080',
    );
    expect(
      (server.store.get('v1', 'Service', 'np', 'proto') as unknown as { spec: { ports: unknown[] } }).spec
        .ports,
    ).toEqual([{ name: '5678-http', port: 5678, targetPort: 'http', protocol: 'TCP', nodePort: 30080 }]);
    expect(await kubectl('get', 'namespace', 'proto', '-o', 'jsonpath={.status.phase}')).toBe('Active');
  });

  it('creates a CRD with kubectl apply and serves it after kubectl wait', async () => {
    const crds = join(dir, 'extra-crd.yaml');
    writeFileSync(
      crds,
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gizmos.example.test}
spec:
  group: example.test
  scope: Namespaced
  names: {plural: gizmos, kind: Gizmo}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns: [{name: Size, type: integer, jsonPath: .spec.size}]
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
`,
    );
    await kubectl('apply', '-f', crds);
    await kubectl('wait', '--for', 'condition=established', 'crd/gizmos.example.test', '--timeout=10s');
    writeFileSync(
      join(dir, 'gizmo.yaml'),
      'apiVersion: example.test/v1\nkind: Gizmo\nmetadata: {name: g1, namespace: default}\nspec: {size: 3}\n',
    );
    await kubectl('apply', '-f', join(dir, 'gizmo.yaml'));
    expect(await kubectl('get', 'gizmos')).toMatch(/g1\s+3/);
    // Field validation is strict under kubectl: unknown fields are refused, as by kube-apiserver.
    writeFileSync(
      join(dir, 'bad.yaml'),
      'apiVersion: example.test/v1\nkind: Gizmo\nmetadata: {name: g2, namespace: default}\nspec: {size: 3, colour: red}\n',
    );
    await expect(kubectl('apply', '-f', join(dir, 'bad.yaml'))).rejects.toThrow(
      /unknown field "spec.colour"/,
    );
  });
});

describe('the fixture CRDs', () => {
  it('load from a file path too', async () => {
    const server = await startTestApiServer({ crds: [FIXTURE_CRDS] });
    expect(
      server.store.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition').map((c) => c.metadata.name),
    ).toEqual([
      'bgpadvertisedroutes.networking.gke.io',
      'bgpsessions.networking.gke.io',
      'widgets.example.test',
    ]);
    await server.close();
  });
});

const SDK = '/usr/lib/google-cloud-sdk/bin';
const VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'].filter((v) =>
  existsSync(`${SDK}/kubectl.${v}`),
);

/**
 * The other kubectl versions of the Google Cloud SDK, where it is installed (not on a fresh
 * machine): 1.27 and 1.28 validate with OpenAPI v2, which is not served.
 */
describe.skipIf(VERSIONS.length === 0)('other kubectl versions', () => {
  let server: TestApiServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgplb-kubectl-versions-'));
    server = await startTestApiServer({ crds: [crdDirectory] });
    server.writeKubeconfig(join(dir, 'kubeconfig'));
    writeFileSync(join(dir, 'session.yaml'), SESSION);
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(VERSIONS)('kubectl %s applies, gets and deletes a BGPSession', async (v) => {
    const k = (...args: string[]) =>
      run(
        `${SDK}/kubectl.${v}`,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, `cache-${v}`), ...args],
        { timeout: 30_000 },
      ).then((r) => r.stdout);
    const validate = v === '1.27' || v === '1.28' ? ['--validate=false'] : [];
    expect(await k('apply', ...validate, '-f', join(dir, 'session.yaml'))).toContain('created');
    expect((await k('-n', 'kube-system', 'get', 'bgpsessions')).split('\n')[0]!.split(/\s{2,}/)).toEqual([
      'NAME',
      'LOCAL ASN',
      'PEER ASN',
      'LOCAL IP',
      'PEER IP',
      'STATE',
      'LAST REPORT',
    ]);
    expect(await k('delete', '-f', join(dir, 'session.yaml'))).toContain('deleted');
  });
});

describe.each(KUBECTLS)('$name with RBAC', ({ path: KUBECTL }) => {
  let server: TestApiServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bgplb-kubectl-rbac-'));
    server = await startTestApiServer({ crds: [crdDirectory], rbac: true });
    server.writeKubeconfig(join(dir, 'admin'));
    server.writeKubeconfig(
      join(dir, 'agent'),
      'kube-system',
      server.serviceAccountToken('kube-system', 'agent'),
    );
    writeFileSync(
      join(dir, 'rbac.yaml'),
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agent}
rules:
- apiGroups: [networking.gke.io]
  resources: [bgpsessions]
  verbs: [get, list, watch]
- apiGroups: [networking.gke.io]
  resources: [bgpsessions/status]
  verbs: [update, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agent}
subjects:
- {kind: ServiceAccount, name: agent, namespace: kube-system}
`,
    );
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const k = (kubeconfig: string, ...args: string[]) =>
    run(
      KUBECTL,
      ['--kubeconfig', join(dir, kubeconfig), '--cache-dir', join(dir, `cache-${kubeconfig}`), ...args],
      { timeout: 30_000 },
    ).then(
      (r) => `${r.stdout}${r.stderr}`,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );

  it('applies RBAC manifests, answers kubectl auth can-i, and refuses what the role does not allow', async () => {
    expect(await k('admin', 'apply', '-f', join(dir, 'rbac.yaml'))).toContain(
      'clusterrolebinding.rbac.authorization.k8s.io/agent created',
    );
    const sa = 'system:serviceaccount:kube-system:agent';
    expect(
      (
        await k(
          'admin',
          'auth',
          'can-i',
          '--as',
          sa,
          '-n',
          'kube-system',
          'patch',
          'bgpsessions',
          '--subresource=status',
        )
      ).trim(),
    ).toBe('yes');
    expect(
      (await k('admin', 'auth', 'can-i', '--as', sa, '-n', 'kube-system', 'delete', 'bgpsessions')).trim(),
    ).toBe('no');
    const list = await k('admin', 'auth', 'can-i', '--as', sa, '-n', 'kube-system', '--list');
    expect(list).toMatch(/bgpsessions\.networking\.gke\.io\s+\[\]\s+\[\]\s+\[get list watch\]/);
    expect(list).toMatch(/bgpsessions\.networking\.gke\.io\/status\s+\[\]\s+\[\]\s+\[update patch\]/);
    // kubectl sends no bearer token over plain HTTP (client-go applies credentials only with TLS), so
    // it acts as the ServiceAccount through impersonation.
    expect(await k('admin', '--as', sa, '-n', 'kube-system', 'get', 'bgpsessions')).toContain(
      'No resources found',
    );
    expect(await k('admin', '--as', sa, 'get', 'nodes')).toContain(
      'Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:kube-system:agent" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });
});
