/**
 * BFD over IPv6 (RFC 5881 §4-5 for IPv6: UDP 3784, Hop Limit 255) under an IPv6 BGP session,
 * against FRR 8.4 bgpd + bfdd in network namespaces (needs root and FRR with bfdd; skips
 * elsewhere): both sides see the BFD session Up and FRR learns our /128; taking the link down
 * makes FRR's BFD go Down and drop the route, and ends our session with reason bfd-down
 * (our IPv6 BFD session detected it), well before the 90 s hold time.
 */

import { type FrrRouter, frrBfdProfile, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeakerEvent } from '../src/index.js';
import { SpeakerProcess } from './driver-client.js';

const skip = labSkipReason({ bfdd: true });
if (skip) console.warn(`bgp-fsm IPv6 BFD interop tests skipped: ${skip}`);

const NODE = '2001:db8:7::10';
const TOR = '2001:db8:7::1';
const PREFIX = '2001:db8:100::7/128';

describe.skipIf(skip)(
  'BGP over IPv6 with BFD over IPv6 against FRR (needs root and FRR)',
  { timeout: 60_000 },
  () => {
    const lab = Lab.create('v6bgpbfd');
    let tor: Host;
    let node: Host;
    let frr: FrrRouter;
    let sp: SpeakerProcess;

    const frrHasRoute = async () => {
      const r = await frr.json<{ paths?: unknown[] }>(`show bgp ipv6 unicast ${PREFIX} json`);
      return (r.paths?.length ?? 0) > 0;
    };
    // FRR's BFD session for our BGP session, once settled (FRR 8.4 replaces the first one when BGP
    // first reaches Established, which ends that first session: see FrrRouter.bgpBfdPeer).
    const frrBfdStatus = async () => (await frr.bgpBfdPeer(NODE))?.status;

    beforeAll(async () => {
      tor = await lab.addHost('tor');
      node = await lab.addHost('node');
      await lab.link(node, '10.0.7.10/24', tor, '10.0.7.1/24');
      await node.ip('addr', 'add', `${NODE}/64`, 'dev', 'eth0', 'nodad');
      await tor.ip('addr', 'add', `${TOR}/64`, 'dev', 'eth0', 'nodad');
      frr = await tor.startFrr(
        [
          'router bgp 65002',
          ' bgp router-id 10.0.7.1',
          ' no bgp ebgp-requires-policy',
          ' no bgp default ipv4-unicast',
          ` neighbor ${NODE} remote-as 65001`,
          ` neighbor ${NODE} timers connect 1`,
          ` neighbor ${NODE} bfd profile fast`,
          ' address-family ipv6 unicast',
          `  neighbor ${NODE} activate`,
          ' exit-address-family',
        ].join('\n'),
        { bfdd: frrBfdProfile() },
      );
      sp = await SpeakerProcess.start(node);
      await sp.call('listen', NODE, 179);
      await sp.call('addPeer', {
        localAddress: NODE,
        localAsn: 65001,
        peerAddress: TOR,
        peerAsn: 65002,
        holdTime: 90,
        connectRetryTime: 1,
        families: ['ipv4-unicast', 'ipv6-unicast'],
        bfd: { minTxMs: 300, minRxMs: 300, multiplier: 3 },
      });
      await sp.call('setPaths', PREFIX, [{ nextHop: NODE }]);
    }, 60_000);

    afterAll(async () => {
      await sp?.stop();
      await lab.destroy();
    });

    it('BFD is Up on both sides over IPv6 and FRR learns our /128', async () => {
      // One condition for all four: FRR's settled BFD session Up, its route from us, and our BFD Up
      // with our session Established (each is written on its own; CI once read ours Down right
      // after FRR's first, soon replaced, session had shown up).
      await waitFor(
        'FRR BFD peer Up, our route at FRR, our BFD Up and session Established',
        async () => {
          if ((await frrBfdStatus()) !== 'up' || !(await frrHasRoute())) return false;
          const ours = await sp.status(TOR);
          return ours?.state === 'Established' && ours.bfd?.state === 'Up';
        },
        30_000,
        200,
        async () =>
          `${await frr.vtysh('show bfd peers', 'show bgp ipv6 unicast summary')}\nour status: ${JSON.stringify(await sp.status(TOR))}`,
      );
      // At most FRR's one start-up replacement ended a session over BFD; more would be a BFD flap.
      const bfdEnded = sp.events.filter((e: SpeakerEvent) => e.type === 'state' && e.reason === 'bfd-down');
      expect(bfdEnded.length).toBeLessThanOrEqual(1);
    });

    it('the link down: FRR BFD goes Down and the /128 leaves within seconds, not the 90 s hold time', async () => {
      const since = sp.events.length;
      const cutAt = Date.now();
      // Our side: no TCP error reaches the session (nothing is sent on a down link and the hold
      // time is 90 s), so only our IPv6 BFD session's Down can end it, with reason bfd-down.
      const ours = sp.waitEvent(
        (e: SpeakerEvent) => e.type === 'state' && e.from === 'Established' && e.reason === 'bfd-down',
        20_000,
        since,
      );
      await node.ip('link', 'set', 'eth0', 'down');
      await waitFor(
        'FRR BFD Down and our route gone',
        async () => (await frrBfdStatus()) !== 'up' && !(await frrHasRoute()),
        20_000,
        100,
        async () => frr.vtysh('show bfd peers', 'show bgp ipv6 unicast summary'),
      );
      await ours;
      expect(Date.now() - cutAt).toBeLessThan(20_000);
    });
  },
);
