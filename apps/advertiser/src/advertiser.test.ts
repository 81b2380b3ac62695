import type { AdvertiserConfig } from '@bgplb/api-types';
import { waitFor } from '@bgplb/netns-lab';
import { describe, expect, it } from 'vitest';
import { ControlPlaneAdvertiser, peerConfigs } from './advertiser.js';
import { IpAddressManager } from './shared/ip-addresses.js';
import { FakeSpeaker } from './test-support/fake-speaker.js';
import { captureLogger } from './test-support/log-capture.js';
import { VipInterface } from './vip-interface.js';

const config: AdvertiserConfig = {
  localIP: '21.0.101.64',
  localASN: 4273481990,
  peers: [{ peerIP: '21.0.101.80', peerASN: 4273481989 }],
};

function setup(
  extra: {
    gated?: boolean;
    vipInterfaces?: VipInterface[];
    withdrawSettleMs?: number;
    gracefulRestart?: { restartTime: number; restarting: boolean };
    exitDrain?: { delayMs: number; medIncrease: number; asPathPrepend: number };
  } = {},
) {
  const speaker = new FakeSpeaker();
  const { log, lines } = captureLogger();
  const adv = new ControlPlaneAdvertiser({ speaker, log, vips: ['10.0.0.8'], ...extra });
  return { speaker, lines, adv };
}

describe('peerConfigs', () => {
  it('maps the config file to speaker peers, with per-peer timers over file-wide ones', () => {
    const peers = peerConfigs(
      {
        localIP: '10.0.1.10',
        localASN: 65001,
        holdTime: 9,
        connectRetryTime: 1,
        peers: [
          { peerIP: '10.0.1.254', peerASN: 65000 },
          { peerIP: '10.0.2.254', peerASN: 65002, holdTime: 30, keepaliveTime: 10 },
        ],
      },
      1179,
    );
    expect(peers.get('10.0.1.254')).toEqual({
      id: '10.0.1.254',
      localAddress: '10.0.1.10',
      localAsn: 65001,
      peerAddress: '10.0.1.254',
      peerAsn: 65000,
      families: ['ipv4-unicast', 'ipv6-unicast'],
      routerId: '10.0.1.10',
      holdTime: 9,
      connectRetryTime: 1,
      peerPort: 1179,
    });
    expect(peers.get('10.0.2.254')).toMatchObject({ holdTime: 30, keepaliveTime: 10, connectRetryTime: 1 });
  });

  it('on IPv6: both families, RFC 8950 with the local address, router id from its last 32 bits', () => {
    const peers = peerConfigs({
      localIP: '2001:db8:1::a00:10a',
      localASN: 65001,
      peers: [{ peerIP: '2001:db8:1::1', peerASN: 65000 }],
    } as unknown as Parameters<typeof peerConfigs>[0]);
    expect(peers.get('2001:db8:1::1')).toMatchObject({
      localAddress: '2001:db8:1::a00:10a',
      families: ['ipv4-unicast', 'ipv6-unicast'],
      extendedNextHop: '2001:db8:1::a00:10a',
      routerId: '10.0.1.10',
    });
  });

  it("passes a peer's bfd settings to the speaker peer, and none without them (off)", () => {
    const peers = peerConfigs({
      localIP: '10.0.1.10',
      localASN: 65001,
      peers: [
        { peerIP: '10.0.1.254', peerASN: 65000, bfd: { minTxMs: 300, multiplier: 3, multihop: true } },
        { peerIP: '10.0.2.254', peerASN: 65000, bfd: {} },
        { peerIP: '10.0.3.254', peerASN: 65000 },
      ],
    });
    expect(peers.get('10.0.1.254')?.bfd).toEqual({ minTxMs: 300, multiplier: 3, multihop: true });
    expect(peers.get('10.0.2.254')?.bfd).toEqual({});
    expect(peers.get('10.0.3.254')).not.toHaveProperty('bfd');
  });
});

