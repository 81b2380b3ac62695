/**
 * BFD-driven BGP (RFC 5882) against FRR 8.4 (needs root and FRR; skips elsewhere): our speaker's
 * peer has `bfd` at 300 ms x 3 and FRR has `neighbor X bfd profile fast`. With the hold timer at
 * 90 s, cutting the path (a drop rule in the switch, links stay up) must still make FRR drop the
 * routes learned from us within the BFD detection time, and our session must end with reason
 * `bfd-down`.
 */
import {
  type FrrRouter,
  frrBfdProfile,
  type Host,
  Lab,
  labSkipReason,
  run,
  type Switch,
  waitFor,
} from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeakerEvent } from '../src/index.js';
import { SpeakerProcess } from './driver-client.js';

const skip = labSkipReason({ bfdd: true, nft: true });
if (skip) console.warn(`bgp-fsm BFD interop tests skipped: ${skip}`);

const NODE = '10.0.7.10';
const TOR = '10.0.7.1';
const PREFIX = '198.51.100.7/32';

describe.skipIf(skip)('BGP with BFD against FRR (needs root and FRR)', { timeout: 60_000 }, () => {
  const lab = Lab.create('fsmbfd');
  let tor: Host;
  let node: Host;
  let sw: Switch;
  let frr: FrrRouter;
  let sp: SpeakerProcess;

  const frrHasRoute = async () => {
    const r = await frr.json<{ paths?: unknown[] }>(`show bgp ipv4 unicast ${PREFIX} json`);
    return (r.paths?.length ?? 0) > 0;
  };

  beforeAll(async () => {
    tor = await lab.addHost('tor');
    node = await lab.addHost('node');
    sw = await lab.addSwitch('lan');
    await lab.attach(tor, sw, `${TOR}/24`);
    await lab.attach(node, sw, `${NODE}/24`);
    frr = await tor.startFrr(
      [
        'router bgp 65002',
        ` bgp router-id ${TOR}`,
        ' no bgp ebgp-requires-policy',
        ` neighbor ${NODE} remote-as 65001`,
        ` neighbor ${NODE} timers connect 1`,
        ` neighbor ${NODE} bfd profile fast`,
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
      // The default hold time: without BFD a dead path would keep the routes for 90 s.
      holdTime: 90,
      connectRetryTime: 1,
      bfd: { minTxMs: 300, minRxMs: 300, multiplier: 3 },
    });
    await sp.call('setPaths', PREFIX, [{ nextHop: NODE }]);
  }, 60_000);

  afterAll(async () => {
    await sp?.stop();
    await lab.destroy();
  });

  it('FRR sees BFD Up for our session and learns our route', async () => {
    // FRR's settled BFD session (FRR 8.4 replaces the first one when BGP first reaches Established,
    // which ends that first session if BFD was Up before it: see FrrRouter.bgpBfdPeer), its route
    // from us, and our side Up and Established, all at once: otherwise the cut below could meet
    // that start-up flap instead.
    await waitFor(
      'FRR BFD peer Up, our route at FRR, our BFD Up and session Established',
      async () => {
        if ((await frr.bgpBfdPeer(NODE))?.status !== 'up' || !(await frrHasRoute())) return false;
        const ours = await sp.status(TOR);
        return ours?.state === 'Established' && ours.bfd?.state === 'Up';
      },
      30_000,
      200,
      async () =>
        `${await frr.vtysh('show bfd peers', 'show bgp ipv4 unicast summary')}\nour status: ${JSON.stringify(await sp.status(TOR))}`,
    );
    const bfdEnded = sp.events.filter((e: SpeakerEvent) => e.type === 'state' && e.reason === 'bfd-down');
    expect(bfdEnded.length).toBeLessThanOrEqual(1);
  });

  it('cutting the path: FRR drops our routes and we end the session with reason bfd-down, within the BFD detection time', async () => {
    const since = sp.events.length;
    await run('ip', ['netns', 'exec', sw.ns, 'nft', 'add', 'table', 'bridge', 'cut']);
    await run('ip', [
      'netns',
      'exec',
      sw.ns,
      'nft',
      'add',
      'chain',
      'bridge',
      'cut',
      'drop_all',
      '{ type filter hook forward priority 0; policy drop; }',
    ]);
    // The path is cut once this drop policy is in: the clock starts here, not before the two
    // `ip netns exec nft` runs that put it in (a loaded machine spends a few hundred ms on them).
    const cutAt = Date.now();
    const ours = sp
      .waitEvent(
        (e: SpeakerEvent) => e.type === 'state' && e.from === 'Established' && e.reason === 'bfd-down',
        5_000,
        since,
      )
      .then(() => Date.now() - cutAt);
    const frrMs = await waitFor(
      'FRR to drop our route',
      async () => ((await frrHasRoute()) ? undefined : Date.now() - cutAt),
      5_000,
      25,
    );
    const ourMs = await ours;
    console.log(
      `path cut: FRR dropped our route after ${frrMs} ms, our session ended (bfd-down) after ${ourMs} ms`,
    );
    // 3 x 300 ms detection + 100 ms, plus FRR's route processing and one vtysh poll.
    expect(frrMs).toBeLessThanOrEqual(1_300);
    expect(ourMs).toBeLessThanOrEqual(1_000);
  });
});
