/**
 * Admin mode against two test API servers (an admin cluster and a user cluster): the user cluster
 * holds exactly the admin cluster's BGP objects, drift is reverted with an Event, deletes reach only
 * managed copies, outages delete nothing, and a restart changes no uid.
 */
import { ApiError } from '@bgplb/test-apiserver';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AdminHarness,
  CLUSTER_KEY,
  kubeconfigSecret,
  startAdminHarness,
  USER_NS,
} from '../test-support/admin-harness.js';
import { get, list, waitFor } from '../test-support/harness.js';
import type { KubeObject } from '../types.js';
import { MANAGED_BY_LABEL, SOURCE_GENERATION_ANNOTATION } from './names.js';

const API = 'networking.gke.io/v1';

/** The user cluster's managed copies. */
function userObjects(h: AdminHarness): KubeObject[] {
  return ['NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer']
    .flatMap((k) => list(h.user, k, USER_NS))
    .filter((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === 'bgplb-admin');
}

function uids(objects: readonly KubeObject[]): Record<string, string | undefined> {
  return Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.uid]));
}

function syncedCondition(o: KubeObject | undefined) {
  return (
    o?.status as
      | { conditions?: { type: string; status: string; reason: string; message: string }[] }
      | undefined
  )?.conditions?.find((c) => c.type === 'Synced');
}

function clusterSummary(h: AdminHarness) {
  return (
    get(h.admin, 'Cluster', 'bm', USER_NS)?.status as
      | { bgpLoadBalancing?: Record<string, unknown> }
      | undefined
  )?.bgpLoadBalancing;
}

function userEvents(h: AdminHarness, name: string) {
  return (
    h.user.store.list('v1', 'Event') as unknown as {
      involvedObject: { name: string; kind: string };
      reason: string;
      type: string;
      message: string;
    }[]
  )
    .filter((e) => e.involvedObject.name === name)
    .map((e) => ({ kind: e.involvedObject.kind, reason: e.reason, type: e.type, message: e.message }));
}

async function synced(h: AdminHarness, timeoutMs = 10_000): Promise<void> {
  await waitFor('the user cluster to hold the 3 objects', () => userObjects(h).length === 3, timeoutMs);
  await waitFor('the Cluster summary to say Synced', () => clusterSummary(h)?.state === 'Synced', timeoutMs);
}

