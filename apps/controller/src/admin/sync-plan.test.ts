import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  SOURCE_CLUSTER_ANNOTATION,
  SOURCE_GENERATION_ANNOTATION,
} from './names.js';
import { desiredCopy, isManagedBy, planSync } from './sync-plan.js';

const CLUSTER = 'cluster-u1/u1';
const NS = 'cluster-u1';

function source(
  kind: string,
  name: string,
  spec: unknown,
  generation = 1,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind,
    metadata: { name, namespace: NS, generation, uid: `admin-${name}`, resourceVersion: '10', ...extra },
    spec,
    status: { conditions: [] },
  };
}

function copyOf(s: KubeObject, uid = `user-${s.metadata.name}`): KubeObject {
  const c = desiredCopy(s, NS, CLUSTER);
  return { ...c, metadata: { ...c.metadata, uid, resourceVersion: '99', generation: 7 }, status: { x: 1 } };
}

const peer = source('BGPPeer', 'p1', { peerIP: '10.0.0.1', peerASN: 65001 }, 3, { labels: { rack: 'r1' } });
const ngg = source('NetworkGatewayGroup', 'default', { floatingIPs: ['10.0.1.100'] });
const lb = source('BGPLoadBalancer', 'default', { peerSelector: { rack: 'r1' } });

