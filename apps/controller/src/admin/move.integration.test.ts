/**
 * `bgplb-controller move` against two test API servers: the dry run prints the plan and writes
 * nothing; the real run creates the objects in the admin cluster and hands the user cluster's
 * over without changing their spec or uid; a second run has nothing to do; and the admin-mode
 * sync then finds every copy in sync (no write to the user cluster).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AdminHarness, CLUSTER_KEY, startAdminHarness, USER_NS } from '../test-support/admin-harness.js';
import { get, list, waitFor } from '../test-support/harness.js';
import type { KubeObject } from '../types.js';
import { parseMoveArgs, runMove } from './move.js';
import { MANAGED_BY_LABEL, SOURCE_CLUSTER_ANNOTATION, SOURCE_GENERATION_ANNOTATION } from './names.js';

const KINDS = ['NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer'];

describe('bgplb-controller move', { timeout: 30_000 }, () => {
  let h: AdminHarness;
  let dir: string;
  let args: string[];
  beforeEach(async () => {
    h = await startAdminHarness({ objectsIn: 'user' });
    dir = mkdtempSync(join(tmpdir(), 'bgplb-move-'));
    writeFileSync(join(dir, 'user'), h.user.kubeconfig());
    writeFileSync(join(dir, 'admin'), h.admin.kubeconfig());
    args = ['--cluster', CLUSTER_KEY, '--from', join(dir, 'user'), '--to', join(dir, 'admin')];
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const userObjects = () => KINDS.flatMap((k) => list(h.user, k, USER_NS));
  const adminObjects = () => KINDS.flatMap((k) => list(h.admin, k, USER_NS));
  const snapshot = (objects: KubeObject[]) =>
    Object.fromEntries(
      objects.map((o) => [
        `${o.kind}/${o.metadata.name}`,
        [o.metadata.uid, o.metadata.generation, JSON.stringify(o.spec)],
      ]),
    );

  async function move(extra: string[] = []): Promise<{ code: number; text: string }> {
    const options = parseMoveArgs([...args, ...extra]);
    if (options === 'help') throw new Error('help');
    let text = '';
    const code = await runMove(options, (t) => {
      text += t;
    });
    return { code, text };
  }

  it('dry run: prints every step as a diff and writes nothing', async () => {
    const before = snapshot(userObjects());
    const { code, text } = await move();
    expect(code).toBe(0);
    expect(text).toContain(
      `admin cluster: create BGPPeer ${USER_NS}/bgppeer1\n+ apiVersion: networking.gke.io/v1\n+ kind: BGPPeer\n`,
    );
    expect(text).toContain(
      `user cluster: hand BGPPeer ${USER_NS}/bgppeer1 over to the admin cluster (metadata only; spec and uid unchanged)\n+ metadata.labels["${MANAGED_BY_LABEL}"]: bgplb-admin\n+ metadata.annotations["${SOURCE_CLUSTER_ANNOTATION}"]: ${CLUSTER_KEY}\n+ metadata.annotations["${SOURCE_GENERATION_ANNOTATION}"]: 1`,
    );
    expect(text).toMatch(
      /Dry run: nothing was written\. Run again with --apply to make these 6 changes\.\n$/,
    );
    expect(adminObjects()).toEqual([]);
    expect(snapshot(userObjects())).toEqual(before);
    expect(userObjects().every((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === undefined)).toBe(true);
  });

  it('--apply moves the objects without touching spec or uid; a second run has nothing to do', async () => {
    const before = snapshot(userObjects());
    const { code, text } = await move(['--apply']);
    expect(code).toBe(0);
    expect(text).toMatch(/Moved: 3 created in the admin cluster, 3 handed over\.\n$/);
    expect(snapshot(userObjects())).toEqual(before);
    for (const u of userObjects()) {
      const a = get(h.admin, u.kind as string, u.metadata.name, USER_NS);
      expect(a?.spec).toEqual(u.spec);
      expect(u.metadata.labels?.[MANAGED_BY_LABEL]).toBe('bgplb-admin');
      expect(u.metadata.annotations?.[SOURCE_GENERATION_ANNOTATION]).toBe(String(a?.metadata.generation));
    }
    const again = await move(['--apply']);
    expect(again).toEqual({
      code: 0,
      text: `Cluster ${CLUSTER_KEY}: from the user cluster (namespace ${USER_NS}) to the admin cluster (namespace ${USER_NS})\nNothing to do: the admin cluster already holds these objects and owns them in the user cluster.\n`,
    });
  });

  it('after the move, the admin-mode sync finds every copy in sync and writes nothing to the user cluster', async () => {
    await move(['--apply']);
    const before = Object.fromEntries(
      userObjects().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]),
    );
    const c = await h.startController();
    await waitFor(
      'Synced',
      () =>
        (get(h.admin, 'Cluster', 'bm', USER_NS)?.status as { bgpLoadBalancing?: { state?: string } })
          ?.bgpLoadBalancing?.state === 'Synced',
      10_000,
    );
    expect(
      Object.fromEntries(
        userObjects().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]),
      ),
    ).toEqual(before);
    const writes = (await c.metrics.writes.get()).values.reduce((n, v) => n + v.value, 0);
    expect(writes).toBe(0);
  });

  it('refuses when an object differs between the clusters, with the diff, and writes nothing', async () => {
    const peer = get(h.user, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    const {
      uid: _u,
      resourceVersion: _r,
      creationTimestamp: _c,
      generation: _g,
      ...metadata
    } = peer.metadata;
    h.admin.store.create({ ...peer, metadata, spec: { ...(peer.spec as object), peerASN: 65123 } } as never);
    const { code, text } = await move(['--apply']);
    expect(code).toBe(1);
    expect(text).toContain(
      `! conflict: BGPPeer bgppeer1 differs between the admin cluster (namespace ${USER_NS}) and the user cluster (namespace ${USER_NS}); make them equal (or delete the admin cluster's) and run again`,
    );
    expect(text).toMatch(/- {2}peerASN: 65123\n/);
    expect(text).toContain('1 conflict(s): nothing was written.');
    expect(adminObjects()).toHaveLength(1);
    expect(userObjects().every((o) => o.metadata.labels?.[MANAGED_BY_LABEL] === undefined)).toBe(true);
  });

  it('warns when the admin cluster has no such Cluster', async () => {
    h.admin.store.delete('baremetal.cluster.gke.io/v1', 'Cluster', 'bm', USER_NS);
    const { text } = await move();
    expect(text).toContain(
      `warning: the admin cluster has no Cluster ${CLUSTER_KEY}: the sync starts only once it exists`,
    );
  });

  it('parses its flags: --cluster must be NAMESPACE/NAME, and --from/--to are required', () => {
    expect(() => parseMoveArgs(['--cluster', 'bm', '--from', 'a', '--to', 'b'])).toThrow(
      /^--cluster: expected NAMESPACE\/NAME \(.*\), got "bm"$/,
    );
    expect(() => parseMoveArgs(['--cluster', 'cluster-bm/bm', '--to', 'b'])).toThrow(
      "required option '--from <path>' not specified",
    );
    expect(parseMoveArgs(['--cluster', 'cluster-bm/bm', '--from', 'a', '--to', 'b'])).toEqual({
      cluster: 'cluster-bm/bm',
      from: 'a',
      to: 'b',
      userNamespace: undefined,
      apply: false,
    });
  });
});
