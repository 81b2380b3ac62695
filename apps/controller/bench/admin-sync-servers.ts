/**
 * The API servers of the admin-sync benchmark, in a process of their own (so the controller's CPU
 * is measured alone): one admin cluster and USERS user clusters (test API servers on loopback),
 * the admin cluster seeded with USERS user Clusters of OBJECTS objects each (one
 * NetworkGatewayGroup, one BGPLoadBalancer, the rest BGPPeers) and their kubeconfig Secrets.
 *
 *   tsx --conditions=@bgplb/source bench/admin-sync-servers.ts DIR USERS OBJECTS
 *
 * Writes DIR/admin.kubeconfig and DIR/user-<i>.kubeconfig, then prints one JSON line
 * `{"ready":true}`; runs until stdin closes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdDirectory } from '@bgplb/api-types';
import { startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { kubeconfigSecret, userClusterSources } from '../src/test-support/admin-harness.js';
import type { KubeObject } from '../src/types.js';

const [dir, usersArg, objectsArg] = process.argv.slice(2);
const USERS = Number(usersArg ?? 50);
const OBJECTS = Number(objectsArg ?? 200);

/** The objects of user cluster `i`: the example's Cluster, group and load balancer, and many peers. */
function objectsOf(i: number): KubeObject[] {
  const ns = `cluster-u${i}`;
  const example = userClusterSources(`u${i}`, ns);
  const peer = example.find((o) => o.kind === 'BGPPeer') as KubeObject;
  const rest = example.filter((o) => o.kind !== 'BGPPeer');
  const peers = Array.from({ length: OBJECTS - 2 }, (_, j) => ({
    ...structuredClone(peer),
    metadata: { ...peer.metadata, name: `peer-${j}`, namespace: ns },
    spec: { ...(peer.spec as object), peerIP: `10.${1 + Math.floor(j / 250)}.${j % 250}.254` },
  }));
  return [...rest, ...peers];
}

async function main(): Promise<void> {
  if (dir === undefined) throw new Error('usage: admin-sync-servers.ts DIR USERS OBJECTS');
  const namespaces = Array.from({ length: USERS }, (_, i) => `cluster-u${i}`);
  const admin = await startTestApiServer({
    crds: [crdDirectory],
    namespaces: ['default', 'kube-system', ...namespaces],
    historyLimit: 200_000,
  });
  const users: TestApiServer[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await startTestApiServer({
      crds: [crdDirectory],
      namespaces: ['default', 'kube-system', `cluster-u${i}`, 'baseline'],
      historyLimit: 20_000,
    });
    users.push(user);
    for (const o of objectsOf(i)) admin.store.create(o as never);
    admin.store.create(kubeconfigSecret(`cluster-u${i}`, `u${i}-kubeconfig`, user.kubeconfig()) as never);
    writeFileSync(join(dir, `user-${i}.kubeconfig`), user.kubeconfig());
  }
  writeFileSync(join(dir, 'admin.kubeconfig'), admin.kubeconfig());
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    for (const u of users) await u.close();
    await admin.close();
    process.exit(0);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
