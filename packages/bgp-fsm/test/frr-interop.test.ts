/**
 * Interop with FRR 8.4 bgpd in network namespaces (needs root and FRR; skips elsewhere).
 * Our speaker runs in host "node" (10.0.1.10, AS 4200000001) via speaker-driver.ts; FRR runs in
 * host "tor" (10.0.1.1, AS 4200000002). Timers are short so that the whole file stays fast.
 */

import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeakerEvent } from '../src/index.js';
import { SpeakerProcess } from './driver-client.js';

const skip = labSkipReason();
if (skip) console.warn(`bgp-fsm FRR interop tests skipped: ${skip}`);

const NODE = '10.0.1.10';
const TOR = '10.0.1.1';
const LOCAL_AS = 4200000001;
const FRR_AS = 4200000002;
const HOPS = Array.from({ length: 8 }, (_, i) => `10.0.1.${101 + i}`);

const FRR_CONF = `
router bgp ${FRR_AS}
 bgp router-id ${TOR}
 no bgp ebgp-requires-policy
 no bgp network import-check
 timers bgp 1 3
 neighbor ${NODE} remote-as ${LOCAL_AS}
 neighbor ${NODE} timers 1 3
 neighbor ${NODE} timers connect 1
 address-family ipv4 unicast
  network 203.0.113.0/24
 exit-address-family
 address-family ipv6 unicast
  neighbor ${NODE} activate
 exit-address-family
`;

interface FrrPath {
  nexthops?: { ip: string }[];
  stale?: boolean;
  addpathRxId?: number;
}
type FrrPrefix = { paths?: FrrPath[] } | Record<string, never>;

const peerOptions = {
  localAddress: NODE,
  localAsn: LOCAL_AS,
  peerAddress: TOR,
  peerAsn: FRR_AS,
  holdTime: 3,
  connectRetryTime: 1,
  idleHoldTime: 0.2,
  idleHoldMaxTime: 1,
  families: ['ipv4-unicast', 'ipv6-unicast'],
};

const isState = (to: string) => (e: SpeakerEvent) => e.type === 'state' && e.to === to;

