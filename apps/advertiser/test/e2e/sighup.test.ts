/**
 * SIGHUP re-reads the config: an added peer comes up, a removed one is closed with a Cease/Peer
 * De-configured (6/3, RFC 4486), and
 * the untouched session keeps its uptime at FRR (same Established epoch, no new connection).
 * Needs root and FRR.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, frrNextHops, startAdvertiser, writeConfig } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (SIGHUP) skipped: ${skip}`);

interface FrrNeighbor {
  bgpState?: string;
  bgpTimerUpMsec?: number;
  connectionsEstablished?: number;
}

// Three ToRs on one segment with the node; each is its own FRR with its own ASN.
const PEERS = { a: ['10.0.1.251', 65002], b: ['10.0.1.252', 65003], c: ['10.0.1.253', 65004] } as const;
type PeerName = keyof typeof PEERS;

const config = (names: PeerName[]) =>
  `localIP: 10.0.1.10\nlocalASN: 65001\nholdTime: 9\nconnectRetryTime: 1\npeers:\n${names
    .map((n) => `- peerIP: ${PEERS[n][0]}\n  peerASN: ${PEERS[n][1]}\n`)
    .join('')}`;

describe.skipIf(skip)(
  'SIGHUP adds and removes peers without touching the others (needs root and FRR)',
  () => {
    const lab = Lab.create('advhup');
    let node: Host;
    const frrs = new Map<PeerName, FrrRouter>();

    beforeAll(async () => {
      ensureBuilt();
      const sw = await lab.addSwitch('rack');
      node = await lab.addHost('cp1');
      await lab.attach(node, sw, '10.0.1.10/24');
      for (const name of Object.keys(PEERS) as PeerName[]) {
        const [ip, asn] = PEERS[name];
        const tor = await lab.addHost(`tor${name}`);
        await lab.attach(tor, sw, `${ip}/24`);
        frrs.set(
          name,
          await tor.startFrr(
            [
              `router bgp ${asn}`,
              ` bgp router-id ${ip}`,
              ' no bgp ebgp-requires-policy',
              ' neighbor 10.0.1.10 remote-as 65001',
              ' neighbor 10.0.1.10 timers connect 1',
            ].join('\n'),
          ),
        );
      }
    }, 120_000);
    afterAll(() => lab.destroy());

    const neighbor = async (name: PeerName): Promise<FrrNeighbor> =>
      (await frrs.get(name)!.json<Record<string, FrrNeighbor>>('show bgp neighbors 10.0.1.10'))[
        '10.0.1.10'
      ] ?? {};
    const hasVip = async (name: PeerName) =>
      (await frrNextHops(frrs.get(name)!, '10.0.0.8/32')).includes('10.0.1.10');

    it('adds c, removes b, and leaves a alone', async () => {
      const file = writeConfig(join(lab.workDir, 'adv.conf'), config(['a', 'b']));
      const adv = startAdvertiser(node, ['--config', file, '--advertise-ip', '10.0.0.8']);
      await waitFor(
        'a and b to have the VIP',
        async () => (await hasVip('a')) && (await hasVip('b')),
        15_000,
      );
      const before = await neighbor('a');
      expect(before.bgpState).toBe('Established');

      // Let a second pass so that a reset of a would show as a different epoch.
      await new Promise((r) => setTimeout(r, 1_100));
      writeConfig(file, config(['a', 'c']));
      adv.signal('SIGHUP');
      const reloaded = await adv.waitLog('Configuration reloaded');
      expect(reloaded).toMatchObject({
        added: ['10.0.1.253'],
        removed: ['10.0.1.252'],
        unchanged: ['10.0.1.251'],
        changed: [],
      });
      await waitFor('c to have the VIP', () => hasVip('c'), 15_000);
      await waitFor(
        'b to lose the session',
        async () => (await neighbor('b')).bgpState !== 'Established',
        5_000,
      );
      expect(await hasVip('b')).toBe(false);
      expect(await neighbor('b')).toMatchObject({
        lastErrorCodeSubcode: '0603',
        lastNotificationReason: 'Cease/Peer De-configured',
      });

      const after = await neighbor('a');
      expect(after.bgpState).toBe('Established');
      // Same connection, still counting up: its uptime grew by at least the time we waited.
      expect(after.bgpTimerUpMsec ?? 0).toBeGreaterThanOrEqual((before.bgpTimerUpMsec ?? 0) + 1_000);
      expect(after.connectionsEstablished).toBe(before.connectionsEstablished);
      expect(adv.states('10.0.1.251').filter((s) => s === 'BGP_FSM_ESTABLISHED')).toHaveLength(1);

      adv.signal('SIGTERM');
      expect((await adv.exited).code).toBe(0);
    }, 60_000);

    it('a SIGHUP while the advertiser is still starting does not end it', async () => {
      const file = writeConfig(join(lab.workDir, 'early.conf'), config(['a']));
      const adv = startAdvertiser(node, ['--config', file, '--advertise-ip', '10.0.0.8']);
      // Before Node runs the entry point, a SIGHUP ends any Node process; a fixed delay raced with
      // that on a loaded machine. The kernel says when a handler is installed (SigCgt, bit 0 for
      // SIGHUP); the early one (early-signals.ts) is installed while the CLI is still loading,
      // long before the run loop installs its reload handler, which would log a reload.
      const pid = adv.child.pid ?? 0;
      await waitFor(
        'a SIGHUP handler in the advertiser',
        () =>
          (BigInt(`0x${readFileSync(`/proc/${pid}/status`, 'utf8').match(/^SigCgt:\s*(\w+)/m)?.[1] ?? '0'}`) &
            1n) ===
          1n,
        10_000,
        5,
      );
      adv.signal('SIGHUP');
      await adv.waitLog(/new=BGP_FSM_ESTABLISHED/, { peer: '10.0.1.251' });
      expect(adv.find('SIGHUP: reloading the configuration')).toBeUndefined();
      expect(adv.child.exitCode).toBeNull();
      adv.signal('SIGTERM');
      expect((await adv.exited).code).toBe(0);
    }, 60_000);

    it('an alias bomb on SIGHUP keeps the session and the VIP; at start it exits 2 with file:line:col', async () => {
      const bomb = `x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
y: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
z: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
${config(['a'])}`;
      const problem =
        ':3:37: YAML aliases expand to more than 1000 values (an alias bomb?); write the values out instead of repeating aliases';
      const file = writeConfig(join(lab.workDir, 'bomb.conf'), config(['a']));
      const adv = startAdvertiser(node, ['--config', file, '--advertise-ip', '10.0.0.8']);
      // This process's own session first: FRR may still hold the previous test's route for a
      // moment, and a SIGHUP before the advertiser is up would end it (Node's default action).
      await adv.waitLog(/new=BGP_FSM_ESTABLISHED/, { peer: '10.0.1.251' });
      await waitFor('a to have the VIP', () => hasVip('a'), 15_000);
      const before = await neighbor('a');

      writeConfig(file, bomb);
      adv.signal('SIGHUP');
      const failed = await adv.waitLog('configuration reload failed; keeping the running configuration');
      expect(failed.problems).toEqual([`${file}${problem}`]);
      await new Promise((r) => setTimeout(r, 1_100));
      const after = await neighbor('a');
      expect(after.bgpState).toBe('Established');
      expect(after.connectionsEstablished).toBe(before.connectionsEstablished);
      expect(await hasVip('a')).toBe(true);
      expect(adv.child.exitCode).toBeNull();
      expect(adv.find('Route withdrawn')).toBeUndefined();
      adv.signal('SIGTERM');
      expect((await adv.exited).code).toBe(0);

      const refused = startAdvertiser(node, ['--config', file, '--advertise-ip', '10.0.0.8']);
      expect((await refused.exited).code).toBe(2);
      expect(refused.stderr).toBe(`${file}${problem}\n`);
    }, 60_000);
  },
);
