/**
 * The agent's BGPSession watches leave the control-plane advertiser's BGPSessions out: those name
 * a node too (spec.nodeName), but the agent must neither run them nor rank next hops by them.
 * Against the in-memory API server (the selectors are evaluated there, as by kube-apiserver).
 */
import { crdDirectory } from '@bgplb/api-types';
import { KubeClient } from '@bgplb/kube-runtime';
import { waitFor } from '@bgplb/netns-lab';
import { type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentWatchSpecs, trimRouteForAgent, type WatchedList, watchList } from './kube-watches.js';

function session(name: string, node: string, kind?: string): KubeObject {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPSession',
    metadata: {
      name,
      namespace: 'kube-system',
      ...(kind !== undefined ? { labels: { 'bgplb.io/session-kind': kind } } : {}),
    },
    spec: { localIP: '10.0.1.10', localASN: 65001, peerASN: 65000, nodeName: node, peerIP: '10.0.1.254' },
  };
}

describe('agent BGPSession watches', () => {
  let server: TestApiServer;
  let client: KubeClient;
  const watches: WatchedList[] = [];

  beforeAll(async () => {
    server = await startTestApiServer({ crds: [crdDirectory], namespaces: ['kube-system', 'cluster-demo'] });
    server.store.create(session('tor1-node-a', 'node-a', 'service'));
    // Written by a controller older than the session-kind label.
    server.store.create(session('tor2-node-a', 'node-a'));
    server.store.create(session('tor1-node-b', 'node-b', 'service'));
    server.store.create(session('cp.10.0.1.10.peer.10.0.1.254', 'node-a', 'control-plane'));
  });
  afterAll(async () => {
    for (const w of watches) await w.informer.stop();
    client?.close();
    await server?.close();
  });

  it('own and cluster-wide lists hold service sessions only, labelled or from before the label', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    client = new KubeClient(kc);
    const specs = agentWatchSpecs('node-a', 'kube-system', 'cluster-demo');
    const seen: Record<string, string[]> = {};
    for (const key of ['own', 'cluster'] as const) {
      watches.push(
        watchList(kc, client, specs[key], pino({ level: 'silent' }), (items) => {
          seen[key] = items.map((o) => o.metadata.name).sort();
        }),
      );
    }
    await waitFor('both lists', () => seen.own !== undefined && seen.cluster !== undefined, 10_000);
    expect(seen.own).toEqual(['tor1-node-a', 'tor2-node-a']);
    expect(seen.cluster).toEqual(['tor1-node-a', 'tor1-node-b', 'tor2-node-a']);
  });
});

describe('trimRouteForAgent', () => {
  it("drops the controller's per-next-hop status and keeps the rest (next-hop liveness, spec)", () => {
    const route = {
      metadata: { name: 'r' },
      spec: { prefix: '10.0.0.2/32', nextHops: ['10.0.3.10'] },
      status: {
        nextHops: [{ nextHop: '10.0.3.10', state: 'announced', reason: 'ready load-balancer node' }],
        nextHopLiveness: { 'node-a': { withheld: [] } },
      },
    };
    expect(trimRouteForAgent(route)).toEqual({
      metadata: { name: 'r' },
      spec: { prefix: '10.0.0.2/32', nextHops: ['10.0.3.10'] },
      status: { nextHopLiveness: { 'node-a': { withheld: [] } } },
    });
    expect(trimRouteForAgent({ metadata: { name: 'no-status' } })).toEqual({
      metadata: { name: 'no-status' },
    });
  });
});
