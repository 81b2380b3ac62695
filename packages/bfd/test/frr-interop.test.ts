/**
 * Interop with FRR's bfdd (needs root and FRR): single-hop across a switch and multihop across a
 * router, both at the recommended 300 ms x 3. Both ends must come Up with the negotiated
 * intervals, and when the path is cut each end must declare Down within multiplier x interval
 * + 100 ms (RFC 5880 detection time plus timer slack).
 */
import { readFileSync } from 'node:fs';
import {
  type FrrRouter,
  type Host,
  Lab,
  LabProcess,
  labSkipReason,
  run,
  type Switch,
  waitFor,
} from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const skip = labSkipReason({ bfdd: true, nft: true });
if (skip) console.warn(`BFD FRR interop tests skipped: ${skip}`);

const PROFILE = { minTxMs: 300, minRxMs: 300, multiplier: 3 };
const BOUND_MS = 3 * 300 + 100;

interface FrrBfdPeer {
  peer: string;
  multihop: boolean;
  status: string;
  diagnostic: string;
  'receive-interval': number;
  'transmit-interval': number;
  'detect-multiplier': number;
  'remote-receive-interval': number;
  'remote-transmit-interval': number;
  'remote-detect-multiplier': number;
}

describe.skipIf(skip)('BFD interop with FRR bfdd (needs root and FRR)', () => {
  const lab = Lab.create('bfd');
  let frrHost: Host;
  let us: Host;
  let router: Host;
  let lan: Switch;
  let frr: FrrRouter;
  let ours: LabProcess;

  beforeAll(async () => {
    frrHost = await lab.addHost('frr');
    us = await lab.addHost('us');
    router = await lab.addHost('r');
    lan = await lab.addSwitch('lan');
    await lab.attach(frrHost, lan, '10.0.0.1/24'); // frr eth0
    await lab.attach(us, lan, '10.0.0.2/24'); // us eth0
    await lab.link(frrHost, '10.1.0.1/30', router, '10.1.0.2/30'); // frr eth1
    await lab.link(router, '10.2.0.1/30', us, '10.2.0.2/30'); // us eth1
    await router.enableForwarding();
    await frrHost.ip('route', 'add', '10.2.0.0/30', 'via', '10.1.0.2');
    await us.ip('route', 'add', '10.1.0.0/30', 'via', '10.2.0.1');
    frr = await frrHost.startFrr('', {
      bfdd: [
        'log timestamp precision 3',
        'debug bfd peer',
        'bfd',
        ' profile fast',
        '  transmit-interval 300',
        '  receive-interval 300',
        '  detect-multiplier 3',
        ' !',
        ' peer 10.0.0.2 local-address 10.0.0.1 interface eth0',
        '  profile fast',
        ' !',
        ' peer 10.2.0.2 multihop local-address 10.1.0.1',
        '  profile fast',
        ' !',
        '!',
      ].join('\n'),
    });
    const child = us.spawnNode(new URL('./bfd-peer.ts', import.meta.url).pathname, [
      JSON.stringify({
        sessions: [
          { peer: '10.0.0.1', local: '10.0.0.2', ...PROFILE },
          { peer: '10.1.0.1', local: '10.2.0.2', multihop: true, ...PROFILE },
        ],
        // Our end enforces GTSM: FRR's single-hop packets arrive with TTL 255, its multihop ones
        // with 254 (one router), so both pass.
        gtsm: { multihopMinTtl: 254 },
        retime: { minTxMs: 600, minRxMs: 600 },
      }),
    ]);
    ours = new LabProcess('bfd-peer', child, `${lab.workDir}/bfd-peer.log`);
    await ours.waitForLog(/^ready$/, 20_000);
  });
  afterAll(() => lab.destroy());

  const frrPeers = () => frr.json<FrrBfdPeer[]>('show bfd peers json');
  const frrPeer = async (multihop: boolean) => (await frrPeers()).find((p) => p.multihop === multihop);
  const ourState = (peer: string) =>
    ours.lines.filter((l) => l.msg === 'state' && l.peer === peer).at(-1)?.to as string | undefined;

  /** Our transmit interval as FRR must see it (changed by the poll-sequence test). */
  let ourTxMs = 300;

  async function bothUp(multihop: boolean, ourPeer: string): Promise<FrrBfdPeer> {
    return waitFor(
      `the ${multihop ? 'multihop' : 'single-hop'} session Up on both ends with settled timers`,
      async () => {
        const p = await frrPeer(multihop);
        return p?.status === 'up' && p['remote-transmit-interval'] === ourTxMs && ourState(ourPeer) === 'Up'
          ? p
          : undefined;
      },
      30_000,
      200,
      async () => `FRR: ${JSON.stringify(await frrPeers())}\nours: ${ours.tail(10).join('\n')}`,
    );
  }

  for (const [multihop, ourPeer] of [
    [false, '10.0.0.1'],
    [true, '10.1.0.1'],
  ] as const) {
    it(`${multihop ? 'multihop' : 'single-hop'}: Up on both ends with the negotiated 300 ms x 3`, async () => {
      const p = await bothUp(multihop, ourPeer);
      expect(p).toMatchObject({
        'receive-interval': 300,
        'transmit-interval': 300,
        'detect-multiplier': 3,
        'remote-receive-interval': 300,
        'remote-transmit-interval': 300,
        'remote-detect-multiplier': 3,
      });
      // Our end, once its own poll has ended: transmits every 300 ms, detects in 900 ms.
      const seen = ours.lines.length;
      const t = await waitFor('our settled timers', () => {
        ours.child.kill('SIGUSR2');
        return ours.lines
          .slice(seen)
          .find((l) => l.msg === 'timers' && l.peer === ourPeer && l.polling === false);
      });
      expect(t).toMatchObject({ state: 'Up', txMs: 300, detectMs: 900 });
    });
  }

  /** When FRR logged the session to `peer` going down (its log has millisecond timestamps). */
  function frrDownAt(peer: string, after: number): number | undefined {
    const log = readFileSync(frr.bfddLogFile, 'utf8').split('\n');
    for (const line of log) {
      const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line);
      if (!m || !line.includes(peer) || !/state-change: .* up -> down reason:control-expired/.test(line))
        continue;
      const [, y, mo, d, h, mi, s, ms] = m.map(Number) as number[];
      const at = new Date(y as number, (mo as number) - 1, d, h, mi, s, ms).getTime();
      if (at >= after) return at;
    }
    return undefined;
  }

  async function cutAndMeasure(
    multihop: boolean,
    ourPeer: string,
    cut: () => Promise<void>,
    heal: () => Promise<void>,
  ) {
    await bothUp(multihop, ourPeer);
    const start = Date.now();
    await cut();
    const cutAt = Date.now();
    const ourDown = await waitFor(
      'our side to declare Down',
      () =>
        ours.lines.find(
          (l) => l.msg === 'state' && l.peer === ourPeer && l.from === 'Up' && (l.at as number) >= start,
        ),
      5_000,
      20,
    );
    const frrDown = await waitFor(
      'FRR to declare Down',
      async () => {
        const p = await frrPeer(multihop);
        if (p?.status === 'up') return undefined;
        const logged = frrDownAt(multihop ? '10.2.0.2' : '10.0.0.2', start);
        return logged === undefined
          ? { at: Date.now(), how: 'polled' }
          : { at: logged, how: "from FRR's log" };
      },
      5_000,
      20,
    );
    await heal();
    const ourMs = (ourDown.at as number) - cutAt;
    const frrMs = frrDown.at - cutAt;
    console.log(
      `${multihop ? 'multihop' : 'single-hop'} cut: we detected in ${ourMs} ms (silent ${String(ourDown.silentMs)} ms), FRR in ${frrMs} ms (${frrDown.how}); bound ${BOUND_MS} ms`,
    );
    expect(ourDown.diagnostic).toBe('control-detection-time-expired');
    expect(ourMs).toBeLessThanOrEqual(BOUND_MS);
    expect(frrMs).toBeLessThanOrEqual(BOUND_MS);
    // Healed, the session comes back Up on both ends.
    await bothUp(multihop, ourPeer);
  }

  /** Drops everything forwarded in namespace `ns` (a bridge or a router), links staying up. */
  async function cut(ns: string, family: 'bridge' | 'ip'): Promise<void> {
    await run('ip', ['netns', 'exec', ns, 'nft', 'add', 'table', family, 'cut']);
    await run('ip', [
      'netns',
      'exec',
      ns,
      'nft',
      'add',
      'chain',
      family,
      'cut',
      'drop_all',
      '{ type filter hook forward priority 0; policy drop; }',
    ]);
  }
  async function heal(ns: string, family: 'bridge' | 'ip'): Promise<void> {
    await run('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', family, 'cut']);
  }

  it('single-hop: cutting the switch makes each end detect Down within 3 x 300 + 100 ms', async () => {
    await cutAndMeasure(
      false,
      '10.0.0.1',
      () => cut(lan.ns, 'bridge'),
      () => heal(lan.ns, 'bridge'),
    );
  });

  it('multihop: cutting the router makes each end detect Down within 3 x 300 + 100 ms', async () => {
    await cutAndMeasure(
      true,
      '10.1.0.1',
      () => cut(router.ns, 'ip'),
      () => heal(router.ns, 'ip'),
    );
  });

  it('new timers while Up go through a Poll Sequence: FRR follows, nobody goes Down', async () => {
    await bothUp(false, '10.0.0.1');
    await bothUp(true, '10.1.0.1');
    const since = ours.lines.length;
    ours.child.kill('SIGUSR1');
    await waitFor(
      'FRR to see our new intervals on both sessions',
      async () => {
        const peers = await frrPeers();
        return (
          peers.length === 2 &&
          peers.every(
            (p) =>
              p.status === 'up' &&
              p['remote-transmit-interval'] === 600 &&
              p['remote-receive-interval'] === 600,
          )
        );
      },
      10_000,
      100,
      async () => JSON.stringify(await frrPeers()),
    );
    // Our end: the poll ended, we send every max(600, FRR's 300 RX) = 600 ms and detect in
    // FRR's 3 x max(our 600 RX, FRR's 300 TX) = 1800 ms.
    const mark = ours.lines.length;
    const t = await waitFor('our settled new timers', () => {
      ours.child.kill('SIGUSR2');
      const lines = ours.lines.slice(mark).filter((l) => l.msg === 'timers');
      return lines.length >= 2 && lines.slice(-2).every((l) => l.polling === false && l.txMs === 600)
        ? lines.slice(-2)
        : undefined;
    });
    for (const l of t) expect(l).toMatchObject({ state: 'Up', txMs: 600, detectMs: 1800 });
    expect(ours.lines.slice(since).filter((l) => l.msg === 'state')).toEqual([]);
    ourTxMs = 600;
  });

  it('stopping our side sends AdminDown: FRR goes Down at once', async () => {
    await bothUp(false, '10.0.0.1');
    await ours.stop('SIGTERM');
    expect(ours.logged(/^closed$/)).toBe(true);
    await waitFor(
      'FRR to see both sessions down',
      async () => (await frrPeers()).every((p) => p.status !== 'up'),
      2_000,
      50,
    );
    const p = await frrPeer(false);
    expect(p?.['remote-diagnostic' as keyof FrrBfdPeer]).toBe('administratively down');
  });
});