describe.skipIf(skip)('interop with FRR 8.4 (needs root and FRR)', { timeout: 30_000 }, () => {
  const lab = Lab.create('fsmit');
  let tor: Host;
  let node: Host;
  let frr: FrrRouter;
  let sp: SpeakerProcess;

  const frrPaths = async (prefix: string): Promise<FrrPath[]> => {
    const r = await frr.json<FrrPrefix>(`show bgp ipv4 unicast ${prefix} json`);
    return (r as { paths?: FrrPath[] }).paths ?? [];
  };
  const neighborState = async () => {
    const r = await frr.json<Record<string, { bgpState?: string }>>(`show bgp neighbors ${NODE} json`);
    return r[NODE]?.bgpState;
  };
  const established = () =>
    waitFor(
      'FRR to see the session Established',
      async () => (await neighborState()) === 'Established',
      20_000,
      100,
    );

  beforeAll(async () => {
    tor = await lab.addHost('tor');
    node = await lab.addHost('node');
    await lab.link(node, `${NODE}/24`, tor, `${TOR}/24`);
    for (const hop of HOPS) await node.ip('addr', 'add', `${hop}/24`, 'dev', 'eth0');
    frr = await tor.startFrr(FRR_CONF);
    sp = await SpeakerProcess.start(node);
    await sp.call('listen', NODE, 179);
    await sp.call('addPeer', { ...peerOptions, gracefulRestart: { restartTime: 30 } });
  }, 60_000);

  afterAll(async () => {
    await sp?.stop();
    await lab.destroy();
  });

  it('reaches Established with 4-octet ASNs above 65535', async () => {
    await sp.waitEvent(isState('Established'));
    await established();
    const s = await sp.status(TOR);
    expect(s?.negotiated).toMatchObject({
      fourOctetAs: true,
      peerAsn: FRR_AS,
      addPathSend: true,
      holdTime: 3,
    });
    const summary = await frr.json<{ as: number; peers: Record<string, { remoteAs: number }> }>(
      'show bgp ipv4 unicast summary json',
    );
    expect(summary.as).toBe(FRR_AS);
    expect(summary.peers[NODE]?.remoteAs).toBe(LOCAL_AS);
  });

  it('FRR lists every ADD-PATH next hop of our prefix (8 paths)', async () => {
    await sp.call(
      'setPaths',
      '192.0.2.10/32',
      HOPS.map((nextHop) => ({ nextHop })),
    );
    await waitFor('8 paths in FRR', async () => (await frrPaths('192.0.2.10/32')).length === 8, 10_000, 100);
    const hops = (await frrPaths('192.0.2.10/32')).map((p) => p.nexthops?.[0]?.ip).sort();
    expect(hops).toEqual([...HOPS].sort());
  });

  it('receives the routes FRR announces and counts them (receive side)', async () => {
    await waitFor(
      'FRR route counted',
      async () => ((await sp.status(TOR))?.counters.prefixesReceived ?? 0) >= 1,
      10_000,
      100,
    );
    const e = sp.events.find((x) => x.type === 'update-received' && x.nlri.includes('203.0.113.0/24'));
    expect(e).toMatchObject({ attributes: expect.stringContaining(String(FRR_AS)) });
    // (FRR may also reflect our own prefixes back; they count as received.)
    expect((await sp.status(TOR))?.counters.prefixesReceivedByFamily['1/1']).toBeGreaterThanOrEqual(1);
  });

  it('announces IPv6 prefixes with an IPv6 next hop (MP_REACH_NLRI)', async () => {
    await sp.call('setPaths', '2001:db8:100::/48', [
      { nextHop: '2001:db8::10' },
      { nextHop: '2001:db8::11' },
    ]);
    await waitFor(
      'IPv6 paths in FRR',
      async () => {
        const r = await frr.json<{ paths?: FrrPath[] }>('show bgp ipv6 unicast 2001:db8:100::/48 json');
        return (r.paths ?? []).length === 2;
      },
      10_000,
      100,
    );
    await sp.call('withdraw', '2001:db8:100::/48');
    await waitFor(
      'IPv6 prefix gone',
      async () => {
        const r = await frr.json<{ paths?: FrrPath[] }>('show bgp ipv6 unicast 2001:db8:100::/48 json');
        return (r.paths ?? []).length === 0;
      },
      10_000,
      100,
    );
  });

  it('a withdrawal disappears from FRR', async () => {
    await sp.call('setPaths', '192.0.2.20/32', [{ nextHop: HOPS[0] }]);
    await waitFor('prefix in FRR', async () => (await frrPaths('192.0.2.20/32')).length === 1, 10_000, 100);
    await sp.call('withdraw', '192.0.2.20/32');
    await waitFor(
      'prefix gone from FRR',
      async () => (await frrPaths('192.0.2.20/32')).length === 0,
      10_000,
      100,
    );
    // Removing one next hop withdraws exactly that path.
    await sp.call(
      'setPaths',
      '192.0.2.10/32',
      HOPS.slice(1).map((nextHop) => ({ nextHop })),
    );
    await waitFor('7 paths in FRR', async () => (await frrPaths('192.0.2.10/32')).length === 7, 10_000, 100);
    await sp.call(
      'setPaths',
      '192.0.2.10/32',
      HOPS.map((nextHop) => ({ nextHop })),
    );
  });

  it('`clear bgp *` on FRR is followed by our reconnect', async () => {
    const since = sp.events.length;
    await frr.vtysh('clear bgp *');
    await sp.waitEvent((e) => e.type === 'notification-received' && e.code === 6, 10_000, since);
    await sp.waitEvent(isState('Established'), 15_000, since);
    await established();
    await waitFor('8 paths again', async () => (await frrPaths('192.0.2.10/32')).length === 8, 10_000, 100);
  });

  it('`clear bgp * soft in` makes us re-send', async () => {
    const since = sp.events.length;
    await frr.vtysh('clear bgp * soft in');
    await sp.waitEvent((e) => e.type === 'route-refresh-received', 10_000, since);
    await sp.waitEvent((e) => e.type === 'update-sent' && e.nlri.includes('192.0.2.10/32'), 10_000, since);
    expect((await frrPaths('192.0.2.10/32')).length).toBe(8);
  });

  it('SIGSTOP of bgpd expires our hold timer; we recover after SIGCONT', async () => {
    const since = sp.events.length;
    const pid = (await tor.exec('cat', [`/var/run/frr/${lab.nsName('tor')}/bgpd.pid`])).trim();
    await tor.exec('kill', ['-STOP', pid]);
    try {
      const e = await sp.waitEvent(
        (x) => x.type === 'state' && x.reason === 'hold-timer-expired',
        10_000,
        since,
      );
      expect(e).toMatchObject({ from: 'Established', to: 'Idle' });
    } finally {
      await tor.exec('kill', ['-CONT', pid]);
    }
    await sp.waitEvent(isState('Established'), 20_000, since);
    await established();
    await waitFor(
      '8 paths after recovery',
      async () => (await frrPaths('192.0.2.10/32')).length === 8,
      10_000,
      100,
    );
  });

  it('graceful restart: FRR keeps our route (stale) and it is refreshed, never withdrawn', async () => {
    expect((await sp.status(TOR))?.negotiated?.gracefulRestart).toBe(true);
    await sp.call('shutdown', { graceful: true });
    await sp.stop();
    await waitFor(
      'FRR to mark our paths stale',
      async () => {
        const paths = await frrPaths('192.0.2.10/32');
        return paths.length === 8 && paths.every((p) => p.stale === true);
      },
      10_000,
      50,
    );
    sp = await SpeakerProcess.start(node);
    await sp.call(
      'setPaths',
      '192.0.2.10/32',
      HOPS.map((nextHop) => ({ nextHop })),
    );
    await sp.call('listen', NODE, 179);
    await sp.call('addPeer', { ...peerOptions, gracefulRestart: { restartTime: 30, restarting: true } });
    let sawMissing = false;
    await waitFor(
      'paths refreshed (not stale)',
      async () => {
        const paths = await frrPaths('192.0.2.10/32');
        if (paths.length !== 8) sawMissing = true;
        return paths.length === 8 && paths.every((p) => p.stale !== true);
      },
      20_000,
      50,
    );
    expect(sawMissing).toBe(false);
    expect(sp.events.some((e) => e.type === 'end-of-rib-sent')).toBe(true);
  });

  it('FRR ending the session with a NOTIFICATION (max-prefix) is handled and logged', async () => {
    const since = sp.events.length;
    await frr.configure(
      `router bgp ${FRR_AS}`,
      'address-family ipv4 unicast',
      `neighbor ${NODE} maximum-prefix 5`,
    );
    const e = await sp.waitEvent((x) => x.type === 'notification-received', 15_000, since);
    expect(e).toMatchObject({
      code: 6,
      subcode: 1,
      text: expect.stringContaining('Maximum Number of Prefixes Reached'),
    });
    const s = await sp.status(TOR);
    expect(s?.lastError).toMatchObject({ code: 6, subcode: 1, direction: 'received' });
    expect(s?.state).not.toBe('Established');
    await frr.configure(
      `router bgp ${FRR_AS}`,
      'address-family ipv4 unicast',
      `no neighbor ${NODE} maximum-prefix`,
    );
    await frr.vtysh(`clear bgp ${NODE}`);
    await established();
  });
  // FRR 8.4 then sends the ADD-PATH capability with Send/Receive = 0 for IPv4 unicast.
  it('with disable-addpath-rx on FRR, one path per prefix arrives, spread over the next hops', async () => {
    const since = sp.events.length;
    await frr.configure(
      `router bgp ${FRR_AS}`,
      'address-family ipv4 unicast',
      `neighbor ${NODE} disable-addpath-rx`,
    );
    await frr.vtysh('clear bgp *');
    await sp.waitEvent(
      (e) => e.type === 'open-negotiated' && e.negotiated.addPathSend === false,
      15_000,
      since,
    );
    await established();
    for (let i = 0; i < 32; i++)
      await sp.call(
        'setPaths',
        `198.51.100.${i}/32`,
        HOPS.map((nextHop) => ({ nextHop })),
      );
    await waitFor(
      '32 prefixes',
      async () => {
        const t = await frr.json<{ routes?: Record<string, FrrPath[]> }>('show bgp ipv4 unicast json');
        return Object.keys(t.routes ?? {}).filter((p) => p.startsWith('198.51.100.')).length === 32;
      },
      10_000,
      100,
    );
    const table = await frr.json<{ routes: Record<string, FrrPath[]> }>('show bgp ipv4 unicast json');
    const used = new Set<string>();
    for (const [prefix, paths] of Object.entries(table.routes)) {
      if (!prefix.startsWith('198.51.100.')) continue;
      expect(paths).toHaveLength(1);
      used.add(paths[0]!.nexthops![0]!.ip);
    }
    expect(used.size).toBeGreaterThanOrEqual(5);
    expect(await frrPaths('192.0.2.10/32')).toHaveLength(1);
    await frr.configure(
      `router bgp ${FRR_AS}`,
      'address-family ipv4 unicast',
      `no neighbor ${NODE} disable-addpath-rx`,
    );
  });
});
