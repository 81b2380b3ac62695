/**
 * The Helm chart's RBAC for the node agent is enough, and no more than enough: the agent (runAgent,
 * in-process, fake speaker and fake interfaces, no root) runs with the bgplb-advertiser
 * ServiceAccount's token against the test API server with RBAC enforced, using exactly the
 * ServiceAccount, Roles and bindings of deploy/manifests/bgplb.yaml and the DaemonSet's own args.
 * Every request it makes must be allowed (no 403 in the server's request log), and writes the chart
 * does not grant must be refused, so an over-broad role fails this test too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crdDirectory } from '@bgplb/api-types';
import { waitFor } from '@bgplb/netns-lab';
import { type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runAgent } from './index.js';
import { FakeAddresses, FakeAgentSpeaker } from './test-support/fakes.js';

const MANIFEST = fileURLToPath(new URL('../../../../deploy/manifests/bgplb.yaml', import.meta.url));
const V = 'networking.gke.io/v1';
const GROUP_PATH = '/apis/networking.gke.io/v1';
const SA_NAMESPACE = 'kube-system';
const SA_NAME = 'bgplb-advertiser';
const NODE = 'node-a';

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
type ManifestObject = KubeObject & {
  subjects?: Subject[];
  roleRef?: { kind: string; name: string };
  spec?: {
    template?: { spec?: { serviceAccountName?: string; containers?: { name: string; args?: string[] }[] } };
  };
};

const manifest = parseAllDocuments(readFileSync(MANIFEST, 'utf8'))
  .map((d) => d.toJS() as ManifestObject | null)
  .filter((o): o is ManifestObject => o !== null);

const isAgent = (s: Subject, bindingNamespace: string | undefined): boolean =>
  s.kind === 'ServiceAccount' && s.name === SA_NAME && (s.namespace ?? bindingNamespace) === SA_NAMESPACE;

/** The agent's ServiceAccount, the bindings naming it and the (Cluster)Roles those bindings use. */
function agentRbac(): ManifestObject[] {
  const bindings = manifest.filter(
    (o) =>
      (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') &&
      (o.subjects ?? []).some((s) => isAgent(s, o.metadata?.namespace)),
  );
  const roles = bindings.map((b) => {
    const ref = b.roleRef!;
    const role = manifest.find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata?.name === ref.name &&
        (ref.kind === 'ClusterRole' || o.metadata?.namespace === b.metadata?.namespace),
    );
    if (role === undefined)
      throw new Error(
        `${b.kind} ${b.metadata?.namespace}/${b.metadata?.name} refers to a missing ${ref.kind}`,
      );
    return role;
  });
  const sa = manifest.filter(
    (o) =>
      o.kind === 'ServiceAccount' && o.metadata?.name === SA_NAME && o.metadata.namespace === SA_NAMESPACE,
  );
  return [...sa, ...roles, ...bindings];
}

/** The DaemonSet's agent args, with the node name filled in and the ports/logs made test-friendly. */
function daemonSetArgs(): string[] {
  const ds = manifest.find(
    (o) => o.kind === 'DaemonSet' && o.spec?.template?.spec?.serviceAccountName === SA_NAME,
  );
  const args = ds?.spec?.template?.spec?.containers?.find((c) => c.name === 'advertiser')?.args;
  if (args?.[0] !== 'agent')
    throw new Error('the chart has no DaemonSet running `bgpadvertiser agent` as bgplb-advertiser');
  return args
    .slice(1)
    .map((a) => a.replace('$(NODE_NAME)', NODE))
    .map((a) => (a.startsWith('--health-addr=') ? '--health-addr=127.0.0.1:0' : a))
    .map((a) => (a.startsWith('--log-level=') ? '--log-level=error' : a));
}

const argValue = (args: string[], flag: string): string => {
  const a = args.find((x) => x.startsWith(`${flag}=`));
  if (a === undefined) throw new Error(`the DaemonSet does not set ${flag}`);
  return a.slice(flag.length + 1);
};

