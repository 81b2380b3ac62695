/**
 * Control-plane BGPSession objects against the test API server: the pure desired set, and the
 * writer's retries while the API server fails (left alone, then caught up), deletions of removed
 * peers, re-creation of an object deleted by hand, and the last status at shutdown.
 */
import { crdDirectory } from '@bgplb/api-types';
import { KubeClient } from '@bgplb/kube-runtime';
import { waitFor } from '@bgplb/netns-lab';
import { ApiError, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSpeaker } from '../test-support/fake-speaker.js';
import { captureLogger } from '../test-support/log-capture.js';
import { controlPlaneSessionObjects, SessionObjects } from './session-objects.js';

const V = 'networking.gke.io/v1';
const config = (peers: string[]) => ({
  localIP: '10.0.1.10',
  localASN: 65001,
  peers: peers.map((peerIP) => ({ peerIP, peerASN: 65002 })),
});

describe('controlPlaneSessionObjects', () => {
  it('one object per peer, labelled control-plane, the node IP as floating IP', () => {
    const objects = controlPlaneSessionObjects(config(['10.0.1.254', '10.0.2.254']), 'cp-a');
    expect([...objects.keys()]).toEqual(['cp.10.0.1.10.peer.10.0.1.254', 'cp.10.0.1.10.peer.10.0.2.254']);
    expect(objects.get('cp.10.0.1.10.peer.10.0.2.254')).toEqual({
      name: 'cp.10.0.1.10.peer.10.0.2.254',
      peerIP: '10.0.2.254',
      labels: {
        'app.kubernetes.io/managed-by': 'bgpadvertiser',
        'bgplb.io/session-kind': 'control-plane',
        'networking.gke.io/peer': '10.0.2.254',
      },
      spec: {
        floatingIP: '10.0.1.10',
        localASN: 65001,
        localIP: '10.0.1.10',
        nodeName: 'cp-a',
        peerASN: 65002,
        peerIP: '10.0.2.254',
      },
    });
  });
});

describe('SessionObjects (test API server)', () => {
  let server: TestApiServer;
  let client: KubeClient;
  beforeAll(async () => {
    server = await startTestApiServer({ crds: [crdDirectory], namespaces: ['kube-system'] });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
    client = new KubeClient(kc);
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });
  const get = (name: string) => server.store.get(V, 'BGPSession', name, 'kube-system');

  it('waits out a failing API server, follows the config, re-creates a deleted object, reports status', async () => {
    const speaker = new FakeSpeaker();
    const { log, lines } = captureLogger();
    // The API server refuses every BGPSession write at first.
    const removeFault = server.addFault((r) =>
      r.resource === 'bgpsessions' ? new ApiError(503, 'ServiceUnavailable', 'down for the test') : undefined,
    );
    const objects = new SessionObjects({
      client,
      speaker,
      nodeName: 'cp-a',
      log,
      resyncMs: 200,
      retryMs: 50,
    });
    speaker.addPeer({
      id: '10.0.1.254',
      peerAddress: '10.0.1.254',
      peerAsn: 65002,
      localAsn: 65001,
      localAddress: '10.0.1.10',
    });
    objects.setConfig(config(['10.0.1.254']));
    await waitFor(
      'a failed attempt',
      () => lines.some((l) => String(l.msg).startsWith('cannot update the control-plane BGPSession objects')),
      5_000,
    );
    expect(get('cp.10.0.1.10.peer.10.0.1.254')).toBeUndefined();
    removeFault();
    await waitFor('created after the outage', () => get('cp.10.0.1.10.peer.10.0.1.254') !== undefined, 5_000);

    speaker.setState('10.0.1.254', 'Established');
    await waitFor(
      'status Established',
      () => (get('cp.10.0.1.10.peer.10.0.1.254')?.status as { state?: string })?.state === 'Established',
      5_000,
    );

    // A second peer, then the first one removed.
    speaker.addPeer({
      id: '10.0.2.254',
      peerAddress: '10.0.2.254',
      peerAsn: 65002,
      localAsn: 65001,
      localAddress: '10.0.1.10',
    });
    objects.setConfig(config(['10.0.1.254', '10.0.2.254']));
    await waitFor('second object', () => get('cp.10.0.1.10.peer.10.0.2.254') !== undefined, 5_000);
    objects.setConfig(config(['10.0.2.254']));
    await waitFor('first object deleted', () => get('cp.10.0.1.10.peer.10.0.1.254') === undefined, 5_000);

    // Deleted by hand: back at the next resync.
    server.store.delete(V, 'BGPSession', 'cp.10.0.1.10.peer.10.0.2.254', 'kube-system');
    await waitFor('re-created', () => get('cp.10.0.1.10.peer.10.0.2.254') !== undefined, 5_000);
    // An object of another node is not this writer's business.
    server.store.create({
      apiVersion: V,
      kind: 'BGPSession',
      metadata: {
        name: 'cp.10.0.1.11.peer.10.0.2.254',
        namespace: 'kube-system',
        labels: { 'bgplb.io/session-kind': 'control-plane' },
      },
      spec: { localASN: 65001, localIP: '10.0.1.11', nodeName: 'cp-b', peerASN: 65002, peerIP: '10.0.2.254' },
    });
    const before = objects.reconciles;
    await waitFor('two more resyncs', () => objects.reconciles >= before + 2, 5_000);
    expect(get('cp.10.0.1.11.peer.10.0.2.254')).toBeDefined();

    await objects.stop('bgpadvertiser shutting down (SIGTERM)', 2_000);
    expect(get('cp.10.0.1.10.peer.10.0.2.254')?.status).toMatchObject({
      state: 'Idle',
      lastError: {
        code: 6,
        subcode: 2,
        message: 'Cease/Administrative Shutdown: bgpadvertiser shutting down (SIGTERM)',
      },
    });
  }, 30_000);
});
