import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import { adminCopy, describeMove, planMove } from './move-plan.js';
import { MANAGED_BY_LABEL, SOURCE_CLUSTER_ANNOTATION, SOURCE_GENERATION_ANNOTATION } from './names.js';

const KEY = 'cluster-u1/u1';
const NS = 'cluster-u1';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const peer = (
  extra: Partial<KubeObject['metadata']> = {},
  spec: object = { peerIP: '10.0.0.1', peerASN: 65001 },
): KubeObject => ({
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPPeer',
  metadata: { name: 'p1', namespace: NS, uid: 'u-1', generation: 4, labels: { rack: 'r1' }, ...extra },
  spec,
});
const inputs = (user: KubeObject[], admin: KubeObject[] = []) => ({
  user,
  admin,
  userNamespace: NS,
  adminNamespace: NS,
  clusterKey: KEY,
});

describe('planMove', () => {
  it('creates the admin copy (without our marks or kubectl bookkeeping), then hands over, removing last-applied', () => {
    const u = peer({ annotations: { note: 'x', [LAST_APPLIED]: '{}' } });
    const steps = planMove(inputs([u]));
    expect(steps).toEqual([
      {
        op: 'create-in-admin',
        kind: 'BGPPeer',
        name: 'p1',
        object: {
          apiVersion: 'networking.gke.io/v1',
          kind: 'BGPPeer',
          metadata: { name: 'p1', namespace: NS, labels: { rack: 'r1' }, annotations: { note: 'x' } },
          spec: u.spec,
        },
      },
      {
        op: 'hand-over',
        kind: 'BGPPeer',
        name: 'p1',
        uid: 'u-1',
        patch: {
          metadata: {
            labels: { [MANAGED_BY_LABEL]: 'bgplb-admin' },
            annotations: {
              [SOURCE_CLUSTER_ANNOTATION]: KEY,
              [SOURCE_GENERATION_ANNOTATION]: '1',
              [LAST_APPLIED]: null,
            },
          },
        },
      },
    ]);
    expect(describeMove(steps, inputs([]))).toContain(`- metadata.annotations["${LAST_APPLIED}"]`);
  });

  it("uses the existing admin object's generation when it is already there and equal", () => {
    const a = { ...adminCopy(peer(), NS), metadata: { ...adminCopy(peer(), NS).metadata, generation: 3 } };
    const steps = planMove(inputs([peer()], [a]));
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      op: 'hand-over',
      patch: { metadata: { annotations: { [SOURCE_GENERATION_ANNOTATION]: '3' } } },
    });
  });

  it('does nothing for an object already handed over', () => {
    const a = { ...adminCopy(peer(), NS), metadata: { ...adminCopy(peer(), NS).metadata, generation: 1 } };
    const u = peer({
      labels: { rack: 'r1', [MANAGED_BY_LABEL]: 'bgplb-admin' },
      annotations: { [SOURCE_CLUSTER_ANNOTATION]: KEY, [SOURCE_GENERATION_ANNOTATION]: '1' },
    });
    expect(planMove(inputs([u], [a]))).toEqual([]);
  });

  it('refuses an object another Cluster manages, and one that differs, before any write', () => {
    const other = peer({
      labels: { [MANAGED_BY_LABEL]: 'bgplb-admin' },
      annotations: { [SOURCE_CLUSTER_ANNOTATION]: 'cluster-u2/u2' },
    });
    expect(planMove(inputs([other]))[0]).toMatchObject({
      op: 'conflict',
      message: 'BGPPeer p1 is already managed for Cluster cluster-u2/u2',
    });
    const differs = adminCopy(peer({}, { peerIP: '10.0.0.1', peerASN: 65002 }), NS);
    const [c] = planMove(inputs([peer()], [differs]));
    expect(c?.op).toBe('conflict');
    if (c?.op === 'conflict') {
      expect(c.diff).toContain('-  peerASN: 65002');
      expect(c.diff).toContain('+  peerASN: 65001');
    }
  });

  it('orders conflicts first, then every create, then every hand-over (groups before peers before load balancers)', () => {
    const lb: KubeObject = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPLoadBalancer',
      metadata: { name: 'default', namespace: NS },
      spec: {},
    };
    const ngg: KubeObject = {
      apiVersion: 'networking.gke.io/v1',
      kind: 'NetworkGatewayGroup',
      metadata: { name: 'default', namespace: NS },
      spec: {},
    };
    expect(planMove(inputs([lb, peer(), ngg])).map((s) => `${s.op} ${s.kind}`)).toEqual([
      'create-in-admin NetworkGatewayGroup',
      'create-in-admin BGPPeer',
      'create-in-admin BGPLoadBalancer',
      'hand-over NetworkGatewayGroup',
      'hand-over BGPPeer',
      'hand-over BGPLoadBalancer',
    ]);
  });
});
