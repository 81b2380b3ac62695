/**
 * The spec's manual verification flow (SPEC §8), run as a user would: FRR 8.4 as the ToR in one
 * network namespace, the built `bgpadvertiser` in another. Needs root and FRR.
 */
import { join } from 'node:path';
import { type FrrRouter, type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdvertiserProcess,
  ensureBuilt,
  frrNextHops,
  httpGet,
  namespacePids,
  startAdvertiser,
  writeConfig,
} from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (manual verification) skipped: ${skip}`);

describe.skipIf(skip)('bgpadvertiser against FRR: the manual verification flow (needs root and FRR)', () => {
  const lab = Lab.create('advmv');
  let tor: Host;
  let node: Host;
  let client: Host;
  let frr: FrrRouter;
  let adv: AdvertiserProcess;
  const LOCAL_ASN = 4273481990;

  beforeAll(async () => {
    ensureBuilt();
    tor = await lab.addHost('tor');
    node = await lab.addHost('cp1');
    client = await lab.addHost('client');
    await lab.link(tor, '10.0.1.254/24', node, '10.0.1.10/24');
    await lab.link(tor, '10.0.9.1/24', client, '10.0.9.2/24');
    await tor.enableForwarding();
    await node.ip('route', 'add', 'default', 'via', '10.0.1.254');
    await client.ip('route', 'add', 'default', 'via', '10.0.9.1');
    frr = await tor.startFrr(
      [
        'router bgp 65002',
        ' bgp router-id 10.0.1.254',
        ' no bgp ebgp-requires-policy',
        ' no bgp network import-check',
        ` neighbor 10.0.1.10 remote-as ${LOCAL_ASN}`,
        ' neighbor 10.0.1.10 timers connect 1',
        // Administratively down until the test has seen /readyz answer 503.
        ' neighbor 10.0.1.10 shutdown',
        ' address-family ipv4 unicast',
        '  network 10.99.0.0/24',
        ' exit-address-family',
      ].join('\n'),
      { zebra: true },
    );
  }, 120_000);
  afterAll(() => lab.destroy());

  it('announces 10.0.0.8/32 via localIP, is ready once Established, and logs the story', async () => {
    const config = writeConfig(
      join(lab.workDir, 'bgpadvertiser.conf'),
      `localIP: 10.0.1.10\nlocalASN: ${LOCAL_ASN}\nholdTime: 9\nconnectRetryTime: 1\npeers:\n- peerIP: 10.0.1.254\n  peerASN: 65002\n`,
    );
    adv = startAdvertiser(node, ['--config', config, '--advertise-ip', '10.0.0.8', '--vip-interface', 'lo']);
    await adv.waitLog('BGP advertiser started');
    await adv.waitLog('Health status HTTP server started at "127.0.0.1:8080"');
    // Not ready while the ToR keeps the neighbour shut: 503 with the peer's state.
    const notReady = await httpGet(node, 'http://127.0.0.1:8080/readyz');
    expect(notReady.status).toBe(503);
    const body = JSON.parse(notReady.body) as {
      ready: boolean;
      peers: Array<{ peer: string; state: string }>;
    };
    expect(body.ready).toBe(false);
    expect(body.peers).toHaveLength(1);
    expect(body.peers[0]?.peer).toBe('10.0.1.254');
    expect(body.peers[0]?.state).not.toBe('Established');
    await frr.configure('router bgp 65002', 'no neighbor 10.0.1.10 shutdown');

    // FRR has the route with next hop localIP within the connect/hold budget.
    const t0 = Date.now();
    await waitFor(
      'FRR to learn 10.0.0.8/32',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).includes('10.0.1.10'),
      10_000,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await frrNextHops(frr, '10.0.0.8/32')).toEqual(['10.0.1.10']);

    await waitFor(
      '/readyz 200',
      async () => (await httpGet(node, 'http://127.0.0.1:8080/readyz')).status === 200,
      5_000,
    );
    const ready = JSON.parse((await httpGet(node, 'http://127.0.0.1:8080/readyz')).body);
    expect(ready).toMatchObject({
      ready: true,
      announced: true,
      peers: [{ peer: '10.0.1.254', state: 'Established' }],
    });
    expect((await httpGet(node, 'http://127.0.0.1:8080/healthz')).status).toBe(200);
    const metrics = (await httpGet(node, 'http://127.0.0.1:8080/metrics')).body;
    expect(metrics).toContain('bgplb_bgp_session_up{peer="10.0.1.254"} 1');
    // The process CPU metric renders without @opentelemetry/api, left out of the bundle (bundle-plugins.ts).
    expect(metrics).toMatch(/^process_cpu_seconds_total \d/m);

    expect(adv.find('Peer added', { peer: '10.0.1.254', peerASN: 65002 })).toBeDefined();
    expect(adv.find('Route added', { prefix: '10.0.0.8/32', nextHop: '10.0.1.10' })).toBeDefined();
    const states = adv.states('10.0.1.254');
    const upTo = states.slice(0, states.indexOf('BGP_FSM_ESTABLISHED') + 1);
    expect(upTo.at(-1)).toBe('BGP_FSM_ESTABLISHED');
    expect(upTo).toContain('BGP_FSM_OPENSENT');
    expect(upTo).toContain('BGP_FSM_OPENCONFIRM');
    const change = adv.find(/new=BGP_FSM_ESTABLISHED/);
    expect(change).toMatchObject({ old: 'BGP_FSM_OPENCONFIRM', new: 'BGP_FSM_ESTABLISHED' });
    expect(typeof change?.reason).toBe('string');
    const sent = await adv.waitLog('sent update');
    expect(sent.nlri).toEqual(['10.0.0.8/32']);
    expect(String(sent.attributes)).toContain('10.0.1.10');
    expect(String(sent.attributes)).toContain(String(LOCAL_ASN));
    // FRR's own route, with its decoded attributes (FRR also echoes our VIP back, AS path 65002 ours).
    const received = await adv.waitLog('received update', { nlri: ['10.99.0.0/24'] });
    expect(String(received.attributes)).toContain('65002');
    expect(adv.lines.some((l) => l.level === 'debug')).toBe(false);
  }, 60_000);

  it('the VIP on lo answers pings through the network', async () => {
    // The first test waited for the route in FRR's BGP table; zebra installs it in the ToR's
    // kernel a moment later (longer on a loaded machine), and only then can the ping be routed.
    await waitFor(
      'the ToR kernel route to 10.0.0.8 via 10.0.1.10',
      async () => (await tor.ip('route', 'show', '10.0.0.8/32')).includes('via 10.0.1.10'),
      10_000,
    );
    const out = await client.exec('ping', ['-c', '1', '-W', '2', '10.0.0.8']);
    expect(out).toContain('1 received');
  }, 20_000);

  it('SIGTERM withdraws, sends Administrative Shutdown with a message, exits 0 within 2 s, leaves nothing', async () => {
    // The 2 s budget is the product's (SHUTDOWN_BUDGET_MS is 1.8 s of it): the clock stops when
    // the process exits ('exit'), not when this loaded test process has read its pipes to the end.
    const exitedAt = new Promise<number>((resolve) => adv.child.once('exit', () => resolve(Date.now())));
    const t0 = Date.now();
    adv.signal('SIGTERM');
    const exit = await adv.exited;
    const elapsed = (await exitedAt) - t0;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(elapsed, `SIGTERM -> exit took ${elapsed} ms`).toBeLessThan(2_000);
    await waitFor(
      'FRR to lose 10.0.0.8/32',
      async () => (await frrNextHops(frr, '10.0.0.8/32')).length === 0,
      5_000,
    );
    const neighbor = await frr.json<Record<string, Record<string, unknown>>>('show bgp neighbors 10.0.1.10');
    const n = neighbor['10.0.1.10'] ?? {};
    const text = JSON.stringify(n);
    expect(text).toMatch(/Administrative Shutdown/i);
    expect(text).toContain('bgpadvertiser shutting down (SIGTERM)');
    expect(await namespacePids(node)).toEqual([]);
    const addrs = await node.ipJson<Array<{ addr_info: Array<{ local: string }> }>>(
      'addr',
      'show',
      'dev',
      'lo',
    );
    expect(addrs.flatMap((a) => a.addr_info.map((i) => i.local))).not.toContain('10.0.0.8');
    expect(adv.lines.at(-1)?.msg).toBe('BGP advertiser stopped');
  }, 20_000);
});
