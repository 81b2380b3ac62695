/**
 * kill -9 of the admin-mode controller in the middle of a sync (a user cluster with 300 BGPPeers
 * to create), then a restart: it converges with no delete and no re-create in the user cluster
 * (every uid seen before the kill is still there), and no duplicate.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdminHarness, startAdminHarness, USER_NS } from '../test-support/admin-harness.js';
import { type ChildController, spawnController } from '../test-support/child.js';
import { get, list, waitFor } from '../test-support/harness.js';
import type { KubeObject } from '../types.js';

const PEERS = 300;

describe('kill -9 of the admin-mode controller mid-sync, then a restart', { timeout: 120_000 }, () => {
  let h: AdminHarness;
  let child: ChildController | undefined;
  afterEach(async () => {
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await h?.close();
  });

  it('converges with no delete or re-create (uids unchanged)', async () => {
    h = await startAdminHarness();
    const template = get(h.admin, 'BGPPeer', 'bgppeer1', USER_NS) as KubeObject;
    for (let i = 0; i < PEERS; i++) {
      const {
        uid: _u,
        resourceVersion: _r,
        creationTimestamp: _c,
        generation: _g,
        ...metadata
      } = template.metadata;
      h.admin.store.create({
        ...template,
        metadata: { ...metadata, name: `peer-${i}` },
        spec: { ...(template.spec as object), peerIP: `10.9.${Math.floor(i / 250)}.${i % 250}` },
      } as never);
    }
    const total = PEERS + 3;
    const kubeconfig = join(tmpdir(), `bgplb-admin-crash-${process.pid}.kubeconfig`);
    writeFileSync(kubeconfig, h.admin.kubeconfig());
    const args = [
      '--mode',
      'admin',
      '--kubeconfig',
      kubeconfig,
      '--metrics-addr',
      '0',
      '--log-level',
      'warn',
    ];
    const userObjects = () =>
      ['NetworkGatewayGroup', 'BGPLoadBalancer', 'BGPPeer'].flatMap((k) => list(h.user, k, USER_NS));

    child = spawnController(args);
    await waitFor('part of the sync done', () => userObjects().length >= 20, 60_000);
    child.proc.kill('SIGKILL');
    await child.exited;
    const atKill = new Map(userObjects().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.uid]));
    expect(atKill.size, 'killed mid-sync').toBeLessThan(total);

    child = spawnController(args);
    await waitFor('the full sync', () => userObjects().length === total, 60_000);
    await waitFor(
      'Synced',
      () =>
        (get(h.admin, 'Cluster', 'bm', USER_NS)?.status as { bgpLoadBalancing?: { state?: string } })
          ?.bgpLoadBalancing?.state === 'Synced',
      30_000,
    );
    const after = new Map(userObjects().map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.uid]));
    for (const [key, uid] of atKill) expect(after.get(key), key).toBe(uid);
    expect(after.size).toBe(total);
  });
});