describe('ControlPlaneAdvertiser', () => {
  it('adds every peer and announces VIP/32 with next hop localIP, origin IGP', async () => {
    const { speaker, lines, adv } = setup();
    const change = await adv.applyConfig(config);
    expect(change).toEqual({ added: ['21.0.101.80'], removed: [], changed: [], unchanged: [] });
    expect(speaker.configs.get('21.0.101.80')).toMatchObject({
      localAddress: '21.0.101.64',
      peerAsn: 4273481989,
    });
    expect(speaker.paths.get('10.0.0.8/32')).toEqual([{ nextHop: '21.0.101.64', origin: 'igp' }]);
    expect(lines.find((l) => l.msg === 'Peer added')).toMatchObject({
      peer: '21.0.101.80',
      peerASN: 4273481989,
      localIP: '21.0.101.64',
      localASN: 4273481990,
    });
    expect(lines.find((l) => l.msg === 'Route added')).toMatchObject({
      prefix: '10.0.0.8/32',
      nextHop: '21.0.101.64',
    });
    expect(adv.announced).toBe(true);
  });

  it('an IPv6 VIP: VIP/128 with next hop the IPv6 localIP, over IPv6 peers with RFC 8950 offered', async () => {
    const speaker = new FakeSpeaker();
    const { log } = captureLogger();
    const calls: string[] = [];
    const vipInterface = new VipInterface(
      'lo',
      '2001:db8:100::8',
      new IpAddressManager({
        run: async (cmd, args) => {
          calls.push([cmd, ...args].join(' '));
          return '';
        },
      }),
    );
    const adv = new ControlPlaneAdvertiser({
      speaker,
      log,
      vips: ['2001:db8:100::8'],
      vipInterfaces: [vipInterface],
    });
    await adv.applyConfig({
      localIP: '2001:db8:1::10',
      localASN: 65001,
      peers: [{ peerIP: '2001:db8:1::1', peerASN: 65000 }],
    });
    expect(adv.prefixes).toEqual(['2001:db8:100::8/128']);
    expect(speaker.paths.get('2001:db8:100::8/128')).toEqual([{ nextHop: '2001:db8:1::10', origin: 'igp' }]);
    expect(speaker.configs.get('2001:db8:1::1')).toMatchObject({
      localAddress: '2001:db8:1::10',
      extendedNextHop: '2001:db8:1::10',
      families: ['ipv4-unicast', 'ipv6-unicast'],
    });
    expect(calls).toEqual(['ip addr add 2001:db8:100::8/128 dev lo nodad preferred_lft 0']);
    await adv.stop('test');
    expect(calls.at(-1)).toBe('ip addr del 2001:db8:100::8/128 dev lo');
  });

  describe('one VIP of each family (dual stack)', () => {
    const dual: AdvertiserConfig = {
      localIP: '10.0.1.10',
      localIPOtherFamily: '2001:db8:1::10',
      localASN: 65001,
      peers: [
        { peerIP: '10.0.1.254', peerASN: 65000 },
        { peerIP: '2001:db8:1::fe', peerASN: 65000 },
      ],
    };
    const VIPS = ['10.0.0.8', '2001:db8:100::8'];

    function dualSetup() {
      const speaker = new FakeSpeaker();
      const { log, lines } = captureLogger();
      const calls: string[] = [];
      const manager = new IpAddressManager({
        run: async (cmd, args) => {
          calls.push([cmd, ...args].join(' '));
          return '';
        },
      });
      const vipInterfaces = VIPS.map((vip) => new VipInterface('lo', vip, manager));
      const adv = new ControlPlaneAdvertiser({ speaker, log, vips: VIPS, vipInterfaces });
      return { speaker, lines, calls, adv };
    }

    it('sessions start from the address of the peer family; each VIP has the next hop of its family', async () => {
      const { speaker, calls, adv } = dualSetup();
      await adv.applyConfig(dual);
      expect(speaker.configs.get('10.0.1.254')).toMatchObject({
        localAddress: '10.0.1.10',
        routerId: '10.0.1.10',
      });
      expect(speaker.configs.get('2001:db8:1::fe')).toMatchObject({
        localAddress: '2001:db8:1::10',
        extendedNextHop: '2001:db8:1::10',
      });
      expect(adv.prefixes).toEqual(['10.0.0.8/32', '2001:db8:100::8/128']);
      expect(speaker.paths.get('10.0.0.8/32')).toEqual([{ nextHop: '10.0.1.10', origin: 'igp' }]);
      expect(speaker.paths.get('2001:db8:100::8/128')).toEqual([
        { nextHop: '2001:db8:1::10', origin: 'igp' },
      ]);
      expect(calls).toEqual([
        'ip addr add 10.0.0.8/32 dev lo',
        'ip addr add 2001:db8:100::8/128 dev lo nodad preferred_lft 0',
      ]);
      expect(adv.readiness().body).toMatchObject({
        vip: '10.0.0.8/32',
        vips: ['10.0.0.8/32', '2001:db8:100::8/128'],
      });
      await adv.stop('test');
      expect(speaker.paths.size).toBe(0);
      expect(calls.slice(2)).toEqual([
        'ip addr del 10.0.0.8/32 dev lo',
        'ip addr del 2001:db8:100::8/128 dev lo',
      ]);
    });

    it('a VIP of a family the node has no address of is not announced, said once, announced once it has one', async () => {
      const { speaker, lines, calls, adv } = dualSetup();
      const v4only: AdvertiserConfig = { ...dual, localIPOtherFamily: undefined, peers: [dual.peers[0]!] };
      delete v4only.localIPOtherFamily;
      await adv.applyConfig(v4only);
      await adv.applyConfig({ ...v4only, holdTime: 30 });
      expect([...speaker.paths.keys()]).toEqual(['10.0.0.8/32']);
      expect(calls).toEqual(['ip addr add 10.0.0.8/32 dev lo']);
      const said = lines.filter((l) => String(l.msg).startsWith('VIP not announced'));
      expect(said.map((l) => l.msg)).toEqual([
        "VIP not announced: the VIP 2001:db8:100::8 is IPv6 but localIP 10.0.1.10 is IPv4: the VIP is announced with this node's address of its family as next hop (set localIPOtherFamily to this node's IPv6 address)",
      ]);
      expect(said[0]).toMatchObject({ level: 'warn', prefix: '2001:db8:100::8/128' });
      await adv.applyConfig(dual);
      expect(speaker.paths.get('2001:db8:100::8/128')).toEqual([
        { nextHop: '2001:db8:1::10', origin: 'igp' },
      ]);
      // And taken away again: withdrawn and removed from the interface, said once more.
      await adv.applyConfig(v4only);
      expect([...speaker.paths.keys()]).toEqual(['10.0.0.8/32']);
      expect(calls.at(-1)).toBe('ip addr del 2001:db8:100::8/128 dev lo');
      expect(lines.filter((l) => String(l.msg).startsWith('VIP not announced'))).toHaveLength(2);
    });

    it('drain re-announces both VIPs with GRACEFUL_SHUTDOWN before withdrawing them', async () => {
      const speaker = new FakeSpeaker();
      const { log } = captureLogger();
      const adv = new ControlPlaneAdvertiser({
        speaker,
        log,
        vips: VIPS,
        exitDrain: { delayMs: 0, medIncrease: 0, asPathPrepend: 0 },
      });
      await adv.applyConfig(dual);
      const seen: string[][] = [];
      const setPaths = speaker.setPaths.bind(speaker);
      speaker.setPaths = (prefix, paths, opts) => {
        seen.push([prefix, ...paths.map((p) => `${p.nextHop} ${(p.communities ?? []).join(',')}`)]);
        setPaths(prefix, paths, opts);
      };
      await adv.stop('test', 'drain');
      expect(seen).toEqual([
        ['10.0.0.8/32', '10.0.1.10 GRACEFUL_SHUTDOWN'],
        ['2001:db8:100::8/128', '2001:db8:1::10 GRACEFUL_SHUTDOWN'],
      ]);
      expect(speaker.paths.size).toBe(0);
    });
  });

  it('is ready only while every peer is Established, and says why not', async () => {
    const { speaker, adv } = setup();
    await adv.applyConfig({
      ...config,
      peers: [...config.peers, { peerIP: '21.0.101.81', peerASN: 4273481989 }],
    });
    expect(adv.readiness().ready).toBe(false);
    speaker.setState('21.0.101.80', 'Established');
    speaker.setState('21.0.101.81', 'Active', {
      lastError: {
        code: 2,
        subcode: 2,
        text: 'OPEN Message Error/Bad Peer AS',
        direction: 'received',
        at: new Date(0),
      },
    });
    const notReady = adv.readiness();
    expect(notReady.ready).toBe(false);
    expect(notReady.body).toMatchObject({
      ready: false,
      vip: '10.0.0.8/32',
      announced: true,
      peers: [
        { peer: '21.0.101.80', state: 'Established', establishedSince: new Date(1_000).toISOString() },
        {
          peer: '21.0.101.81',
          state: 'Active',
          lastError: { code: 2, subcode: 2, text: 'OPEN Message Error/Bad Peer AS', direction: 'received' },
        },
      ],
    });
    speaker.setState('21.0.101.81', 'Established');
    expect(adv.readiness().ready).toBe(true);
  });

  it('restarts a peer whose bfd settings changed on SIGHUP, with the new settings', async () => {
    const { speaker, adv } = setup();
    await adv.applyConfig(config);
    const withBfd = { ...config, peers: [{ ...config.peers[0]!, bfd: { minTxMs: 300 } }] };
    const change = await adv.applyConfig(withBfd);
    expect(change).toEqual({ added: [], removed: [], changed: ['21.0.101.80'], unchanged: [] });
    expect(speaker.configs.get('21.0.101.80')?.bfd).toEqual({ minTxMs: 300 });
    expect(await adv.applyConfig(withBfd)).toMatchObject({ changed: [], unchanged: ['21.0.101.80'] });
    // /readyz shows the BFD state of peers with bfd, and nothing of it for the others.
    speaker.setState('21.0.101.80', 'Established', { bfd: { state: 'Init', transitions: {} } });
    expect(adv.readiness().body).toMatchObject({ peers: [{ peer: '21.0.101.80', bfdState: 'Init' }] });
    await adv.applyConfig(config);
    expect(adv.readiness().body).toMatchObject({ peers: [{ peer: '21.0.101.80', state: 'Idle' }] });
    expect((adv.readiness().body as { peers: object[] }).peers[0]).not.toHaveProperty('bfdState');
  });

  it('applies added and removed peers without touching unchanged ones (SIGHUP)', async () => {
    const { speaker, adv, lines } = setup();
    await adv.applyConfig({
      ...config,
      peers: [
        { peerIP: '21.0.101.80', peerASN: 4273481989 },
        { peerIP: '21.0.101.81', peerASN: 4273481989 },
        { peerIP: '21.0.101.82', peerASN: 4273481989 },
      ],
    });
    speaker.calls.length = 0;
    const change = await adv.applyConfig({
      ...config,
      peers: [
        { peerIP: '21.0.101.80', peerASN: 4273481989 },
        { peerIP: '21.0.101.82', peerASN: 65000 },
        { peerIP: '21.0.101.83', peerASN: 4273481989 },
      ],
    });
    expect(change).toEqual({
      added: ['21.0.101.83'],
      removed: ['21.0.101.81'],
      changed: ['21.0.101.82'],
      unchanged: ['21.0.101.80'],
    });
    expect(speaker.calls).toEqual([
      'removePeer 21.0.101.81 bgpadvertiser: peer removed from configuration',
      'removePeer 21.0.101.82 bgpadvertiser: peer settings changed [administrative-reset]',
      'addPeer 21.0.101.82',
      'addPeer 21.0.101.83',
      'setPaths 10.0.0.8/32 21.0.101.64',
    ]);
    expect(lines.filter((l) => l.msg === 'Route added')).toHaveLength(1);
    expect(lines.some((l) => l.msg === 'Peer removed' && l.peer === '21.0.101.81')).toBe(true);
  });

  it('moves the next hop when localIP changes', async () => {
    const { speaker, adv } = setup();
    await adv.applyConfig(config);
    const change = await adv.applyConfig({ ...config, localIP: '21.0.101.65' });
    expect(change.changed).toEqual(['21.0.101.80']);
    expect(speaker.paths.get('10.0.0.8/32')).toEqual([{ nextHop: '21.0.101.65', origin: 'igp' }]);
  });

  it('with a health gate, announces only when healthy and withdraws when not', async () => {
    const ipCalls: string[] = [];
    const record = async (cmd: string, args: readonly string[]) => {
      ipCalls.push([cmd, ...args].join(' '));
      return '';
    };
    const vipInterface = new VipInterface('lo', '10.0.0.8', new IpAddressManager({ run: record }));
    const { speaker, adv, lines } = setup({ gated: true, vipInterfaces: [vipInterface] });
    await adv.applyConfig(config);
    expect(speaker.paths.has('10.0.0.8/32')).toBe(false);
    expect(ipCalls).toEqual([]);

    await adv.setHealthy(true, 'health check passed (HTTP 200)');
    expect(speaker.paths.get('10.0.0.8/32')).toEqual([{ nextHop: '21.0.101.64', origin: 'igp' }]);
    expect(ipCalls).toEqual(['ip addr add 10.0.0.8/32 dev lo']);

    await adv.setHealthy(true, 'again');
    expect(ipCalls).toHaveLength(1);

    await adv.setHealthy(false, 'health check failed 3 times in a row (last: HTTP 500)');
    expect(speaker.paths.has('10.0.0.8/32')).toBe(false);
    expect(ipCalls.at(-1)).toBe('ip addr del 10.0.0.8/32 dev lo');
    expect(lines.find((l) => l.msg === 'Route withdrawn')).toMatchObject({
      prefix: '10.0.0.8/32',
      reason: 'health check failed 3 times in a row (last: HTTP 500)',
    });
    expect(adv.readiness().body).toMatchObject({ announced: false, healthy: false });

    await adv.setHealthy(true, 'recovered');
    expect(speaker.paths.has('10.0.0.8/32')).toBe(true);
    expect(ipCalls.at(-1)).toBe('ip addr add 10.0.0.8/32 dev lo');
  });

  it('stops: withdraws, shuts the speaker down with the message, removes the VIP, then does nothing', async () => {
    const ipCalls: string[] = [];
    const record = async (cmd: string, args: readonly string[]) => {
      ipCalls.push([cmd, ...args].join(' '));
      return '';
    };
    const vipInterface = new VipInterface('lo', '10.0.0.8', new IpAddressManager({ run: record }));
    const { speaker, adv } = setup({ vipInterfaces: [vipInterface] });
    await adv.applyConfig(config);
    speaker.calls.length = 0;
    await adv.stop('bgpadvertiser shutting down');
    expect(speaker.calls).toEqual(['withdraw 10.0.0.8/32', 'shutdown bgpadvertiser shutting down']);
    expect(ipCalls.at(-1)).toBe('ip addr del 10.0.0.8/32 dev lo');
    expect(adv.readiness().ready).toBe(false);
    await adv.stop('again');
    await adv.applyConfig(config);
    await adv.setHealthy(false, 'x');
    expect(speaker.calls).toHaveLength(2);
  });

  it('stops after the withdraw settle time: sessions and VIP stay while the routers converge', async () => {
    const ipCalls: string[] = [];
    const record = async (cmd: string, args: readonly string[]) => {
      ipCalls.push([cmd, ...args].join(' '));
      return '';
    };
    const vipInterface = new VipInterface('lo', '10.0.0.8', new IpAddressManager({ run: record }));
    const { speaker, adv } = setup({ vipInterfaces: [vipInterface], withdrawSettleMs: 150 });
    await adv.applyConfig(config);
    speaker.calls.length = 0;
    // When flush() is called: after the withdrawal, so that it is on the wire when the settle
    // time starts (not one batching window later).
    let flushedAfter: string[] | undefined;
    speaker.flush = () => {
      flushedAfter = [...speaker.calls];
    };
    const t0 = Date.now();
    const stopped = adv.stop('bgpadvertiser shutting down');
    await new Promise((r) => setTimeout(r, 50));
    // Withdrawn at once; not yet shut down, the VIP still on the interface.
    expect(speaker.calls).toEqual(['withdraw 10.0.0.8/32']);
    expect(flushedAfter).toEqual(['withdraw 10.0.0.8/32']);
    expect(ipCalls.filter((c) => c.startsWith('ip addr del'))).toEqual([]);
    await stopped;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(speaker.calls).toEqual(['withdraw 10.0.0.8/32', 'shutdown bgpadvertiser shutting down']);
    expect(ipCalls.at(-1)).toBe('ip addr del 10.0.0.8/32 dev lo');
  });

  it('does not wait on stop when nothing was announced', async () => {
    const { speaker, adv } = setup({ gated: true, withdrawSettleMs: 5_000 });
    await adv.applyConfig(config);
    const t0 = Date.now();
    await adv.stop('bye');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(speaker.calls.at(-1)).toBe('shutdown bye');
  });

  it('with graceful restart: offers it to every peer, and stops without withdrawing or removing the VIP', async () => {
    const ipCalls: string[] = [];
    const record = async (cmd: string, args: readonly string[]) => {
      ipCalls.push([cmd, ...args].join(' '));
      return '';
    };
    const vipInterface = new VipInterface('lo', '10.0.0.8', new IpAddressManager({ run: record }));
    const { speaker, adv } = setup({
      vipInterfaces: [vipInterface],
      withdrawSettleMs: 5_000,
      gracefulRestart: { restartTime: 120, restarting: true },
    });
    await adv.applyConfig(config);
    expect(speaker.configs.get('21.0.101.80')?.gracefulRestart).toEqual({
      restartTime: 120,
      restarting: true,
    });
    speaker.calls.length = 0;
    const t0 = Date.now();
    await adv.stop('restarting', 'graceful-restart');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(speaker.calls).toEqual(['shutdown restarting']);
    expect(speaker.lastShutdown).toEqual({ message: 'restarting', graceful: true });
    expect(ipCalls.filter((c) => c.startsWith('ip addr del'))).toEqual([]);
  });

  it('drain: re-announces the VIP with GRACEFUL_SHUTDOWN (+ fallback), waits the delay, then withdraws as withdraw does', async () => {
    const ipCalls: string[] = [];
    const record = async (cmd: string, args: readonly string[]) => {
      ipCalls.push([cmd, ...args].join(' '));
      return '';
    };
    const vipInterface = new VipInterface('lo', '10.0.0.8', new IpAddressManager({ run: record }));
    const { speaker, adv } = setup({
      vipInterfaces: [vipInterface],
      withdrawSettleMs: 0,
      exitDrain: { delayMs: 300, medIncrease: 1000, asPathPrepend: 2 },
    });
    await adv.applyConfig(config);
    speaker.calls.length = 0;
    const t0 = Date.now();
    const stopped = adv.stop('node removed', 'drain');
    await waitFor('the draining path', () => speaker.calls.length > 0);
    expect(speaker.calls).toEqual(['setPaths 10.0.0.8/32 21.0.101.64']);
    expect(speaker.paths.get('10.0.0.8/32')).toEqual([
      {
        nextHop: '21.0.101.64',
        origin: 'igp',
        med: 1000,
        communities: ['GRACEFUL_SHUTDOWN'],
        asPathPrepend: 2,
      },
    ]);
    // Still announced and on the interface during the delay.
    expect(ipCalls.filter((c) => c.startsWith('ip addr del'))).toEqual([]);
    await stopped;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(speaker.calls).toEqual([
      'setPaths 10.0.0.8/32 21.0.101.64',
      'withdraw 10.0.0.8/32',
      'shutdown node removed',
    ]);
    expect(ipCalls.at(-1)).toBe('ip addr del 10.0.0.8/32 dev lo');
  });

  it('drain with nothing announced: no drain delay, a plain stop', async () => {
    const { speaker, adv } = setup({
      gated: true,
      exitDrain: { delayMs: 5_000, medIncrease: 0, asPathPrepend: 0 },
    });
    await adv.applyConfig(config);
    const t0 = Date.now();
    await adv.stop('bye', 'drain');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(speaker.calls.at(-1)).toBe('shutdown bye');
    expect(speaker.calls.some((c) => c.startsWith('setPaths'))).toBe(false);
  });
});
