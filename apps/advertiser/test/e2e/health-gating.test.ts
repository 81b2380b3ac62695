/**
 * Health-gated VIP: the advertiser checks a URL served by the test inside the node's namespace
 * (standing in for the local API server's /readyz). When it fails N times FRR loses the route;
 * when it recovers FRR gets it back. Needs root and FRR.
 */
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdvertiserProcess,
  ensureBuilt,
  frrNextHops,
  startAdvertiser,
  torAndNode,
  writeConfig,
} from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (health gating) skipped: ${skip}`);

// A tiny HTTP server whose answer is the content of a file: "200" or "500".
const CHECK_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const file = process.argv[1];
http.createServer((req, res) => {
  const status = Number(fs.readFileSync(file, 'utf8').trim()) || 500;
  res.writeHead(status); res.end(String(status));
}).listen(6443, '127.0.0.1');
`;

describe.skipIf(skip)('health-gated VIP against FRR (needs root and FRR)', () => {
  const lab = Lab.create('advgate');
  let node: Host;
  let frr: FrrRouter;
  let adv: AdvertiserProcess;
  let statusFile: string;

  beforeAll(async () => {
    ensureBuilt();
    ({ node, frr } = await torAndNode(lab, [' neighbor 10.0.1.10 timers connect 1']));
    statusFile = writeConfig(join(lab.workDir, 'status'), '200');
    node.spawn(process.execPath, ['-e', CHECK_SERVER, statusFile]);
    await waitFor(
      'the check server',
      async () => (await node.exec('ss', ['-ltn'])).includes('127.0.0.1:6443'),
      5_000,
    );
  }, 120_000);
  afterAll(() => lab.destroy());

  it('announces once the check passes, withdraws after 2 failures, re-announces on recovery', async () => {
    const config = writeConfig(
      join(lab.workDir, 'adv.conf'),
      'localIP: 10.0.1.10\nlocalASN: 65001\nholdTime: 9\nconnectRetryTime: 1\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n',
    );
    adv = startAdvertiser(node, [
      '--config',
      config,
      '--advertise-ip',
      '10.0.0.8',
      '--vip-interface',
      'lo',
      '--check-url',
      'http://127.0.0.1:6443/readyz',
      '--check-interval',
      '200ms',
      '--check-timeout',
      '500ms',
      '--check-failure-threshold',
      '2',
    ]);
    await waitFor(
      'FRR to learn the VIP',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 1,
      15_000,
    );

    writeConfig(statusFile, '500');
    const withdrawn = await adv.waitLog('Route withdrawn');
    expect(withdrawn.reason).toBe('health check failed 2 times in a row (last: HTTP 500)');
    await waitFor(
      'FRR to lose the VIP',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 0,
      5_000,
    );
    expect(adv.count('health check failed')).toBeGreaterThanOrEqual(2);
    const lo = await node.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo']);
    expect(lo).not.toContain('10.0.0.8/32');

    writeConfig(statusFile, '200');
    await waitFor(
      'FRR to learn the VIP again',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 1,
      5_000,
    );
    expect(adv.count('Route added')).toBe(2);
    expect(await node.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo'])).toContain('10.0.0.8/32');

    adv.signal('SIGTERM');
    expect((await adv.exited).code).toBe(0);
  }, 60_000);
});
