import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childExit } from './child-exit.js';
import { waitFor } from './exec.js';
import { Lab } from './lab.js';
import { LabProcess } from './lab-process.js';
import { labSkipReason } from './preconditions.js';

const skip = labSkipReason();
if (skip) console.warn(`netns-lab tests skipped: ${skip}`);

describe.skipIf(skip)('Lab (needs root and FRR)', () => {
  const lab = Lab.create('labt');
  let tor: Awaited<ReturnType<Lab['addHost']>>;
  let node: Awaited<ReturnType<Lab['addHost']>>;

  beforeAll(async () => {
    tor = await lab.addHost('tor');
    node = await lab.addHost('node');
    const sw = await lab.addSwitch('rack1');
    await lab.attach(tor, sw, '10.0.1.254/24');
    await lab.attach(node, sw, '10.0.1.10/24');
  });
  afterAll(() => lab.destroy());

  it('links hosts on a switch so they reach each other', async () => {
    const out = await node.exec('ping', ['-c', '1', '-W', '2', '10.0.1.254']);
    expect(out).toContain('1 received');
  });

  it('runs FRR in a host and answers vtysh json', async () => {
    const frr = await tor.startFrr(
      [
        'router bgp 65002',
        ' bgp router-id 10.0.1.254',
        ' no bgp ebgp-requires-policy',
        ' neighbor 10.0.1.10 remote-as 65001',
      ].join('\n'),
      { zebra: true },
    );
    const summary = await frr.json<{ as: number; peers: Record<string, unknown> }>(
      'show bgp ipv4 unicast summary',
    );
    expect(summary.as).toBe(65002);
    expect(Object.keys(summary.peers)).toEqual(['10.0.1.10']);
  });

  it('runs a TypeScript program inside a namespace', async () => {
    const child = node.spawnNode(new URL('../test/print-addresses.ts', import.meta.url).pathname);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await childExit(child); // the output read to the end, not only the process gone
    expect(out).toContain('10.0.1.10');
  });

  it('times route changes inside a namespace with ip monitor, from when it listens', async () => {
    const monitor = await tor.monitorRoutes();
    try {
      const before = Date.now();
      await tor.ip(
        'route',
        'add',
        '10.0.9.9/32',
        'nexthop',
        'via',
        '10.0.1.10',
        'nexthop',
        'via',
        '10.0.1.11',
      );
      await tor.ip('route', 'replace', '10.0.9.9/32', 'via', '10.0.1.11');
      await tor.ip('route', 'del', '10.0.9.9/32');
      const after = Date.now();
      const gone = await waitFor('the deletion seen', () =>
        monitor.firstChange('10.0.9.9/32', before, (hops) => hops.length === 0),
      );
      const oneHop = monitor.firstChange('10.0.9.9/32', before, (hops) => !hops.includes('10.0.1.10'));
      const both = monitor.firstChange('10.0.9.9/32', before, (hops) => hops.length === 2);
      // In order, and inside the time the commands ran (the same clock: one machine).
      expect(both).toBeGreaterThanOrEqual(before - 1);
      expect(oneHop).toBeGreaterThan(both as number);
      expect(gone).toBeGreaterThan(oneHop as number);
      expect(gone).toBeLessThanOrEqual(after + 1_000);
    } finally {
      await monitor.stop();
    }
  });

  it('tears everything down', async () => {
    const other = Lab.create('labt2');
    await other.addHost('a');
    await other.destroy();
    const { stdout } = await import('./exec.js').then((m) => m.run('ip', ['netns', 'list']));
    expect(stdout).not.toContain(other.nsName('a'));
  });
});

describe.skipIf(skip)('LabProcess (needs root)', () => {
  const lab = Lab.create('labp');
  afterAll(() => lab.destroy());

  it('parses JSON log lines, keeps a tail and reports the exit', async () => {
    const host = await lab.addHost('h');
    const child = host.spawn('sh', ['-c', 'echo \'{"msg":"hello"}\'; echo plain; sleep 30']);
    const proc = new LabProcess('printer', child, `${lab.workDir}/printer.log`);
    await proc.waitForLog(/hello/, 5_000);
    expect(proc.lines).toEqual([{ msg: 'hello' }]);
    await waitFor('plain line', () => proc.tail().includes('plain'), 5_000);
    expect(proc.running).toBe(true);
    await proc.stop('SIGTERM');
    expect(proc.running).toBe(false);
    await expect(proc.waitForLog(/never/, 1_000)).rejects.toThrow(/printer exited/);
  });
});