describe('bgplb-controller --mode admin', { timeout: 30_000 }, () => {
  let h: AdminHarness;
  afterEach(async () => {
    await h?.close();
  });

  it('copies the objects into the user cluster, marked as managed, and reports Synced', async () => {
    h = await startAdminHarness();
    await h.startController();
    await synced(h);
    const peer = get(h.user, 'BGPPeer', 'bgppeer1', USER_NS);
    const source = get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS);
    expect(peer?.spec).toEqual(source?.spec);
    expect(peer?.metadata.labels).toMatchObject({
      ...source?.metadata.labels,
      [MANAGED_BY_LABEL]: 'bgplb-admin',
    });
    expect(peer?.metadata.annotations?.[SOURCE_GENERATION_ANNOTATION]).toBe(
      String(source?.metadata.generation),
    );
    await waitFor('Synced conditions on every source', () =>
      ['NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer']
        .flatMap((k) => list(h.admin, k, USER_NS))
        .every(
          (o) =>
            syncedCondition(o)?.status === 'True' &&
            (o.status as { syncedGeneration?: number }).syncedGeneration === o.metadata.generation,
        ),
    );
    expect(clusterSummary(h)).toMatchObject({
      state: 'Synced',
      objectsSynced: 3,
      objectsTotal: 3,
      sessionsTotal: 0,
      routesAdvertised: 0,
    });
  });

  it('carries an admin-cluster edit to the user cluster within 2 s', async () => {
    h = await startAdminHarness();
    await h.startController();
    await synced(h);
    const source = get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    const started = Date.now();
    h.admin.store.update({ ...source, spec: { ...(source.spec as object), peerASN: 65099 } } as never);
    await waitFor(
      'the edit in the user cluster',
      () => (get(h.user, 'BGPPeer', 'bgppeer1', USER_NS)?.spec as { peerASN?: number })?.peerASN === 65099,
      2000,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reverts a direct edit in the user cluster, with an Event that the admin cluster owns it', async () => {
    h = await startAdminHarness();
    await h.startController();
    await synced(h);
    const copy = get(h.user, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    const original = copy.spec;
    h.user.store.update({ ...copy, spec: { ...(copy.spec as object), peerASN: 64999 } } as never);
    await waitFor(
      'the revert',
      () => JSON.stringify(get(h.user, 'BGPPeer', 'bgppeer1', USER_NS)?.spec) === JSON.stringify(original),
      10_000,
    );
    const events = await waitFor('the Event', () => {
      const e = userEvents(h, 'bgppeer1');
      return e.length > 0 ? e : undefined;
    });
    expect(events).toEqual([
      {
        kind: 'BGPPeer',
        type: 'Warning',
        reason: 'ManagedByAdminCluster',
        message: `BGPPeer ${USER_NS}/bgppeer1 is managed by the admin cluster (Cluster ${CLUSTER_KEY}): the direct edit was reverted; change it in the admin cluster's namespace ${USER_NS}`,
      },
    ]);
  });

  it('re-creates a managed copy deleted in the user cluster, with an Event', async () => {
    h = await startAdminHarness();
    await h.startController();
    await synced(h);
    h.user.store.delete(API, 'BGPLoadBalancer', 'default', USER_NS);
    await waitFor('the re-created copy', () => get(h.user, 'BGPLoadBalancer', 'default', USER_NS), 10_000);
    await waitFor('the Event', () =>
      userEvents(h, 'default').some(
        (e) => e.kind === 'BGPLoadBalancer' && e.message.includes('the direct deletion was reverted'),
      ),
    );
  });

  it('deletes the managed copy of a deleted source, and never an unmanaged object', async () => {
    h = await startAdminHarness();
    const unmanaged = h.user.store.create({
      apiVersion: API,
      kind: 'BGPPeer',
      metadata: { name: 'local-peer', namespace: USER_NS },
      spec: { peerIP: '10.9.9.9', peerASN: 65009, localASN: 65001 },
    } as never) as KubeObject;
    await h.startController();
    await synced(h);
    h.admin.store.delete(API, 'BGPPeer', 'bgppeer1', USER_NS);
    await waitFor('the copy deleted', () => get(h.user, 'BGPPeer', 'bgppeer1', USER_NS) === undefined);
    await waitFor(
      'Synced again',
      () => clusterSummary(h)?.state === 'Synced' && clusterSummary(h)?.objectsTotal === 2,
    );
    expect(get(h.user, 'BGPPeer', 'local-peer', USER_NS)?.metadata.uid).toBe(unmanaged.metadata.uid);
  });

  it('leaves a same-named unmanaged object alone and reports the conflict on the source', async () => {
    h = await startAdminHarness();
    const theirs = h.user.store.create({
      apiVersion: API,
      kind: 'BGPPeer',
      metadata: { name: 'bgppeer1', namespace: USER_NS },
      spec: { peerIP: '10.9.9.9', peerASN: 65009, localASN: 65001 },
    } as never) as KubeObject;
    await h.startController();
    await waitFor(
      'the conflict',
      () => syncedCondition(get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS))?.reason === 'Conflict',
    );
    expect(syncedCondition(get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS))?.message).toBe(
      `BGPPeer ${USER_NS}/bgppeer1 exists in the user cluster and is not managed by the admin cluster; hand it over with \`bgplb-controller move\` or delete it there`,
    );
    // The Cluster's summary is written after the sources' conditions.
    await waitFor('the Cluster summary', () => clusterSummary(h)?.state === 'Conflict');
    expect(get(h.user, 'BGPPeer', 'bgppeer1', USER_NS)).toMatchObject({
      metadata: { uid: theirs.metadata.uid },
      spec: theirs.spec,
    });
  });

  it.each([
    ['missing', () => undefined, 'Secret cluster-bm/bm-kubeconfig not found'],
    [
      'without the key',
      () => ({ data: { other: 'eA==' } }),
      'Secret cluster-bm/bm-kubeconfig has no "value" key (keys: other)',
    ],
    [
      'not a kubeconfig',
      () => ({ data: { value: Buffer.from('{{{ not yaml').toString('base64') } }),
      'Secret cluster-bm/bm-kubeconfig: "value" is not a kubeconfig',
    ],
  ])('says which when the Secret is %s', async (_what, secretData, message) => {
    h = await startAdminHarness();
    h.admin.store.delete('v1', 'Secret', 'bm-kubeconfig', USER_NS);
    const data = secretData();
    if (data !== undefined)
      h.admin.store.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bm-kubeconfig', namespace: USER_NS },
        ...data,
      } as never);
    await h.startController();
    const summary = await waitFor('the credentials condition', () =>
      clusterSummary(h)?.state === 'CredentialsInvalid' ? clusterSummary(h) : undefined,
    );
    expect(String(summary.message)).toContain(message);
    expect(syncedCondition(get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS))).toMatchObject({
      status: 'False',
      reason: 'CredentialsInvalid',
    });
    expect(userObjects(h)).toEqual([]);
    // Fixing the Secret is enough: its watch triggers the sync.
    h.admin.store.upsert(kubeconfigSecret(USER_NS, 'bm-kubeconfig', h.user.kubeconfig()) as never);
    await synced(h);
  });

  it('reports a user cluster unreachable for 30 s, deletes nothing on either side, and resumes', {
    timeout: 60_000,
  }, async () => {
    h = await startAdminHarness();
    await h.startController();
    await synced(h);
    const before = uids(userObjects(h));
    const sourcesBefore = uids(
      ['NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer'].flatMap((k) => list(h.admin, k, USER_NS)),
    );
    const outageStarted = Date.now();
    const restore = h.user.addFault(
      () => new ApiError(503, 'ServiceUnavailable', 'the user API server is down'),
    );
    h.user.dropWatches();
    await waitFor(
      'the outage in the Cluster status',
      () => clusterSummary(h)?.state === 'UserClusterUnreachable',
      10_000,
    );
    // A source edit during the outage is kept and applied after it.
    const source = get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    h.admin.store.update({ ...source, spec: { ...(source.spec as object), peerASN: 65077 } } as never);
    // The outage lasts 30 s (issue 15's acceptance); the sync keeps retrying with back-off.
    const outageEnds = outageStarted + 30_000;
    while (Date.now() < outageEnds) {
      await new Promise((r) => setTimeout(r, 1000));
      expect(clusterSummary(h)?.state).toBe('UserClusterUnreachable');
      expect(uids(userObjects(h))).toEqual(before);
    }
    expect(syncedCondition(get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS))?.status).toBe('False');
    restore();
    await waitFor(
      'the edit after the outage',
      () => (get(h.user, 'BGPPeer', 'bgppeer1', USER_NS)?.spec as { peerASN?: number })?.peerASN === 65077,
      10_000,
    );
    await waitFor('Synced again', () => clusterSummary(h)?.state === 'Synced', 10_000);
    expect(uids(userObjects(h))).toEqual(before);
    expect(
      uids(['NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer'].flatMap((k) => list(h.admin, k, USER_NS))),
    ).toEqual(sourcesBefore);
  });

  it('a restarted controller converges with no delete or re-create (uids unchanged)', async () => {
    h = await startAdminHarness();
    const first = await h.startController();
    await synced(h);
    const before = uids(userObjects(h));
    // Mid-change: an edit lands while the controller is gone.
    await first.stop({ releaseLease: false });
    const source = get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    h.admin.store.update({ ...source, spec: { ...(source.spec as object), peerASN: 65055 } } as never);
    await h.startController();
    await waitFor(
      'the edit',
      () => (get(h.user, 'BGPPeer', 'bgppeer1', USER_NS)?.spec as { peerASN?: number })?.peerASN === 65055,
      10_000,
    );
    expect(uids(userObjects(h))).toEqual(before);
  });

  it('ignores Clusters that are not user clusters', async () => {
    h = await startAdminHarness();
    const cluster = get(h.admin, 'Cluster', 'bm', USER_NS) as KubeObject;
    h.admin.store.update({ ...cluster, spec: { ...(cluster.spec as object), type: 'admin' } } as never);
    const c = await h.startController();
    await new Promise((r) => setTimeout(r, 500));
    expect(c.worker(CLUSTER_KEY)).toBeUndefined();
    expect(userObjects(h)).toEqual([]);
  });
});
