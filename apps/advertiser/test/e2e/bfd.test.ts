/**
 * BFD on the control-plane advertiser's session (an extension): the config file's `peers[].bfd`
 * against FRR 8.4 with bgpd and bfdd (`neighbor X bfd profile fast`, 300 ms x 3). The hold time
 * stays at 90 s, so only BFD can make FRR drop the VIP quickly after the path is cut (an
 * nftables drop rule in the switch: links stay up, neither end learns it from an interface).
 * Needs root, FRR with bfdd and nft; skips cleanly otherwise.
 */
import { join } from 'node:path';
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
import {
  type AdvertiserProcess,
  ensureBuilt,
  frrNextHops,
  httpGet,
  startAdvertiser,
  writeConfig,
} from './harness.js';

const skip = labSkipReason({ bfdd: true, nft: true });
if (skip) console.warn(`advertiser e2e (BFD) skipped: ${skip}`);

const NODE = '10.0.1.10';
const TOR = '10.0.1.254';
const VIP = '10.0.0.8/32';

describe.skipIf(skip)(
  'control-plane advertiser with bfd (needs root, FRR bfdd, nft)',
  { timeout: 90_000 },
  () => {
    const lab = Lab.create('advbfd');
    let node: Host;
    let sw: Switch;
    let frr: FrrRouter;
    let adv: AdvertiserProcess;

    /** /metrics is rendered at most once a second: poll until a render shows every line. */
    const metricsShow = async (wanted: string[]): Promise<void> => {
      let text = '';
      await waitFor(
        `/metrics to show ${wanted.join(', ')}`,
        async () => {
          text = (await httpGet(node, 'http://127.0.0.1:8080/metrics')).body;
          return wanted.every((line) => text.includes(line));
        },
        5_000,
        250,
        async () =>
          text
            .split('\n')
            .filter((l) => l.startsWith('bgplb_bfd'))
            .join('\n'),
      );
    };

    // FRR's settled BFD session: FRR 8.4 replaces its first when BGP first reaches Established,
    // which ends that first BGP session (FrrRouter.bgpBfdPeer).
    const bfdPeer = () => frr.bgpBfdPeer(NODE);

    beforeAll(async () => {
      ensureBuilt();
      const tor = await lab.addHost('tor');
      node = await lab.addHost('cp1');
      sw = await lab.addSwitch('rack');
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
      // The recommended profile is `bfd: {}`; written out here so that FRR's view can be checked.
      const file = writeConfig(
        join(lab.workDir, 'adv.conf'),
        [
          `localIP: ${NODE}`,
          'localASN: 65001',
          'connectRetryTime: 1',
          'peers:',
          `- peerIP: ${TOR}`,
          '  peerASN: 65002',
          '  bfd: {minTxMs: 300, minRxMs: 300, multiplier: 3}',
        ].join('\n'),
      );
      adv = startAdvertiser(node, [
        '--config',
        file,
        '--advertise-ip',
        '10.0.0.8',
        '--health-addr',
        '127.0.0.1:8080',
      ]);
    }, 120_000);

    afterAll(async () => {
      adv?.signal('SIGTERM');
      await adv?.exited;
      await lab.destroy();
    });

    it('FRR shows our BFD session Up with the negotiated 300 ms x 3 and has the VIP; metrics say Up', async () => {
      await waitFor(
        'FRR: BFD peer Up and the VIP learned',
        async () => (await bfdPeer())?.status === 'up' && (await frrNextHops(frr, VIP)).includes(NODE),
        30_000,
        200,
        async () => `${await frr.vtysh('show bfd peers', 'show bgp ipv4 unicast summary')}\n${adv.tail()}`,
      );
      expect(await bfdPeer()).toMatchObject({
        status: 'up',
        'transmit-interval': 300,
        'receive-interval': 300,
        'remote-transmit-interval': 300,
        'remote-receive-interval': 300,
        'remote-detect-multiplier': 3,
      });
      await adv.waitLog(/^BFD (Down|Init) -> Up /, { peer: TOR }, 5_000);
      await metricsShow([`bgplb_bfd_session_up{peer="${TOR}"} 1`]);
      // One Up per BFD Up the log shows: one, or two when BFD came Up before BGP was Established
      // and FRR replaced its session at Established (FrrRouter.bgpBfdPeer).
      const ups = adv.lines.filter(
        (l) => /^BFD (Down|Init) -> Up /.test(String(l.msg)) && l.peer === TOR,
      ).length;
      expect(ups).toBeGreaterThanOrEqual(1);
      const metrics = (await httpGet(node, 'http://127.0.0.1:8080/metrics')).body;
      expect(metrics).toMatch(
        new RegExp(`bgplb_bfd_transitions_total\\{peer="${TOR}",to="Up",diagnostic="[a-z-]+"\\} ${ups}\\n`),
      );
    });

    it('cutting the path: FRR drops the VIP within about a second (hold time 90 s), and we count the detection', async () => {
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
      const frrMs = await waitFor(
        'FRR to drop the VIP',
        async () => ((await frrNextHops(frr, VIP)).includes(NODE) ? undefined : Date.now() - cutAt),
        5_000,
        25,
      );
      const down = await adv.waitLog('BFD Up -> Down (control-detection-time-expired)', { peer: TOR }, 5_000);
      const ourMs = Date.parse(String(down.time)) - cutAt;
      console.log(
        `path cut: FRR dropped the VIP after ${frrMs} ms; our BFD Down after ${ourMs} ms (silent ${String(down.silentMs)} ms)`,
      );
      // 3 x 300 ms detection + 100 ms, plus FRR's route processing and one vtysh poll.
      expect(frrMs).toBeLessThanOrEqual(1_300);
      expect(ourMs).toBeLessThanOrEqual(1_300);
      await adv.waitLog('sent notification: Cease/BFD Down', { peer: TOR }, 5_000);
      await metricsShow([
        `bgplb_bfd_session_up{peer="${TOR}"} 0`,
        `bgplb_bfd_transitions_total{peer="${TOR}",to="Down",diagnostic="control-detection-time-expired"} 1`,
        'bgplb_bfd_detection_seconds_count 1',
      ]);
    });
  },
);
