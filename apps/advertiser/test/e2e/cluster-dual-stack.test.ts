/**
 * A dual-stack control-plane VIP from ONE Cluster file (needs root and FRR; skipped elsewhere):
 * the Cluster of examples/02 with `vips.controlPlaneVIPOtherFamily`, and control-plane node cp1
 * with its IPv4 node address and an IPv6 address on the same link, as a dual-stack node has them.
 * The speaker runs `--cluster-config` without `--node-ip`: it finds its node among the host's
 * addresses and its IPv6 address on the interface of that address, and the ToR (FRR with zebra),
 * peering over IPv4 with IPv6 unicast negotiated on that one session, installs both VIPs: the /32
 * via the node's IPv4 address, the /128 via its IPv6 address. With a second IPv6 address on the
 * interface the start is refused naming both, and `--node-ip-other-family` picks one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AdvertiserProcess, ensureBuilt, frrNextHops, startAdvertiser, writeConfig } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (--cluster-config, dual-stack VIP) skipped: ${skip}`);

const EXAMPLE = new URL('../../../../examples/02-control-plane-nodes-per-peer.yaml', import.meta.url);
const NODE = { v4: '10.0.1.10', v6: '2001:db8:1::10', v6b: '2001:db8:1::11' };
const TOR = { v4: '10.0.1.254', v6: '2001:db8:1::fe' };
const VIP6 = '2001:db8:100::8';
const P4 = '10.0.0.8/32';
const P6 = `${VIP6}/128`;

describe.skipIf(skip)(
  'control-plane speaker from a Cluster file: a VIP of each family from an IPv4 node (needs root and FRR)',
  () => {
    const lab = Lab.create('cpdual');
    let tor: Host;
    let node: Host;
    let nodeIf = '';
    let frr: FrrRouter;
    let clusterFile = '';
    let adv: AdvertiserProcess | undefined;

    /** The gateway of `prefix` in the ToR's kernel (zebra installed it), or undefined. */
    const kernelGateway = async (prefix: string) => {
      const routes = await tor.ipJson<Array<{ gateway?: string }>>(
        prefix.includes(':') ? '-6' : '-4',
        'route',
        'show',
        prefix,
      );
      return routes[0]?.gateway;
    };
    const start = (...extra: string[]) =>
      startAdvertiser(node, [
        '--cluster-config',
        clusterFile,
        '--no-check',
        '--vip-interface',
        'lo',
        '--health-addr',
        '127.0.0.1:18080',
        ...extra,
      ]);
    /** SIGTERM and wait until FRR has no VIP left. */
    const stop = async () => {
      if (adv === undefined) return;
      const running = adv;
      adv = undefined;
      if (running.child.exitCode !== null || running.child.signalCode !== null) return;
      running.signal('SIGTERM');
      expect((await running.exited).code).toBe(0);
      await waitFor(
        'no VIP left at the ToR',
        async () => (await frrNextHops(frr, P4)).length === 0 && (await frrNextHops(frr, P6)).length === 0,
        20_000,
      );
    };

    beforeAll(async () => {
      ensureBuilt();
      tor = await lab.addHost('tor');
      node = await lab.addHost('cp1');
      [, nodeIf] = await lab.link(tor, `${TOR.v4}/24`, node, `${NODE.v4}/24`);
      // The node's IPv6 address on the link of its node address (nodad: usable at once).
      await node.ip('addr', 'add', `${NODE.v6}/64`, 'dev', nodeIf, 'nodad');
      const torIf = (await tor.ipJson<Array<{ ifname: string }>>('link', 'show')).find(
        (l) => l.ifname !== 'lo',
      )?.ifname as string;
      await tor.ip('addr', 'add', `${TOR.v6}/64`, 'dev', torIf, 'nodad');
      clusterFile = writeConfig(
        join(lab.workDir, 'cluster.yaml'),
        readFileSync(EXAMPLE, 'utf8').replace(
          'controlPlaneVIP: 10.0.0.8',
          `controlPlaneVIP: 10.0.0.8\n      controlPlaneVIPOtherFamily: ${VIP6}`,
        ),
      );
      frr = await tor.startFrr(
        [
          'router bgp 65002',
          ` bgp router-id ${TOR.v4}`,
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
    }, 120_000);
    afterEach(async () => {
      // A failed test must not leave its speaker announcing for the next one.
      if (adv !== undefined && adv.child.exitCode === null && adv.child.signalCode === null) {
        adv.signal('SIGKILL');
        await adv.exited;
      }
      adv = undefined;
    });
    afterAll(async () => {
      await lab.destroy();
    });

    it('finds the node and its IPv6 address on the host; the ToR installs both VIPs over the IPv4 session', async () => {
      adv = start();
      expect(await adv.waitLog('BGP advertiser started')).toMatchObject({
        cluster: 'Cluster/bm',
        node: NODE.v4,
        advertiseIP: `10.0.0.8 ${VIP6}`,
        localIP: NODE.v4,
        localIPOtherFamily: NODE.v6,
      });
      await waitFor(
        'both VIPs at the ToR',
        async () => (await frrNextHops(frr, P4)).length === 1 && (await frrNextHops(frr, P6)).length === 1,
        30_000,
      );
      expect(await frrNextHops(frr, P4)).toEqual([NODE.v4]);
      expect(await frrNextHops(frr, P6)).toEqual([NODE.v6]);
      // One session (the IPv4 one) carries both families.
      const neighbors = await frr.json<Record<string, unknown>>('show bgp neighbors json');
      expect(Object.keys(neighbors)).toEqual([NODE.v4]);
      await waitFor(
        'the routes in the ToR kernel (zebra)',
        async () => (await kernelGateway(P4)) === NODE.v4 && (await kernelGateway(P6)) === NODE.v6,
        15_000,
      );
      await stop();
    }, 90_000);

    it('two IPv6 addresses on the interface: exit 2 naming both; --node-ip-other-family picks one', async () => {
      await node.ip('addr', 'add', `${NODE.v6b}/64`, 'dev', nodeIf, 'nodad');
      try {
        const refused = start();
        const exit = await refused.exited;
        expect(exit.code).toBe(2);
        const listed = [NODE.v6, NODE.v6b].sort().join(', ');
        expect(refused.stderr.trim()).toBe(
          `bgpadvertiser: ${clusterFile}: ${nodeIf} (the interface of the node address ${NODE.v4}) has several global IPv6 addresses (${listed}): pass --node-ip-other-family with the one the routers reach this node at (the next hop of the control-plane VIP ${VIP6})`,
        );
        adv = start('--node-ip-other-family', NODE.v6b);
        expect(await adv.waitLog('BGP advertiser started')).toMatchObject({ localIPOtherFamily: NODE.v6b });
        await waitFor(
          'the /128 via the address given',
          async () => (await frrNextHops(frr, P6)).length === 1,
          30_000,
        );
        expect(await frrNextHops(frr, P6)).toEqual([NODE.v6b]);
        expect(await frrNextHops(frr, P4)).toEqual([NODE.v4]);
        await stop();
      } finally {
        await node.ip('addr', 'del', `${NODE.v6b}/64`, 'dev', nodeIf);
      }
    }, 90_000);
  },
);