describe('the chart RBAC for the node agent, against an RBAC-enforcing API server', () => {
  const args = daemonSetArgs();
  const clusterNs = argValue(args, '--cluster-namespace');
  const statusNs = argValue(args, '--status-namespace');
  const requests: string[] = [];
  /** Requests that passed authorization (fault hooks run after RBAC): `verb resource[/sub] ns`. */
  const authorized = new Set<string>();
  let server: TestApiServer;
  let token = '';
  const speaker = new FakeAgentSpeaker();
  const addresses = new FakeAddresses([
    { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: 'eth0', up: true },
  ]);
  let stop: ((s: 'SIGTERM') => void) | undefined;
  let exit: Promise<number> | undefined;
  let healthPort = 0;

  const sessionStatus = (name: string): Record<string, unknown> | undefined =>
    server.store.get(V, 'BGPSession', name, statusNs)?.status as Record<string, unknown> | undefined;
  const events = (namespace: string): Record<string, unknown>[] =>
    server.store.list('v1', 'Event', { namespace }) as Record<string, unknown>[];
  const forbidden = (): string[] => requests.filter((line) => / 403 \d+ms$/.test(line));
  /** Waits for the agent to get somewhere; on timeout the error lists the requests RBAC refused. */
  const until = <T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false) =>
    waitFor(what, check, 10_000, 100, async () =>
      forbidden().length > 0
        ? `requests refused by the chart's RBAC (the chart lacks a permission):\n${forbidden().join('\n')}`
        : 'no request was refused by RBAC',
    );

  const session = (name: string, floatingIP: string): KubeObject => ({
    apiVersion: V,
    kind: 'BGPSession',
    metadata: { name, namespace: statusNs, labels: { 'networking.gke.io/peer': 'tor1' } },
    spec: {
      floatingIP,
      localIP: floatingIP,
      localASN: 65001,
      peerASN: 65000,
      nodeName: NODE,
      peerIP: '10.0.1.254',
    },
  });

  beforeAll(async () => {
    server = await startTestApiServer({
      crds: [crdDirectory],
      namespaces: ['default', 'kube-system', clusterNs],
      rbac: true,
      log: (line) => requests.push(line),
    });
    for (const o of agentRbac()) server.store.create(o);
    server.addFault((i) => {
      authorized.add(
        `${i.verb} ${i.resource}${i.subresource ? `/${i.subresource}` : ''} ${i.namespace ?? ''}`,
      );
      return undefined;
    });
    token = server.serviceAccountToken(SA_NAMESPACE, SA_NAME);
    server.store.create({
      apiVersion: V,
      kind: 'NetworkGatewayGroup',
      metadata: { name: 'default', namespace: clusterNs },
      spec: { floatingIPs: ['10.0.1.100', '10.0.1.101'] },
    });
    server.store.updateStatus({
      ...server.store.get(V, 'NetworkGatewayGroup', 'default', clusterNs)!,
      status: { floatingIPs: { '10.0.1.100': NODE, '10.0.1.101': 'node-b' } },
    });
    server.store.create({
      apiVersion: V,
      kind: 'BGPPeer',
      metadata: { name: 'tor1', namespace: clusterNs },
      spec: { localASN: 65001, peerASN: 65000, peerIP: '10.0.1.254', sessions: 2, holdTime: 9 },
    });
    server.store.create(session('tor1-node-a', '10.0.1.100'));
    server.store.create({
      apiVersion: V,
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'default-default-web', namespace: statusNs },
      spec: {
        prefix: '10.0.0.8/32',
        metric: 0,
        nextHops: ['10.0.1.10'],
        service: { namespace: 'default', name: 'web' },
      },
    });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig(SA_NAMESPACE, token));
    const stopSignal = new Promise<'SIGTERM'>((resolve) => {
      stop = resolve;
    });
    exit = runAgent(args, {
      kubeConfig: kc,
      speaker: async () => speaker,
      addresses,
      stopSignal,
      onStarted: (_a, h) => {
        healthPort = h.port;
      },
      out: () => {},
    });
    await waitFor('agent started', () => healthPort > 0);
  });

  afterAll(async () => {
    stop?.('SIGTERM');
    await exit;
    await server?.close();
  });

  it('runs a full cycle on its own ServiceAccount with no request refused', async () => {
    await until(
      'readyz 200',
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
    );
    expect(addresses.has('10.0.1.100')).toBe(true);
    expect(speaker.paths.get('10.0.0.8/32')?.map((p) => p.nextHop)).toEqual(['10.0.1.10']);

    // Status subresource write.
    speaker.setState('tor1-node-a', 'Established', { advertisedPrefixes: ['10.0.0.8/32'] });
    await until('Established reported', () => sessionStatus('tor1-node-a')?.state === 'Established');
    expect(sessionStatus('tor1-node-a')).toMatchObject({ advertisedRoutes: ['10.0.0.8/32'] });

    // An Event about a BGPSession (status namespace) and one about the Node (namespace default).
    server.store.create(session('tor2-node-a', '10.0.1.101'));
    await until('SessionRefused event', () => events(statusNs).some((e) => e.reason === 'SessionRefused'));
    await until('FloatingIPAdded event', () => events('default').some((e) => e.reason === 'FloatingIPAdded'));
    expect(events('default').find((e) => e.reason === 'FloatingIPAdded')).toMatchObject({
      involvedObject: { kind: 'Node', name: NODE },
      source: { component: 'bgpadvertiser-agent', host: NODE },
    });

    // Shut down through the chart's --on-exit mode: its writes are authorized too.
    stop?.('SIGTERM');
    expect(await exit).toBe(0);

    // The request log shows the agent really went through the authorized paths...
    const path = (p: string) => requests.some((line) => line.includes(p));
    /** A request to `p` whose query has `param` (in any position). */
    const pathWith = (p: string, param: string) =>
      requests.some((line) => line.includes(p) && line.includes(param));
    expect(
      pathWith(`${GROUP_PATH}/namespaces/${statusNs}/bgpsessions?`, `fieldSelector=spec.nodeName%3D${NODE}`),
    ).toBe(true);
    // Watches stay open (the request log has a line only once a response ends): the fault hook,
    // which runs after authorization, saw them.
    expect([...authorized]).toEqual(
      expect.arrayContaining([
        `watch bgpsessions ${statusNs}`,
        `watch bgpadvertisedroutes ${statusNs}`,
        `watch networkgatewaygroups ${clusterNs}`,
        `watch bgppeers ${clusterNs}`,
        `patch bgpsessions/status ${statusNs}`,
        `create events ${statusNs}`,
        'create events default',
        // The floating IP's Lease: claimed, then written once more at shutdown (either --on-exit).
        `create leases ${SA_NAMESPACE}`,
        `update leases ${SA_NAMESPACE}`,
      ]),
    );
    expect(
      pathWith(
        `${GROUP_PATH}/namespaces/${clusterNs}/networkgatewaygroups?`,
        'fieldSelector=metadata.name%3Ddefault',
      ),
    ).toBe(true);
    expect(path(`${GROUP_PATH}/namespaces/${statusNs}/bgpadvertisedroutes`)).toBe(true);
    expect(path(`${GROUP_PATH}/namespaces/${clusterNs}/bgppeers`)).toBe(true);
    expect(
      requests.some((l) =>
        new RegExp(
          `^PATCH ${GROUP_PATH}/namespaces/${statusNs}/bgpsessions/tor1-node-a/status(\\?\\S*)? 200 `,
        ).test(l),
      ),
    ).toBe(true);
    expect(requests.some((l) => /^POST \/api\/v1\/namespaces\/default\/events 201 /.test(l))).toBe(true);
    expect(requests.some((l) => new RegExp(`^POST /api/v1/namespaces/${statusNs}/events 201 `).test(l))).toBe(
      true,
    );
    // ...and that none of its requests was refused.
    expect(forbidden()).toEqual([]);
  }, 30_000);

  it('is refused what the agent must not do (the role is not over-broad)', async () => {
    const call = async (method: string, path: string, body?: unknown): Promise<number> => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      await res.arrayBuffer();
      return res.status;
    };
    const sessions = `${GROUP_PATH}/namespaces/${statusNs}/bgpsessions`;
    const denied: [string, string, unknown?][] = [
      ['POST', sessions, session('tor9-node-a', '10.0.1.100')],
      ['PATCH', `${sessions}/tor1-node-a`, { spec: { nodeName: 'node-b' } }],
      ['DELETE', `${sessions}/tor1-node-a`],
      ['DELETE', `${GROUP_PATH}/namespaces/${statusNs}/bgpadvertisedroutes/default-default-web`],
      ['PATCH', `${GROUP_PATH}/namespaces/${clusterNs}/networkgatewaygroups/default/status`, { status: {} }],
      ['PATCH', `${GROUP_PATH}/namespaces/${clusterNs}/bgppeers/tor1/status`, { status: {} }],
      ['PATCH', '/api/v1/namespaces/default/services/web/status', { status: {} }],
      ['PUT', '/api/v1/namespaces/default/services/web', { apiVersion: 'v1', kind: 'Service' }],
      ['GET', '/api/v1/services'],
      ['GET', `/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts`],
      [
        'POST',
        `/apis/rbac.authorization.k8s.io/v1/namespaces/${SA_NAMESPACE}/rolebindings`,
        { metadata: { name: 'escalate' } },
      ],
      ['GET', '/api/v1/nodes'],
      ['POST', `/api/v1/namespaces/${clusterNs}/events`, { metadata: { generateName: 'x.' } }],
      // Leases: its own namespace only, and never listed, watched or deleted.
      ['POST', `/apis/coordination.k8s.io/v1/namespaces/${clusterNs}/leases`, { metadata: { name: 'x' } }],
      ['GET', `/apis/coordination.k8s.io/v1/namespaces/${SA_NAMESPACE}/leases`],
      ['DELETE', `/apis/coordination.k8s.io/v1/namespaces/${SA_NAMESPACE}/leases/bgplb-controller`],
    ];
    const results = await Promise.all(
      denied.map(async ([method, path, body]) => `${method} ${path} ${await call(method, path, body)}`),
    );
    expect(results).toEqual(denied.map(([method, path]) => `${method} ${path} 403`));
    // The same token is allowed what the chart grants, so the 403s above are RBAC, not a bad token.
    expect(await call('GET', `${sessions}?fieldSelector=spec.nodeName%3D${NODE}`)).toBe(200);
  });
});
