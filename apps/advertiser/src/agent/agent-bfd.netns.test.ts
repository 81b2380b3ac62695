/**
 * The node agent with BFD (an extension): BGPPeer `spec.bfd` reaches the session from the floating
 * IP, FRR's bfdd (`neighbor FIP bfd profile fast`, 300 ms x 3) shows that BFD session Up, and the
 * agent writes BGPSession `status.bfdState: Up`. Turning `bfd` off on the BGPPeer restarts the
 * session without BFD: FRR sees our AdminDown and the status field is cleared. The same over an
 * IPv6 session from an IPv6 floating IP: FRR shows the BFD session Up, the BGPSession says
 * Established with bfdState Up.
 * Needs root (network namespaces), FRR with bfdd and nft; skipped elsewhere.
 */
import { frrBfdProfile, labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentLab, type AgentProcess, torConfig } from './test-support/agent-lab.js';

const skip = labSkipReason({ bfdd: true, nft: true });
if (skip) console.warn(`agent BFD tests skipped: ${skip}`);

const FIP = '10.0.1.100';
const VIP = '10.0.0.8/32';
const PEER = {
  localASN: 65001,
  peerASN: 65000,
  peerIP: '10.0.1.254',
  sessions: 1,
  holdTime: 9,
  connectRetryTime: 1,
};

/**
 * FRR's bfdd has the session from `fip` Up at 300 ms x 3 with BGP Established, and the agent
 * reports BGPSession `session` with state Established and bfdState Up. BFD comes Up on its own,
 * often before BGP, and the agent coalesces its status writes: one status must carry both (CI once
 * read a status written in between, bfdState Up and state still Idle). FRR's session is the settled
 * one (`bgpBfdPeer`): FRR 8.4 replaces its first when BGP first reaches Established, ending that BGP session.
 */
async function expectBfdUpAt300ms(lab: AgentLab, fip: string, session: string): Promise<void> {
  await lab.waitFor(
    `FRR BFD Up for ${fip} and the session Established`,
    async () =>
      (await lab.frr.bgpBfdPeer(fip))?.status === 'up' &&
      (await lab.neighbor(fip))?.bgpState === 'Established',
    30_000,
  );
  expect(await lab.frr.bgpBfdPeer(fip)).toMatchObject({
    'remote-transmit-interval': 300,
    'remote-receive-interval': 300,
    'remote-detect-multiplier': 3,
  });
  await lab.waitFor(
    `${session}: status.state Established and status.bfdState Up`,
    async () => {
      const s = lab.sessionStatus(session);
      return s?.state === 'Established' && s.bfdState === 'Up';
    },
    10_000,
  );
}

describe.skipIf(skip)(
  'agent: BGPPeer spec.bfd against FRR bfdd (netns; needs root)',
  { timeout: 90_000 },
  () => {
    let lab: AgentLab;
    let agent: AgentProcess;

    const bfdPeer = () => lab.frr.bgpBfdPeer(FIP);

    beforeAll(async () => {
      const { AgentLab } = await import('./test-support/agent-lab.js');
      lab = await AgentLab.create('agtbfd', [{ name: 'node-a', address: '10.0.1.10/24' }]);
      await lab.startFrr(
        `${torConfig([{ ip: FIP, asn: 65001 }])} neighbor ${FIP} bfd profile fast\n`,
        undefined,
        frrBfdProfile(),
      );
      lab.setGatewayGroup([FIP], { [FIP]: 'node-a' });
      lab.createPeer('tor1', { ...PEER, bfd: { minTxMs: 300, minRxMs: 300, multiplier: 3 } });
      lab.createSession('tor1', 'node-a', FIP, '10.0.1.254');
      lab.setRoute('default-default-web', VIP, ['10.0.1.10']);
      agent = lab.startAgent('node-a');
      await agent.waitReady();
    }, 90_000);

    afterAll(async () => {
      await lab?.destroy();
    });

    it('runs BFD from the floating IP: FRR shows it Up at 300 ms x 3, status.bfdState is Up', async () => {
      await expectBfdUpAt300ms(lab, FIP, 'tor1-node-a');
    });

    it('bfd removed from the BGPPeer: the session restarts without BFD, FRR sees AdminDown, bfdState cleared', async () => {
      lab.updatePeer('tor1', PEER);
      await lab.waitFor(
        'FRR BFD down for the floating IP',
        async () => (await bfdPeer())?.status !== 'up',
        10_000,
      );
      expect((await bfdPeer())?.['remote-diagnostic']).toBe('administratively down');
      await lab.waitFor(
        'Established again, bfdState gone from the status',
        async () =>
          (await lab.neighbor(FIP))?.bgpState === 'Established' &&
          lab.sessionStatus('tor1-node-a')?.state === 'Established' &&
          lab.sessionStatus('tor1-node-a')?.bfdState === undefined,
        30_000,
      );
      expect(agent.logged(/session tor1-node-a stopped: session settings changed/)).toBe(true);
    });
  },
);

describe.skipIf(skip)(
  'agent: BGPPeer spec.bfd on an IPv6 session against FRR bfdd (netns; needs root)',
  { timeout: 90_000 },
  () => {
    const FIP6 = '2001:db8:1::100';
    const TOR6 = '2001:db8:1::fe';
    let lab: AgentLab;

    beforeAll(async () => {
      const { AgentLab } = await import('./test-support/agent-lab.js');
      lab = await AgentLab.create('v6bfdp', [{ name: 'node-a', address: '10.0.1.10/24' }]);
      // The rack's IPv6 subnet (nodad: usable at once); the floating IP goes on eth0 as a /128.
      await lab.tor.ip('addr', 'add', `${TOR6}/64`, 'dev', 'eth0', 'nodad');
      await lab.nodes.get('node-a')?.ip('addr', 'add', '2001:db8:1::10/64', 'dev', 'eth0', 'nodad');
      await lab.startFrr(
        [
          'router bgp 65000',
          ' bgp router-id 10.0.1.254',
          ' no bgp ebgp-requires-policy',
          ' no bgp default ipv4-unicast',
          ` neighbor ${FIP6} remote-as 65001`,
          ` neighbor ${FIP6} timers 3 9`,
          ` neighbor ${FIP6} timers connect 1`,
          ` neighbor ${FIP6} bfd profile fast`,
          ' address-family ipv6 unicast',
          `  neighbor ${FIP6} activate`,
          ' exit-address-family',
          '',
        ].join('\n'),
        undefined,
        frrBfdProfile(),
      );
      lab.setGatewayGroup([FIP6], { [FIP6]: 'node-a' });
      lab.createPeer('tor6', {
        ...PEER,
        peerIP: TOR6,
        bfd: { minTxMs: 300, minRxMs: 300, multiplier: 3 },
      });
      lab.createSession('tor6', 'node-a', FIP6, TOR6);
      lab.setRoute('default-default-web6', '2001:db8:100::8/128', ['2001:db8:1::10']);
      await lab.startAgent('node-a').waitReady();
    }, 90_000);

    afterAll(async () => {
      await lab?.destroy();
    });

    it('runs BFD over IPv6 from the floating IP: FRR shows it Up at 300 ms x 3, status Established with bfdState Up', async () => {
      await expectBfdUpAt300ms(lab, FIP6, 'tor6-node-a');
    });
  },
);
