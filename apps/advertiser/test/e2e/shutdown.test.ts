/**
 * SIGTERM while the peer is frozen (its bgpd stopped with SIGSTOP, so it never reads our Cease nor
 * closes the TCP connection): the advertiser still ends its shutdown within its own budget
 * (SHUTDOWN_BUDGET_MS, 1.8 s, by its log's times), exits 0, removes the VIP from the interface and
 * leaves no process behind. Needs root and FRR.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHUTDOWN_BUDGET_MS } from '../../src/run.js';
import {
  ensureBuilt,
  frrNextHops,
  type LogLine,
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

  it('ends its shutdown within its budget, exits 0 and leaves nothing behind', async () => {
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
      console.log(`SIGTERM -> exit ${elapsed} ms`);
      expect(exit).toEqual({ code: 0, signal: null });
      // The budget is the advertiser's own: from its "Shutting down" line to its last line, by the
      // times it logged (a frozen peer ends it with "shutdown took too long; exiting anyway").
      // 300 ms for its deadline timer to run late on a loaded machine. The wall clock from our
      // signal to the exit adds signal delivery, Node's exit and the kernel's teardown of the
      // process, and on a loaded 2-core machine it read 2,068 ms once: it only has to show no
      // hang, well inside a pod's 30 s termination grace period.
      const at = (l: LogLine | undefined) => Date.parse(String(l?.time));
      const began = adv.lines.find((l) => /^Shutting down/.test(l.msg));
      const last = adv.lines.at(-1);
      expect(began, 'the "Shutting down" log line').toBeDefined();
      expect(
        at(last) - at(began),
        `shutdown from its log: ${began?.time} -> ${last?.time} (${last?.msg})`,
      ).toBeLessThanOrEqual(SHUTDOWN_BUDGET_MS + 300);
      expect(elapsed).toBeLessThan(SHUTDOWN_BUDGET_MS + 3_000);
      expect(await node.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo'])).not.toContain('10.0.0.8');
      expect(await namespacePids(node)).toEqual([]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 40_000);
});
