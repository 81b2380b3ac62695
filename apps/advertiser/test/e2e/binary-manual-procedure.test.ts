/**
 * SPEC §8's manual procedure with the single-file binary, as an operator runs it on a control-plane
 * node before the cluster exists: the file alone in an empty directory, no node_modules, no Node on
 * PATH, a clean environment. FRR 8.4 is the ToR in its own namespace. Needs root and FRR; builds
 * the binary once (about a minute, cached by input hash).
 */
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdvertiserProcess,
  frrNextHops,
  httpGet,
  namespacePids,
  torAndNode,
  writeConfig,
} from './harness.js';
import { ensureBinary } from './single-binary.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (single-file binary) skipped: ${skip}`);

describe.skipIf(skip)('the single-file bgpadvertiser against FRR (needs root and FRR)', () => {
  const lab = Lab.create('advbin');
  let node: Host;
  let frr: FrrRouter;
  let adv: AdvertiserProcess;
  let runDir: string;
  let pathDir: string;

  beforeAll(async () => {
    const binary = ensureBinary();
    ({ node, frr } = await torAndNode(lab));
    // The node's "filesystem": an empty directory holding only the copied file, and a PATH with `ip`
    // alone (for --vip-interface), so neither node nor node_modules can be found.
    runDir = join(lab.workDir, 'cp1-home');
    mkdirSync(runDir);
    copyFileSync(binary, join(runDir, 'bgpadvertiser'));
    pathDir = join(lab.workDir, 'cp1-bin');
    mkdirSync(pathDir);
    symlinkSync('/usr/sbin/ip', join(pathDir, 'ip'));
  }, 300_000);
  afterAll(() => lab.destroy());

  function runBinary(args: string[]): AdvertiserProcess {
    // `ip netns exec` execs env, which execs the binary: signals reach it directly.
    const child = node.spawn('/usr/bin/env', ['-i', `PATH=${pathDir}`, './bgpadvertiser', ...args], {
      cwd: runDir,
    });
    return new AdvertiserProcess(child);
  }

  it('is one file, runs with no Node on PATH and prints its version', async () => {
    expect(readdirSync(runDir)).toEqual(['bgpadvertiser']);
    expect(readdirSync(pathDir)).toEqual(['ip']);
    const version = runBinary(['--version']);
    expect(await version.exited).toEqual({ code: 0, signal: null });
    expect(version.lines.map((l) => l.msg)).toEqual(['0.1.0']);
  }, 20_000);

  it('reaches Established, FRR has the VIP with next hop localIP, /readyz is 200', async () => {
    writeConfig(
      join(runDir, 'bgpadvertiser.conf'),
      'localIP: 10.0.1.10\nlocalASN: 65001\nholdTime: 9\nconnectRetryTime: 1\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n',
    );
    adv = runBinary([
      '--config',
      'bgpadvertiser.conf',
      '--advertise-ip',
      '10.0.0.8',
      '--vip-interface',
      'lo',
    ]);
    await adv.waitLog('BGP advertiser started', { version: '0.1.0' });
    await adv.waitLog(/new=BGP_FSM_ESTABLISHED/, { peer: '10.0.1.254' }, 20_000);
    await waitFor(
      'FRR to learn 10.0.0.8/32',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).includes('10.0.1.10'),
      10_000,
    );
    expect(await frrNextHops(frr, '10.0.0.8/32')).toEqual(['10.0.1.10']);
    expect(adv.find('Route added', { prefix: '10.0.0.8/32', nextHop: '10.0.1.10' })).toBeDefined();
    await waitFor(
      '/readyz 200',
      async () => (await httpGet(node, 'http://127.0.0.1:8080/readyz')).status === 200,
      5_000,
    );
    expect(adv.stderr).toBe('');
  }, 60_000);

  it('SIGTERM withdraws the route at FRR, exits 0 and leaves no process or address', async () => {
    adv.signal('SIGTERM');
    expect(await adv.exited).toEqual({ code: 0, signal: null });
    await waitFor(
      'FRR to lose 10.0.0.8/32',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 0,
      5_000,
    );
    expect(adv.lines.at(-1)?.msg).toBe('BGP advertiser stopped');
    expect(await namespacePids(node)).toEqual([]);
    const addrs = await node.ipJson<Array<{ addr_info: Array<{ local: string }> }>>(
      'addr',
      'show',
      'dev',
      'lo',
    );
    expect(addrs.flatMap((a) => a.addr_info.map((i) => i.local))).not.toContain('10.0.0.8');
  }, 20_000);

  it('--log-format pretty works in the binary (pino-pretty is bundled, no worker thread)', async () => {
    const run = runBinary([
      '--config',
      'bgpadvertiser.conf',
      '--advertise-ip',
      '10.0.0.9',
      '--log-format',
      'pretty',
    ]);
    await run.waitLog(/^\[[\d:.]+\] INFO: BGP advertiser started/);
    // Established again (the signal handlers are installed once start-up is over).
    await run.waitLog(
      /^\[[\d:.]+\] INFO: state changed old=BGP_FSM_OPENCONFIRM new=BGP_FSM_ESTABLISHED/,
      {},
      20_000,
    );
    run.signal('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr).toBe('');
  }, 30_000);
});