describe('desiredCopy', () => {
  it('copies spec, labels and annotations, adds ownership, drops status and kubectl bookkeeping', () => {
    const s = source('BGPPeer', 'p1', { peerIP: '10.0.0.1' }, 4, {
      labels: { rack: 'r1' },
      annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    });
    expect(desiredCopy(s, 'target-ns', CLUSTER)).toEqual({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: {
        name: 'p1',
        namespace: 'target-ns',
        labels: { rack: 'r1', [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
        annotations: { note: 'x', [SOURCE_GENERATION_ANNOTATION]: '4', [SOURCE_CLUSTER_ANNOTATION]: CLUSTER },
      },
      spec: { peerIP: '10.0.0.1' },
    });
  });

  it('deep-copies the spec (the cache object is never shared with a write)', () => {
    const c = desiredCopy(peer, NS, CLUSTER);
    expect(c.spec).toEqual(peer.spec);
    expect(c.spec).not.toBe(peer.spec);
  });
});

describe('planSync', () => {
  it('creates everything on an empty user cluster, groups and peers before load balancers', () => {
    const plan = planSync({
      sources: [lb, peer, ngg],
      targets: [],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    });
    expect(plan.actions.map((a) => `${a.op} ${a.kind}/${a.name}`)).toEqual([
      'create NetworkGatewayGroup/default',
      'create BGPPeer/p1',
      'create BGPLoadBalancer/default',
    ]);
    expect(plan.inSync).toEqual([]);
  });

  it('does nothing when every copy matches (status and resourceVersion differences do not count)', () => {
    const plan = planSync({
      sources: [lb, peer, ngg],
      targets: [copyOf(lb), copyOf(peer), copyOf(ngg)],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    });
    expect(plan.actions).toEqual([]);
    expect(plan.inSync.map((s) => s.metadata.name).sort()).toEqual(['default', 'default', 'p1']);
  });

  it('updates a copy whose source changed, keeping the target identity (uid, resourceVersion)', () => {
    const target = copyOf(peer);
    const changed = {
      ...peer,
      metadata: { ...peer.metadata, generation: 4 },
      spec: { peerIP: '10.0.0.2', peerASN: 65001 },
    };
    const [action] = planSync({
      sources: [changed],
      targets: [target],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    }).actions;
    expect(action?.op).toBe('update');
    if (action?.op !== 'update') return;
    expect(action.reason).toBe('source-changed');
    expect(action.object.spec).toEqual({ peerIP: '10.0.0.2', peerASN: 65001 });
    expect(action.object.metadata.uid).toBe('user-p1');
    expect(action.object.metadata.resourceVersion).toBe('99');
    expect(action.object.metadata.annotations?.[SOURCE_GENERATION_ANNOTATION]).toBe('4');
  });

  it.each([
    ['spec', (t: KubeObject) => ({ ...t, spec: { peerIP: '10.9.9.9', peerASN: 65001 } })],
    [
      'a label',
      (t: KubeObject) => ({
        ...t,
        metadata: { ...t.metadata, labels: { ...t.metadata.labels, rack: 'r2' } },
      }),
    ],
    [
      'an added annotation',
      (t: KubeObject) => ({
        ...t,
        metadata: { ...t.metadata, annotations: { ...t.metadata.annotations, x: 'y' } },
      }),
    ],
  ])('reports a direct edit of %s in the user cluster as drift and reverts it', (_what, edit) => {
    const [action] = planSync({
      sources: [peer],
      targets: [edit(copyOf(peer))],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    }).actions;
    expect(action).toMatchObject({ op: 'update', reason: 'drift' });
    if (action?.op === 'update')
      expect(action.object).toMatchObject({
        spec: peer.spec,
        metadata: desiredCopy(peer, NS, CLUSTER).metadata,
      });
  });

  it('deletes a managed copy whose source is gone, and never an unmanaged object', () => {
    const unmanaged: KubeObject = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: { name: 'local', namespace: NS },
      spec: {},
    };
    const plan = planSync({
      sources: [],
      targets: [copyOf(peer), unmanaged, copyOf(ngg)],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    });
    expect(plan.actions.map((a) => `${a.op} ${a.kind}/${a.name}`)).toEqual([
      'delete BGPPeer/p1',
      'delete NetworkGatewayGroup/default',
    ]);
  });

  it("never deletes another Cluster's copies", () => {
    const other = desiredCopy(peer, NS, 'cluster-u2/u2');
    expect(
      planSync({ sources: [], targets: [other], targetNamespace: NS, sourceCluster: CLUSTER }).actions,
    ).toEqual([]);
  });

  it('reports a same-named unmanaged object as a conflict and leaves it alone', () => {
    const unmanaged: KubeObject = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: { name: 'p1', namespace: NS },
      spec: {},
    };
    const plan = planSync({
      sources: [peer],
      targets: [unmanaged],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    });
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ op: 'conflict', kind: 'BGPPeer', name: 'p1' });
    if (plan.actions[0]?.op === 'conflict')
      expect(plan.actions[0].message).toBe(
        'BGPPeer cluster-u1/p1 exists in the user cluster and is not managed by the admin cluster; hand it over with `bgplb-controller move` or delete it there',
      );
  });

  it("names the other Cluster when the object is another Cluster's copy", () => {
    const other = desiredCopy(peer, NS, 'cluster-u2/u2');
    const [a] = planSync({
      sources: [peer],
      targets: [other],
      targetNamespace: NS,
      sourceCluster: CLUSTER,
    }).actions;
    expect(a).toMatchObject({
      op: 'conflict',
      message:
        'BGPPeer cluster-u1/p1 in the user cluster is managed for Cluster cluster-u2/u2, not cluster-u1/u1',
    });
  });

  it('skips sources being deleted (their copies go once they are gone) and targets already being deleted', () => {
    const dying = { ...peer, metadata: { ...peer.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    const plan = planSync({ sources: [dying], targets: [], targetNamespace: NS, sourceCluster: CLUSTER });
    expect(plan.actions).toEqual([]);
    const t = copyOf(ngg);
    t.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(
      planSync({ sources: [], targets: [t], targetNamespace: NS, sourceCluster: CLUSTER }).actions,
    ).toEqual([]);
  });

  it('isManagedBy needs both the label and this Cluster', () => {
    const c = copyOf(peer);
    expect(isManagedBy(c, CLUSTER)).toBe(true);
    expect(isManagedBy(c, 'x/y')).toBe(false);
    expect(isManagedBy({ ...c, metadata: { ...c.metadata, labels: {} } }, CLUSTER)).toBe(false);
  });
});
