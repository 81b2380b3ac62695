/**
 * One control-plane advertiser, one VIP of each family (--advertise-ip twice, localIP and
 * localIPOtherFamily in its config), against two FRR routers on one link: torA peers over IPv4
 * and negotiates IPv4 and IPv6 unicast on that one session, torB peers over IPv6 with IPv6 unicast
 * only. torA installs both VIPs, each with the node's address of its family as next hop (the /128
 * via the node's IPv6 address although the session is IPv4); torB installs the /128 only. Both
 * VIPs are held on lo while announced, and SIGTERM withdraws both and removes them. Needs root and
 * FRR.
 */
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdvertiserProcess, ensureBuilt, frrNextHops, startAdvertiser, writeConfig } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (dual-stack VIPs) skipped: ${skip}`);

const NODE = { v4: '10.0.1.10', v6: '2001:db8:1::10' };
const TOR_A = { v4: '10.0.1.254', v6: '2001:db8:1::fe' };
const TOR_B = { v4: '10.0.1.253', v6: '2001:db8:1::fd' };
const VIP4 = '10.0.0.8';
const VIP6 = '2001:db8:100::8';
const P4 = `${VIP4}/32`;
const P6 = `${VIP6}/128`;

interface KernelRoute {
  dst: string;
  gateway?: string;
}

describe.skipIf(skip)(
  'control-plane advertiser: one VIP of each family to an IPv4 and an IPv6 peer (needs root and FRR)',
  () => {
    const lab = Lab.create('cpvipds');
    let node: Host;
    const tors: Host[] = [];
    let frrA: FrrRouter;
    let frrB: FrrRouter;
    let adv: AdvertiserProcess | undefined;

    /** The gateway of `prefix` in a router's kernel (zebra installed it), or undefined. */
    const kernelGateway = async (tor: Host, prefix: string) => {
      const routes = await tor.ipJson<KernelRoute[]>(
        prefix.includes(':') ? '-6' : '-4',
        'route',
        'show',
        prefix,
      );
      return routes[0]?.gateway;
    };
    const nodeVips = async () => {
      const out = await node.exec('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
      return [P4, P6].filter((p) => out.includes(` ${p} `));
    };

    beforeAll(async () => {
      ensureBuilt();
      const sw = await lab.addSwitch('rack');
      node = await lab.addHost('cp1');
      const nodeIf = await lab.attach(node, sw);
      await node.ip('addr', 'add', `${NODE.v4}/24`, 'dev', nodeIf);
      await node.ip('addr', 'add', `${NODE.v6}/64`, 'dev', nodeIf, 'nodad');
      for (const [name, addr] of [
        ['tora', TOR_A],
        ['torb', TOR_B],
      ] as const) {
        const tor = await lab.addHost(name);
        const torIf = await lab.attach(tor, sw);
        await tor.ip('addr', 'add', `${addr.v4}/24`, 'dev', torIf);
        await tor.ip('addr', 'add', `${addr.v6}/64`, 'dev', torIf, 'nodad');
        tors.push(tor);
      }
      const [torA, torB] = tors as [Host, Host];
      frrA = await torA.startFrr(
        [
          'router bgp 65002',
          ` bgp router-id ${TOR_A.v4}`,
          ' no bgp ebgp-requires-policy',
          ` neighbor ${NODE.v4} remote-as 65001`,
          ` neighbor ${NODE.v4} timers connect 1`,
          ' address-family ipv4 unicast',
          `  neighbor ${NODE.v4} activate`,
          ' exit-address-family',
          ' address-family ipv6 unicast',
          `  neighbor ${NODE.v4} activate`,
          ' exit-address-family',
        ].join('\n'),
        { zebra: true },
      );
      frrB = await torB.startFrr(
        [
          'router bgp 65003',
          ` bgp router-id ${TOR_B.v4}`,
          ' no bgp ebgp-requires-policy',
          ' no bgp default ipv4-unicast',
          ` neighbor ${NODE.v6} remote-as 65001`,
          ` neighbor ${NODE.v6} timers connect 1`,
          ' address-family ipv6 unicast',
          `  neighbor ${NODE.v6} activate`,
          ' exit-address-family',
        ].join('\n'),
        { zebra: true },
      );
    }, 120_000);
    afterAll(async () => {
      if (adv !== undefined && adv.child.exitCode === null && adv.child.signalCode === null) {
        adv.signal('SIGKILL');
        await adv.exited;
      }
      await lab.destroy();
    });

    it('torA gets both VIPs over its IPv4 session, torB the /128 only; both held on lo', async () => {
      const config = writeConfig(
        join(lab.workDir, 'cp1.conf'),
        [
          `localIP: ${NODE.v4}`,
          `localIPOtherFamily: ${NODE.v6}`,
          'localASN: 65001',
          'holdTime: 9',
          'connectRetryTime: 1',
          'peers:',
          `- {peerIP: ${TOR_A.v4}, peerASN: 65002}`,
          `- {peerIP: ${TOR_B.v6}, peerASN: 65003}`,
          '',
        ].join('\n'),
      );
      adv = startAdvertiser(node, [
        '--config',
        config,
        '--advertise-ip',
        VIP4,
        '--advertise-ip',
        VIP6,
        '--vip-interface',
        'lo',
        '--health-addr',
        '127.0.0.1:18080',
      ]);
      await waitFor(
        'both VIPs at torA and the /128 at torB',
        async () =>
          (await frrNextHops(frrA, P4)).length === 1 &&
          (await frrNextHops(frrA, P6)).length === 1 &&
          (await frrNextHops(frrB, P6)).length === 1,
        30_000,
      );
      expect(await frrNextHops(frrA, P4)).toEqual([NODE.v4]);
      expect(await frrNextHops(frrA, P6)).toEqual([NODE.v6]);
      expect(await frrNextHops(frrB, P6)).toEqual([NODE.v6]);
      // torB's session carries IPv6 unicast only: the IPv4 VIP never reaches it.
      expect(await frrNextHops(frrB, P4)).toEqual([]);
      const [torA, torB] = tors as [Host, Host];
      await waitFor(
        'the routes in the routers’ kernels (zebra)',
        async () =>
          (await kernelGateway(torA, P4)) === NODE.v4 &&
          (await kernelGateway(torA, P6)) === NODE.v6 &&
          (await kernelGateway(torB, P6)) === NODE.v6,
        15_000,
      );
      expect(await nodeVips()).toEqual([P4, P6]);
    }, 90_000);

    it('SIGTERM withdraws both VIPs from both routers and removes them from lo', async () => {
      adv?.signal('SIGTERM');
      expect((await adv?.exited)?.code).toBe(0);
      await waitFor(
        'no VIP left at either router',
        async () =>
          (await frrNextHops(frrA, P4)).length === 0 &&
          (await frrNextHops(frrA, P6)).length === 0 &&
          (await frrNextHops(frrB, P6)).length === 0,
        15_000,
      );
      expect(adv?.count('Route withdrawn')).toBe(2);
      expect(await nodeVips()).toEqual([]);
    }, 30_000);
  },
);
