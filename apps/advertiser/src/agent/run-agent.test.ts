/**
 * The whole agent (runAgent) against the in-memory Kubernetes API server, with a fake speaker and
 * fake interfaces: watches with the node's field selector, status writes through the status
 * subresource, readiness, failover and shutdown. No root needed.
 */
import { crdDirectory } from '@bgplb/api-types';
import { waitFor } from '@bgplb/netns-lab';
import { ApiError, type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from './index.js';
import type { NodeAgent } from './node-agent.js';
import { FakeAddresses, FakeAgentSpeaker } from './test-support/fakes.js';

const V = 'networking.gke.io/v1';

function session(name: string, node: string, floatingIP: string): KubeObject {
  return {
    apiVersion: V,
    kind: 'BGPSession',
    metadata: { name, namespace: 'kube-system', labels: { 'networking.gke.io/peer': 'tor1' } },
    spec: {
      floatingIP,
      localIP: floatingIP,
      localASN: 65001,
      peerASN: 65000,
      nodeName: node,
      peerIP: '10.0.1.254',
    },
  };
}

function ngg(assignments: Record<string, string>): KubeObject {
  return {
    apiVersion: V,
    kind: 'NetworkGatewayGroup',
    metadata: { name: 'default', namespace: 'cluster-demo' },
    spec: { floatingIPs: ['10.0.1.100', '10.0.1.101'] },
    status: { floatingIPs: assignments },
  };
}

describe('runAgent against the test API server', () => {
  let server: TestApiServer;
  let kc: KubeConfig;
  const speaker = new FakeAgentSpeaker();
  const addresses = new FakeAddresses([
    { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: 'eth0', up: true },
  ]);
  let stop: ((s: 'SIGTERM') => void) | undefined;
  let exit: Promise<number> | undefined;
  let agent!: NodeAgent;
  let healthPort = 0;
  const output: string[] = [];

  const status = (name: string): Record<string, unknown> | undefined =>
    server.store.get(V, 'BGPSession', name, 'kube-system')?.status as Record<string, unknown> | undefined;

  beforeAll(async () => {
    server = await startTestApiServer({
      crds: [crdDirectory],
      namespaces: ['default', 'kube-system', 'cluster-demo'],
    });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    server.store.upsert(ngg({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-b' }));
    server.store.create(session('tor1-node-a', 'node-a', '10.0.1.100'));
    server.store.create(session('tor1-node-b', 'node-b', '10.0.1.101'));
    server.store.create({
      apiVersion: V,
      kind: 'BGPPeer',
      metadata: { name: 'tor1', namespace: 'cluster-demo' },
      spec: { localASN: 65001, peerASN: 65000, peerIP: '10.0.1.254', sessions: 2, holdTime: 9 },
    });
    server.store.create({
      apiVersion: V,
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'default-default-web', namespace: 'kube-system' },
      spec: {
        prefix: '10.0.0.8/32',
        metric: 0,
        nextHops: ['10.0.1.10', '10.0.1.11'],
        service: { namespace: 'default', name: 'web' },
      },
    });
    // The API server misbehaves at first: the agent retries until it has everything.
    let failedLists = 0;
    let failedPatches = 0;
    server.addFault((info) => {
      if (info.verb === 'list' && info.resource === 'bgpadvertisedroutes' && failedLists < 2) {
        failedLists++;
        return new ApiError(500, 'InternalError', 'etcd is having a bad day');
      }
      if (info.verb === 'patch' && info.subresource === 'status' && failedPatches < 2) {
        failedPatches++;
        return new ApiError(
          409,
          'Conflict',
          'the object has been modified; please apply your changes to the latest version',
        );
      }
      return undefined;
    });
    const stopSignal = new Promise<'SIGTERM'>((resolve) => {
      stop = resolve;
    });
    exit = runAgent(
      [
        '--node-name',
        'node-a',
        '--cluster-namespace',
        'cluster-demo',
        '--health-addr',
        '127.0.0.1:0',
        '--log-level',
        'error',
      ],
      {
        kubeConfig: kc,
        speaker: async () => speaker,
        addresses,
        stopSignal,
        onStarted: (a, h) => {
          agent = a;
          healthPort = h.port;
        },
        out: (t) => output.push(t),
      },
    );
    await waitFor('agent started', () => healthPort > 0);
  });

  afterAll(async () => {
    stop?.('SIGTERM');
    await exit;
    await server?.close();
  });

  it('becomes ready once synced, holds its floating IP and runs only its own session', async () => {
    await waitFor(
      'readyz 200',
      async () => (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200,
    );
    expect(addresses.has('10.0.1.100')).toBe(true);
    expect(addresses.has('10.0.1.101')).toBe(false);
    expect(agent.runningSessions()).toEqual(['tor1-node-a']);
    expect(speaker.agentConfigs.get('tor1-node-a')).toMatchObject({ holdTime: 9, keepaliveTime: 3 });
    expect(speaker.paths.get('10.0.0.8/32')?.map((p) => p.nextHop)).toEqual(['10.0.1.10', '10.0.1.11']);
  });

  it('writes the status of its session (and never of another node), retrying on conflict', async () => {
    await waitFor('status written', () => status('tor1-node-a')?.state === 'Idle', 15_000);
    speaker.setState('tor1-node-a', 'Established', { advertisedPrefixes: ['10.0.0.8/32'] });
    await waitFor('Established reported', () => status('tor1-node-a')?.state === 'Established');
    expect(status('tor1-node-a')).toMatchObject({
      advertisedRoutes: ['10.0.0.8/32'],
      advertisedPrefixes: 1,
      receivedPrefixes: 0,
    });
    expect(Date.now() - Date.parse(String(status('tor1-node-a')?.lastReportTime))).toBeLessThan(5_000);
    expect(status('tor1-node-b')).toBeUndefined();
  });

  it('refuses a BGPSession for a floating IP it does not hold', async () => {
    server.store.create(session('tor2-node-a', 'node-a', '10.0.1.101'));
    await waitFor('refusal reported', () => status('tor2-node-a') !== undefined);
    expect(status('tor2-node-a')).toMatchObject({
      state: 'Idle',
      advertisedRoutes: [],
      lastError: {
        code: 0,
        message:
          'floating IP 10.0.1.101 is assigned to node node-b, not to node-a: this node does not hold it',
      },
    });
    expect(speaker.configs.has('tor2-node-a')).toBe(false);
    await waitFor('a SessionRefused event', () =>
      server.store
        .list('v1', 'Event', { namespace: 'kube-system' })
        .some((e) => (e as { reason?: string }).reason === 'SessionRefused'),
    );
    const event = server.store
      .list('v1', 'Event', { namespace: 'kube-system' })
      .find((e) => (e as { reason?: string }).reason === 'SessionRefused') as Record<string, unknown>;
    expect(event).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'BGPSession', name: 'tor2-node-a', namespace: 'kube-system' },
      source: { component: 'bgpadvertiser-agent', host: 'node-a' },
    });
    server.store.delete(V, 'BGPSession', 'tor2-node-a', 'kube-system');
  });

  it('serves metrics, including the retried status writes', async () => {
    const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(text).toContain('bgplb_agent_status_writes_total{result="error"} 2');
    expect(text).toContain('bgplb_agent_floating_ip_held{ip="10.0.1.100"} 1');
    expect(text).toContain('bgplb_bgp_session_up{peer="tor1-node-a"} 1');
  });

  it('keeps working across dropped watches', async () => {
    server.dropWatches();
    server.store.upsert({
      apiVersion: V,
      kind: 'BGPAdvertisedRoute',
      metadata: { name: 'default-default-api', namespace: 'kube-system' },
      spec: {
        prefix: '10.0.0.9/32',
        metric: 5,
        nextHops: ['10.0.1.10'],
        service: { namespace: 'default', name: 'api' },
      },
    });
    await waitFor('new route after reconnect', () => speaker.paths.has('10.0.0.9/32'), 15_000);
    expect(speaker.paths.get('10.0.0.9/32')).toEqual([{ nextHop: '10.0.1.10', med: 5 }]);
  });

  it('follows a move of its floating IP: session down first, then the address', async () => {
    server.store.upsert(ngg({ '10.0.1.100': 'node-b', '10.0.1.101': 'node-b' }));
    await waitFor('address removed', () => !addresses.has('10.0.1.100'));
    expect(speaker.configs.has('tor1-node-a')).toBe(false);
    const i = addresses.log.indexOf('ip addr del 10.0.1.100/32 dev eth0');
    expect(i).toBeGreaterThan(-1);
    expect(speaker.calls).toContain(
      'removePeer tor1-node-a floating IP 10.0.1.100 is assigned to node node-b, not node-a',
    );
  });
});
