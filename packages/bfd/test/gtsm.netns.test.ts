/**
 * The receive-side GTSM check (RFC 5881 §5) with the nftables rules of gtsm.ts (needs root and
 * nft): a single-hop session configured across a router, where packets arrive with TTL 254, never
 * comes up on the end that loaded the rules, and comes up once they are removed.
 */
import { GTSM_TABLE } from '@bgplb/bfd';
import { type Host, Lab, LabProcess, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const skip = labSkipReason({ frr: false, nft: true });
if (skip) console.warn(`BFD GTSM tests skipped: ${skip}`);

describe.skipIf(skip)('GTSM with nftables (needs root and nft)', () => {
  const lab = Lab.create('gtsm');
  let a: Host;
  let b: Host;
  let pa: LabProcess;
  let pb: LabProcess;
  const profile = { minTxMs: 100, minRxMs: 100, multiplier: 3 };

  function start(host: Host, config: unknown): LabProcess {
    const child = host.spawnNode(new URL('./bfd-peer.ts', import.meta.url).pathname, [
      JSON.stringify(config),
    ]);
    return new LabProcess(`bfd-${host.name}`, child, `${lab.workDir}/bfd-${host.name}.log`);
  }
  const states = (p: LabProcess) => p.lines.filter((l) => l.msg === 'state').map((l) => l.to);

  beforeAll(async () => {
    a = await lab.addHost('a');
    const r = await lab.addHost('r');
    b = await lab.addHost('b');
    await lab.link(a, '10.3.0.2/30', r, '10.3.0.1/30');
    await lab.link(r, '10.4.0.1/30', b, '10.4.0.2/30');
    await r.enableForwarding();
    await a.ip('route', 'add', '10.4.0.0/30', 'via', '10.3.0.1');
    await b.ip('route', 'add', '10.3.0.0/30', 'via', '10.4.0.1');
    pa = start(a, { sessions: [{ peer: '10.4.0.2', local: '10.3.0.2', ...profile }] });
    pb = start(b, { sessions: [{ peer: '10.3.0.2', local: '10.4.0.2', ...profile }], gtsm: {} });
    await pa.waitForLog(/^ready$/, 20_000);
    await pb.waitForLog(/^ready$/, 20_000);
  });
  afterAll(() => lab.destroy());

  /** Packets b's single-hop GTSM rule has dropped so far (nft's counter). */
  async function droppedAtB(): Promise<number> {
    const listing = await b.exec('nft', ['list', 'table', 'inet', GTSM_TABLE]);
    const dropped = /udp dport 3784 ip ttl != 255 counter packets (\d+)/.exec(listing);
    if (!dropped) throw new Error(`no single-hop GTSM counter in:\n${listing}`);
    return Number(dropped[1]);
  }

  it('drops routed single-hop packets (TTL 254): the session stays Down', async () => {
    // a hears b (a has no rules) and goes Init; b hears nothing.
    await pa.waitForLog(/^state$/, 10_000);
    // Not a fixed wait (a loaded machine may not have sent anything in it): two more of a's
    // packets, sent Init (one a second while not Up), dropped at b. Any one that got through
    // would have moved b out of Down.
    const before = await droppedAtB();
    await waitFor(
      `two more packets from a dropped at b (${before} before)`,
      async () => (await droppedAtB()) >= before + 2,
      15_000,
      200,
    );
    expect(states(pb)).toEqual(['Down']);
    expect(states(pa)).not.toContain('Up');
  });

  it('without the rules the same packets are accepted and the session comes Up', async () => {
    await b.exec('nft', ['delete', 'table', 'inet', GTSM_TABLE]);
    await waitFor('b to come Up', () => states(pb).includes('Up'), 10_000);
    await waitFor('a to come Up', () => states(pa).includes('Up'), 10_000);
  });
});
