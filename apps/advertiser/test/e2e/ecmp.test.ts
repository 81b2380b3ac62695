/**
 * Two control-plane nodes, each in its own namespace, announce the same VIP: FRR has two paths and,
 * with zebra, installs an ECMP route in its namespace's kernel table. Stopping one node removes
 * only its path. Needs root and FRR.
 */
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdvertiserProcess, ensureBuilt, frrNextHops, startAdvertiser, writeConfig } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (ECMP) skipped: ${skip}`);

interface KernelRoute {
  dst: string;
  gateway?: string;
  nexthops?: Array<{ gateway: string }>;
}

describe.skipIf(skip)(
  'two control-plane nodes announce the VIP: two paths and ECMP at FRR (needs root and FRR)',
  () => {
    const lab = Lab.create('advecmp');
    let tor: Host;
    let frr: FrrRouter;
    const nodes: Host[] = [];
    const advs: AdvertiserProcess[] = [];

    beforeAll(async () => {
      ensureBuilt();
      tor = await lab.addHost('tor');
      const sw = await lab.addSwitch('rack');
      await lab.attach(tor, sw, '10.0.1.254/24');
      for (const [i, ip] of ['10.0.1.10', '10.0.1.11'].entries()) {
        const n = await lab.addHost(`cp${i + 1}`);
        await lab.attach(n, sw, `${ip}/24`);
        nodes.push(n);
      }
      frr = await tor.startFrr(
        [
          'router bgp 65002',
          ' bgp router-id 10.0.1.254',
          ' no bgp ebgp-requires-policy',
          ' bgp bestpath as-path multipath-relax',
          ' neighbor CP peer-group',
          ' neighbor CP remote-as 65001',
          ' neighbor CP timers connect 1',
          ' neighbor 10.0.1.10 peer-group CP',
          ' neighbor 10.0.1.11 peer-group CP',
          ' address-family ipv4 unicast',
          '  maximum-paths 8',
          ' exit-address-family',
        ].join('\n'),
        { zebra: true },
      );
    }, 120_000);
    afterAll(() => lab.destroy());

    it('FRR has two paths and a two-way ECMP kernel route', async () => {
      for (const [i, n] of nodes.entries()) {
        const ip = `10.0.1.1${i}`;
        const config = writeConfig(
          join(lab.workDir, `cp${i + 1}.conf`),
          `localIP: ${ip}\nlocalASN: 65001\nholdTime: 9\nconnectRetryTime: 1\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n`,
        );
        advs.push(startAdvertiser(n, ['--config', config, '--advertise-ip', '10.0.0.8']));
      }
      await waitFor(
        'two paths for 10.0.0.8/32 at FRR',
        async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 2,
        15_000,
      );
      expect(await frrNextHops(frr, '10.0.0.8/32')).toEqual(['10.0.1.10', '10.0.1.11']);
      const route = await waitFor(
        'the ECMP route in the ToR kernel table',
        async () => {
          const routes = await tor.ipJson<KernelRoute[]>('route', 'show', '10.0.0.8/32');
          const r = routes[0];
          return r?.nexthops?.length === 2 ? r : undefined;
        },
        10_000,
      );
      expect(route.nexthops?.map((h) => h.gateway).sort()).toEqual(['10.0.1.10', '10.0.1.11']);
    }, 60_000);

    it('stopping one node removes only its path', async () => {
      advs[0]?.signal('SIGTERM');
      expect((await advs[0]?.exited)?.code).toBe(0);
      await waitFor(
        'one path left',
        async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 1,
        10_000,
      );
      expect(await frrNextHops(frr, '10.0.0.8/32')).toEqual(['10.0.1.11']);
      // zebra updates the kernel after bgpd's table, a moment later (longer on a loaded machine).
      await waitFor(
        'the ToR kernel route via 10.0.1.11 only',
        async () => {
          const routes = await tor.ipJson<KernelRoute[]>('route', 'show', '10.0.0.8/32');
          return routes.length === 1 && routes[0]?.gateway === '10.0.1.11' && !routes[0]?.nexthops;
        },
        10_000,
      );
      advs[1]?.signal('SIGTERM');
      expect((await advs[1]?.exited)?.code).toBe(0);
    }, 30_000);
  },
);
