/**
 * Topologies 01 and 02 (the other two spec examples) brought up from their files: the
 * control-plane VIP per the example's peer mapping, and a Service VIP with every control-plane
 * node (the default load-balancer nodes) as next hop, both reachable from the client. The full
 * scenario suite runs on topology 03 (scenarios.netns.test.ts). Needs root and FRR.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { E2eLab, REPO } from './netns/e2e-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`e2e topology checks skipped: ${skip}`);

const cases = [
  {
    dir: '01-same-peers-for-all-nodes',
    router: 'r1',
    // both peers get a session from every control-plane node
    cpPeers: ['10.0.1.10', '10.0.1.11', '10.0.2.10'],
    responders: ['cp1', 'cp2', 'cp3'],
  },
  {
    dir: '02-control-plane-nodes-per-peer',
    router: 'tor1',
    // only the rack's control-plane nodes (controlPlaneNodes) peer with tor1
    cpPeers: ['10.0.1.10', '10.0.1.11'],
    responders: ['cp1', 'cp2'],
  },
];

describe.skipIf(skip !== undefined)('e2e topologies 01 and 02 (netns + FRR)', () => {
  it.each(cases)(
    '$dir: control-plane VIP and a Service VIP are announced per the example and reachable',
    async (c) => {
      const lab = await E2eLab.up({
        topology: c.dir,
        dist: process.env.BGPLB_E2E_SOURCES !== '1' && distIsFresh(REPO),
        log: (l) => console.log(`[e2e ${c.dir.slice(0, 2)}] ${l}`),
      });
      try {
        const cp = `${lab.controlPlaneVIP}/32`;
        await lab.waitFor(
          `${c.router} paths for ${cp} from ${c.cpPeers.join(', ')}`,
          async () => {
            const peers = (await lab.torPaths(c.router, cp)).map((p) => p.peer).sort();
            return peers.join() === c.cpPeers.join();
          },
          30_000,
          200,
        );
        await lab.waitFor(
          `${c.router} FIB: ${cp} over ${c.cpPeers.length} next hops`,
          async () => (await lab.torFib(c.router, cp)).length === c.cpPeers.length,
          10_000,
          50,
        );
        const r1 = await lab.probe(lab.controlPlaneVIP, 443, 30);
        expect(r1.failed, r1.errors.join('; ')).toBe(0);
        expect(Object.keys(r1.responders).sort()).toEqual(c.responders);

        lab.createService('web');
        const vip = await lab.waitFor('a VIP for default/web', () => lab.serviceVIP('web'), 10_000);
        const lbIPs = lab
          .clusterNodes()
          .map((n) => n.internalIP ?? '')
          .sort();
        await lab.waitFor(
          `${c.router}: ${vip} with next hops ${lbIPs.join(', ')}`,
          async () => {
            const hops = [
              ...new Set((await lab.torPaths(c.router, `${vip}/32`)).map((p) => p.nextHop)),
            ].sort();
            return hops.join() === lbIPs.join() && (await lab.torFib(c.router, `${vip}/32`)).length >= 2;
          },
          30_000,
          200,
        );
        const r2 = await lab.probe(vip, 80, 40);
        expect(r2.failed, r2.errors.join('; ')).toBe(0);
        expect(Object.keys(r2.responders).length).toBeGreaterThanOrEqual(2);
        console.log(`[e2e ${c.dir.slice(0, 2)}] ${vip}: ${JSON.stringify(r2.responders)}`);
      } finally {
        await lab.down();
      }
    },
    240_000,
  );
});
