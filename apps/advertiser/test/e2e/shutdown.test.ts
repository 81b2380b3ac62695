/**
 * SIGTERM while the peer is frozen (its bgpd stopped with SIGSTOP, so it never reads our Cease nor
 * closes the TCP connection): the advertiser still exits 0 within 2 s, removes the VIP from the
 * interface and leaves no process behind. Needs root and FRR.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  frrNextHops,
  namespacePids,
  startAdvertiser,
  torAndNode,
  writeConfig,
} from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (shutdown with a frozen peer) skipped: ${skip}`);

describe.skipIf(skip)('SIGTERM with a frozen peer (needs root and FRR)', () => {
  const lab = Lab.create('advdown');
  let tor: Host;
  let node: Host;
  let frr: FrrRouter;

  beforeAll(async () => {
    ensureBuilt();
    ({ tor, node, frr } = await torAndNode(lab));
  }, 120_000);
  afterAll(() => lab.destroy());

  it('exits 0 within 2 s and leaves nothing behind', async () => {
    const config = writeConfig(
      join(lab.workDir, 'adv.conf'),
      'localIP: 10.0.1.10\nlocalASN: 65001\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n',
    );
    const adv = startAdvertiser(node, [
      '--config',
      config,
      '--advertise-ip',
      '10.0.0.8',
      '--vip-interface',
      'lo',
    ]);
    await waitFor(
      'FRR to learn the VIP',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 1,
      15_000,
    );
    const pid = Number(readFileSync(`/var/run/frr/${tor.ns}/bgpd.pid`, 'utf8').trim());
    process.kill(pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      adv.signal('SIGTERM');
      const exit = await adv.exited;
      const elapsed = Date.now() - t0;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(elapsed).toBeLessThan(2_000);
      expect(await node.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo'])).not.toContain('10.0.0.8');
      expect(await namespacePids(node)).toEqual([]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 40_000);
});
