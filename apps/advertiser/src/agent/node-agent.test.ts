import type { EventSpec } from '@bgplb/kube-runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRegistry } from '../shared/index.js';
import type { ObservedAddress } from '../shared/ip-addresses.js';
import { captureLogger } from '../test-support/log-capture.js';
import { AgentMetrics } from './metrics.js';
import type { LivenessBfd } from './next-hop-liveness.js';
import { NextHopChooser } from './next-hops.js';
import { NodeAgent, type NodeAgentOptions } from './node-agent.js';
import { StatusReporter } from './status-reporter.js';
import { FakeBfd } from './test-support/fake-bfd.js';
import { FakeAddresses, FakeAgentSpeaker, MemoryStatusWriter } from './test-support/fakes.js';

const NODE_ADDRS: ObservedAddress[] = [
  { ifname: 'lo', ip: '127.0.0.1', prefixLen: 8, label: 'lo', up: true },
  { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: 'eth0', up: true },
];

function ngg(assignments: Record<string, string>): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'NetworkGatewayGroup',
    metadata: { name: 'default', namespace: 'cluster-demo' },
    spec: { floatingIPs: ['10.0.1.100', '10.0.1.101'] },
    status: { floatingIPs: assignments },
  };
}

function session(name: string, floatingIP: string, peerIP = '10.0.1.254', nodeName = 'node-a'): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPSession',
    metadata: { name, namespace: 'kube-system' },
    spec: { floatingIP, localIP: floatingIP, localASN: 65001, peerASN: 65000, nodeName, peerIP },
  };
}

function route(name: string, prefix: string, nextHops: string[], metric = 0): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPAdvertisedRoute',
    metadata: { name, namespace: 'kube-system' },
    spec: { prefix, nextHops, metric, service: { namespace: 'default', name } },
  };
}

describe('NodeAgent', () => {
  let log: string[];
  let addresses: FakeAddresses;
  let speaker: FakeAgentSpeaker;
  let writer: MemoryStatusWriter;
  let reporter: StatusReporter;
  let metrics: AgentMetrics;
  let agent: NodeAgent;
  let events: EventSpec[];
  const logs = captureLogger('debug');

  function makeAgent(initial: ObservedAddress[] = NODE_ADDRS, extra: Partial<NodeAgentOptions> = {}): void {
    log = [];
    addresses = new FakeAddresses(initial, log);
    speaker = new FakeAgentSpeaker(log);
    writer = new MemoryStatusWriter();
    reporter = new StatusReporter({ writer });
    metrics = new AgentMetrics(createRegistry());
    events = [];
    agent = new NodeAgent({
      events: { record: (e) => events.push(e) },
      node: 'node-a',
      speaker,
      addresses,
      reporter,
      logger: logs.log,
      metrics,
      routeBatchMs: 50,
      resyncMs: 10_000,
      ...extra,
    });
    const origSet = speaker.setPaths.bind(speaker);
    speaker.setPaths = (prefix, paths, opts) => {
      log.push(`setPaths ${prefix} ${paths.map((p) => p.nextHop).join(',')}`);
      origSet(prefix, paths, opts);
    };
    const origWithdraw = speaker.withdraw.bind(speaker);
    speaker.withdraw = (prefix, opts) => {
      log.push(`withdraw ${prefix}`);
      origWithdraw(prefix, opts);
    };
  }

  async function settle(ms = 300): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    await agent.idle();
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    makeAgent();
  });
  afterEach(async () => {
    reporter.stop();
    await agent.shutdown('graceful-restart');
    vi.useRealTimers();
  });

  it('does nothing before every watch has synced', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    await settle();
    expect(log).toEqual([]);
    expect(agent.isReady()).toBe(false);
    expect(agent.readiness()).toMatchObject({ ready: false, body: { synced: false } });
  });

  it('adds the floating IP, announces it, listens, sets the routes and only then starts the session', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-b' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.setRoutes([route('default-default-web', '10.0.0.8/32', ['10.0.1.10', '10.0.1.11'], 10)]);
    agent.markSynced();
    await settle();
    expect(log).toEqual([
      'ip addr add 10.0.1.100/32 dev eth0 label eth0:bgplb',
      'arping -U -c 3 -I eth0 10.0.1.100',
      'listen 10.0.1.100:179',
      'setPaths 10.0.0.8/32 10.0.1.10,10.0.1.11',
      'addPeer tor1-node-a from 10.0.1.100',
    ]);
    expect(speaker.agentConfigs.get('tor1-node-a')).toMatchObject({
      localAddress: '10.0.1.100',
      routerId: '10.0.1.100',
      peerAddress: '10.0.1.254',
      localAsn: 65001,
      peerAsn: 65000,
      addPath: true,
      gracefulRestart: { restartTime: 120, restarting: false },
    });
    expect(speaker.paths.get('10.0.0.8/32')).toEqual([
      { nextHop: '10.0.1.10', med: 10 },
      { nextHop: '10.0.1.11', med: 10 },
    ]);
    expect(agent.isReady()).toBe(true);
    expect(agent.heldFloatingIPs()).toEqual(['10.0.1.100']);
    expect(writer.statuses.get('tor1-node-a')).toMatchObject({
      state: 'Idle',
      lastReportTime: '2026-01-01T00:00:00Z',
    });
    const text = await metrics.floatingIPHeld.get();
    expect(text.values).toEqual([{ labels: { ip: '10.0.1.100' }, value: 1 }]);

    // The session comes up: the status says so, with what was really sent.
    speaker.setState('tor1-node-a', 'Established', { advertisedPrefixes: ['10.0.0.8/32'] });
    await settle();
    expect(writer.statuses.get('tor1-node-a')).toMatchObject({
      state: 'Established',
      advertisedRoutes: ['10.0.0.8/32'],
      advertisedPrefixes: 1,
      establishedSince: '1970-01-01T00:00:01Z',
      lastError: null,
    });
    // Keepalives change nothing: no write until the 30 s heartbeat.
    const writes = writer.writes.length;
    for (let i = 0; i < 5; i++) speaker.emit({ type: 'keepalive-received', peer: 'tor1-node-a' });
    await settle(29_000);
    expect(writer.writes.length).toBe(writes);
    await settle(1_000);
    expect(writer.writes.length).toBe(writes + 1);
  });

  it('passes BGPPeer spec.bfd to the session, reports bfdState, and restarts the session when bfd changes', async () => {
    const bgpPeer = (bfd?: unknown): unknown => ({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: { name: 'tor1', namespace: 'cluster-demo' },
      spec: { localASN: 65001, peerASN: 65000, peerIP: '10.0.1.254', ...(bfd ? { bfd } : {}) },
    });
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.setPeers([bgpPeer({ minTxMs: 300, multiplier: 3 })]);
    agent.markSynced();
    await settle();
    expect(speaker.agentConfigs.get('tor1-node-a')?.bfd).toEqual({ minTxMs: 300, multiplier: 3 });

    // The speaker's BFD comes Up: the status shows it (the bfd-state event triggers the report).
    const bfd = { state: 'Up', transitions: { Up: { none: 1 } } } as const;
    speaker.setState('tor1-node-a', 'Established', { bfd });
    speaker.emit({
      type: 'bfd-state',
      peer: 'tor1-node-a',
      from: 'Init',
      to: 'Up',
      diagnostic: 'none',
      detectionTimeMs: 900,
    });
    await settle();
    expect(writer.statuses.get('tor1-node-a')).toMatchObject({ state: 'Established', bfdState: 'Up' });

    // BFD goes Down alone (BGP not yet told): the status follows.
    Object.assign(speaker.peerStatus('tor1-node-a')!, { bfd: { ...bfd, state: 'Down' } });
    speaker.emit({
      type: 'bfd-state',
      peer: 'tor1-node-a',
      from: 'Up',
      to: 'Down',
      diagnostic: 'control-detection-time-expired',
      detectionTimeMs: 900,
      silentMs: 905,
    });
    await settle();
    expect(writer.statuses.get('tor1-node-a')?.bfdState).toBe('Down');

    // bfd turned off on the BGPPeer: the session restarts without it, and bfdState is cleared.
    log.length = 0;
    agent.setPeers([bgpPeer()]);
    await settle();
    expect(log).toEqual([
      'removePeer tor1-node-a: withdraw + Cease (session settings changed)',
      'addPeer tor1-node-a from 10.0.1.100',
    ]);
    expect(speaker.agentConfigs.get('tor1-node-a')).not.toHaveProperty('bfd');
    expect(writer.statuses.get('tor1-node-a')?.bfdState).toBeNull();
  });

  it('on failover tears the session down (withdraw + Cease) before removing the address', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    log.length = 0;
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-b' }));
    await settle();
    expect(log).toEqual([
      'removePeer tor1-node-a: withdraw + Cease (floating IP 10.0.1.100 is assigned to node node-b, not node-a)',
      'unlisten 10.0.1.100:179',
      'ip addr del 10.0.1.100/32 dev eth0',
    ]);
    expect(addresses.has('10.0.1.100')).toBe(false);
    expect(
      events.map((e) => `${e.type} ${e.reason} ${e.involved.kind}/${e.involved.name}: ${e.message}`),
    ).toEqual([
      'Normal FloatingIPAdded Node/node-a: floating IP 10.0.1.100 added to eth0 on node node-a',
      'Normal FloatingIPRemoved Node/node-a: floating IP 10.0.1.100 removed from eth0 on node node-a: floating IP 10.0.1.100 is assigned to node node-b, not node-a',
      'Warning SessionRefused BGPSession/tor1-node-a: BGPSession tor1-node-a refused on node node-a: floating IP 10.0.1.100 is assigned to node node-b, not to node-a: this node does not hold it',
    ]);
    // Until the controller deletes the object, its status says why it stopped.
    expect(writer.statuses.get('tor1-node-a')?.lastError).toMatchObject({
      code: 0,
      message: 'floating IP 10.0.1.100 is assigned to node node-b, not to node-a: this node does not hold it',
    });
    agent.setOwnSessions([]);
    await settle();
    expect(reporter.sessions()).toEqual([]);
  });

  it('with --handover graceful, a moving floating IP closes its sessions without withdrawal', async () => {
    makeAgent(NODE_ADDRS, { handover: 'graceful' });
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    log.length = 0;
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-b' }));
    await settle();
    expect(log).toEqual([
      'removePeer tor1-node-a: graceful, TCP closed (floating IP 10.0.1.100 is assigned to node node-b, not node-a)',
      'unlisten 10.0.1.100:179',
      'ip addr del 10.0.1.100/32 dev eth0',
    ]);
    // A BGPSession that is simply deleted still ends with withdraw + Cease.
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    await settle();
    log.length = 0;
    agent.setOwnSessions([]);
    await settle();
    expect(log).toEqual(['removePeer tor1-node-a: withdraw + Cease (BGPSession removed)']);
  });

  it('refuses a session whose floating IP the node does not hold: status says why, nothing announced', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-b' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.101')]);
    agent.setRoutes([route('web', '10.0.0.8/32', ['10.0.1.10'])]);
    agent.markSynced();
    await settle();
    expect(speaker.configs.size).toBe(0);
    expect(log.filter((l) => l.startsWith('addPeer'))).toEqual([]);
    expect(agent.refusedSessions().get('tor1-node-a')).toMatch(/assigned to node node-b/);
    expect(writer.statuses.get('tor1-node-a')).toEqual({
      state: 'Idle',
      advertisedRoutes: [],
      advertisedPrefixes: 0,
      receivedPrefixes: 0,
      establishedSince: null,
      lastError: {
        code: 0,
        subcode: 0,
        message:
          'floating IP 10.0.1.101 is assigned to node node-b, not to node-a: this node does not hold it',
        time: '2026-01-01T00:00:00Z',
      },
      bfdState: null,
      capabilities: null,
      flapCount: 0,
      lastTransition: null,
      lastReportTime: '2026-01-01T00:00:00Z',
    });
    expect(logs.lines.some((l) => String(l.msg).includes('BGPSession tor1-node-a refused'))).toBe(true);
    // Once the assignment arrives, the same object starts.
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-a' }));
    await settle();
    expect(agent.runningSessions()).toEqual(['tor1-node-a']);
    expect(writer.statuses.get('tor1-node-a')?.lastError).toBeNull();
  });

  it('after a crash finds its address, adds no duplicate and restarts the sessions with the GR restarting bit', async () => {
    makeAgent([
      ...NODE_ADDRS,
      { ifname: 'eth0', ip: '10.0.1.100', prefixLen: 32, label: 'eth0:bgplb', up: true },
    ]);
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    expect(log).toEqual(['listen 10.0.1.100:179', 'addPeer tor1-node-a from 10.0.1.100 (restarting)']);
    // Sessions added later are ordinary ones.
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-a' }));
    agent.setOwnSessions([
      session('tor1-node-a', '10.0.1.100'),
      session('tor2-node-a', '10.0.1.101', '10.0.1.253'),
    ]);
    await settle();
    expect(log.at(-1)).toBe('addPeer tor2-node-a from 10.0.1.101');
  });

  it('removes leftovers of an earlier run that are no longer assigned, without touching other addresses', async () => {
    makeAgent([
      ...NODE_ADDRS,
      { ifname: 'eth0', ip: '10.0.1.101', prefixLen: 32, label: 'eth0:bgplb', up: true },
      { ifname: 'eth0', ip: '10.0.1.50', prefixLen: 32, label: 'eth0:vip', up: true },
    ]);
    agent.setGatewayGroup(ngg({ '10.0.1.101': 'node-b' }));
    agent.markSynced();
    await settle();
    expect(log).toEqual(['ip addr del 10.0.1.101/32 dev eth0']);
    expect(addresses.has('10.0.1.50')).toBe(true);
  });

  it('batches route changes and withdraws removed routes', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10'])]);
    agent.markSynced();
    await settle();
    speaker.setState('tor1-node-a', 'Established');
    log.length = 0;
    agent.setRoutes([route('a', '10.0.0.1/32', ['10.0.1.10']), route('b', '10.0.0.2/32', ['10.0.1.11'])]);
    agent.setRoutes([route('b', '10.0.0.2/32', ['10.0.1.11']), route('c', '10.0.0.3/32', ['10.0.1.12'])]);
    await settle(10);
    expect(log).toEqual([]);
    await settle(50);
    expect(log).toEqual([
      'setPaths 10.0.0.2/32 10.0.1.11',
      'setPaths 10.0.0.3/32 10.0.1.12',
      'withdraw 10.0.0.1/32',
    ]);
    // The UPDATE that carries them closes the latency measurement.
    speaker.emit({
      type: 'update-sent',
      peer: 'tor1-node-a',
      nlri: ['10.0.0.2/32', '10.0.0.3/32'],
      withdrawn: ['10.0.0.1/32'],
      attributes: '',
    });
    const histogram = await metrics.routeUpdateSeconds.get();
    const count = histogram.values.find((v) => v.metricName === 'bgplb_agent_route_update_seconds_count');
    expect(count?.value).toBe(3);
    expect((await metrics.routes.get()).values[0]?.value).toBe(2);
  });

  it('without ADD-PATH the sessions of one peer announce distinct next hops and follow the cluster view', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.setRoutes([route('web', '10.0.0.8/32', ['10.0.1.10', '10.0.1.11', '10.0.1.12'])]);
    agent.markSynced();
    await settle();
    const alone = speaker.selected('tor1-node-a', '10.0.0.8/32');
    expect(alone).toBeDefined();
    log.length = 0;
    // A second session to the same router appears on node B: the choice is re-evaluated.
    agent.setClusterSessions([
      session('tor1-node-a', '10.0.1.100'),
      session('tor1-node-b', '10.0.1.101', '10.0.1.254', 'node-b'),
    ]);
    await settle(60);
    expect(log).toEqual(['setPaths 10.0.0.8/32 10.0.1.10,10.0.1.11,10.0.1.12']);
    // Node B, computing with the same inputs, picks a different next hop for its session.
    const b = new NextHopChooser();
    b.setClusterSessions([
      session('tor1-node-a', '10.0.1.100'),
      session('tor1-node-b', '10.0.1.101', '10.0.1.254', 'node-b'),
    ]);
    const paths = speaker.paths.get('10.0.0.8/32') ?? [];
    expect(b.choose('10.0.0.8/32', paths, '10.0.1.254', '10.0.1.101')?.nextHop).not.toBe(
      speaker.selected('tor1-node-a', '10.0.0.8/32'),
    );
  });

  it('a floating IP that cannot be added refuses its sessions and is retried', async () => {
    addresses.failAdd = new Error('RTNETLINK answers: Operation not permitted');
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    expect(agent.refusedSessions().get('tor1-node-a')).toBe(
      'cannot add floating IP 10.0.1.100 to eth0: RTNETLINK answers: Operation not permitted',
    );
    expect(events.map((e) => `${e.type} ${e.reason}`)).toEqual([
      'Warning FloatingIPFailed',
      'Warning SessionRefused',
    ]);
    addresses.failAdd = undefined;
    await settle(10_000);
    expect(agent.runningSessions()).toEqual(['tor1-node-a']);
  });

  it('a failed removal does not block the rest of the round, and is retried', async () => {
    makeAgent([
      ...NODE_ADDRS,
      { ifname: 'eth0', ip: '10.0.1.101', prefixLen: 32, label: 'eth0:bgplb', up: true },
    ]);
    const remove = addresses.remove.bind(addresses);
    let failures = 1;
    addresses.remove = async (a) => {
      if (failures-- > 0) throw new Error('RTNETLINK answers: Device or resource busy');
      return remove(a);
    };
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a', '10.0.1.101': 'node-b' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    // The new floating IP and its session went ahead; the stale one is still there.
    expect(agent.runningSessions()).toEqual(['tor1-node-a']);
    expect(addresses.has('10.0.1.101')).toBe(true);
    expect(agent.isReady()).toBe(false);
    expect((await metrics.reconcileErrors.get()).values[0]?.value).toBe(1);
    await settle(2_000);
    expect(addresses.has('10.0.1.101')).toBe(false);
    expect(agent.isReady()).toBe(true);
  });

  it('restarts a session whose settings changed, and stops one whose object is gone', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    log.length = 0;
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100', '10.0.1.253')]);
    await settle();
    expect(log).toEqual([
      'removePeer tor1-node-a: withdraw + Cease (session settings changed)',
      'addPeer tor1-node-a from 10.0.1.100',
    ]);
    log.length = 0;
    agent.setOwnSessions([]);
    await settle();
    expect(log).toEqual(['removePeer tor1-node-a: withdraw + Cease (BGPSession removed)']);
    // The address stays: it is still assigned to this node.
    expect(addresses.has('10.0.1.100')).toBe(true);
  });

  it('starts no round for its own status writes coming back through the watch; a spec change starts one', async () => {
    const withStatus = (rv: string, receivedPrefixes: number, peerIP?: string) => {
      const s = session('tor1-node-a', '10.0.1.100', peerIP) as { metadata: Record<string, unknown> };
      return {
        ...s,
        metadata: { ...s.metadata, resourceVersion: rv, managedFields: [{ manager: 'bgpadvertiser' }] },
        status: { state: 'Established', receivedPrefixes },
      };
    };
    const peer = (rv: string, status: unknown) => ({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPPeer',
      metadata: { name: 'tor1', namespace: 'cluster-demo', resourceVersion: rv },
      spec: { localASN: 65001, peerASN: 65000, peerIP: '10.0.1.254' },
      status,
    });
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([withStatus('1', 0)]);
    agent.setPeers([peer('1', {})]);
    agent.markSynced();
    await settle();
    const lists = vi.spyOn(addresses, 'list');
    // Well inside the 10 s resync: only what the lists change can start a round.
    for (let i = 2; i < 10; i++) {
      agent.setOwnSessions([withStatus(String(i), i * 1_000)]);
      agent.setPeers([peer(String(i), { sessions: i })]);
      await settle(50);
    }
    expect(lists).not.toHaveBeenCalled();
    log.length = 0;
    agent.setOwnSessions([withStatus('10', 10_000, '10.0.1.253')]);
    await settle(50);
    expect(lists).toHaveBeenCalledTimes(1);
    expect(log).toEqual([
      'removePeer tor1-node-a: withdraw + Cease (session settings changed)',
      'addPeer tor1-node-a from 10.0.1.100',
    ]);
    agent.setPeers([]);
    await settle(50);
    expect(lists).toHaveBeenCalledTimes(2);
  });

  it('reports NOTIFICATIONs and transport errors as lastError, once per distinct error', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    speaker.emit({
      type: 'error',
      peer: 'tor1-node-a',
      error: new Error('connect ECONNREFUSED 10.0.1.254:179'),
    });
    await settle();
    expect(writer.statuses.get('tor1-node-a')?.lastError).toEqual({
      code: 0,
      subcode: 0,
      message: 'connect ECONNREFUSED 10.0.1.254:179',
      time: '2026-01-01T00:00:00Z',
    });
    const writes = writer.writes.length;
    speaker.emit({
      type: 'error',
      peer: 'tor1-node-a',
      error: new Error('connect ECONNREFUSED 10.0.1.254:179'),
    });
    await settle();
    expect(writer.writes.length).toBe(writes);
    await settle(5_000);
    speaker.setState('tor1-node-a', 'Idle', {
      lastError: {
        code: 6,
        subcode: 4,
        text: 'Cease/Administrative Reset',
        direction: 'received',
        at: new Date(),
      },
    });
    await settle();
    expect(writer.statuses.get('tor1-node-a')?.lastError).toEqual({
      code: 6,
      subcode: 4,
      message: 'Cease/Administrative Reset',
      direction: 'received',
      time: '2026-01-01T00:00:05Z',
    });
  });

  it('next-hop liveness: a next hop that goes Down is withdrawn and sent at once, in neither batching window', async () => {
    await agent.shutdown('graceful-restart');
    const bfd = new FakeBfd({ now: () => Date.now() });
    makeAgent(NODE_ADDRS, {
      nextHopLiveness: {
        bfd: bfd as unknown as LivenessBfd,
        settings: { intervalMs: 300, multiplier: 3, holdDownMs: 3_000 },
      },
    });
    speaker.flush = () => log.push('flush');
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.setRoutes([route('default-default-web', '10.0.0.8/32', ['10.0.1.11', '10.0.1.12'])]);
    agent.markSynced();
    await settle();
    expect(bfd.sessions.map((s) => s.options.peer).sort()).toEqual(['10.0.1.11', '10.0.1.12']);
    bfd.set('10.0.1.11', 'Up', Date.now());
    bfd.set('10.0.1.12', 'Up', Date.now());
    await settle();
    log.length = 0;
    // No timer runs from here: the withdrawal reaches the speaker and is flushed in microtasks.
    bfd.set('10.0.1.11', 'Down', Date.now());
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(log).toEqual(['setPaths 10.0.0.8/32 10.0.1.12', 'flush']);
  });

  it('shutdown (withdraw) stops sessions, removes the floating IPs and reports Idle', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    log.length = 0;
    await agent.shutdown('withdraw');
    expect(log).toEqual([
      'removePeer tor1-node-a: withdraw + Cease (bgpadvertiser agent stopping)',
      'unlisten 10.0.1.100:179',
      'ip addr del 10.0.1.100/32 dev eth0',
    ]);
    expect(speaker.shutdownMessage).toBe('bgpadvertiser agent stopping');
    expect(writer.statuses.get('tor1-node-a')).toMatchObject({
      state: 'Idle',
      advertisedRoutes: [],
      lastError: { code: 6, subcode: 2, direction: 'sent' },
    });
    expect(agent.isReady()).toBe(false);
  });

  it('shutdown (drain) re-announces with GRACEFUL_SHUTDOWN, waits the drain delay, then withdraws', async () => {
    makeAgent(NODE_ADDRS, { exitDrain: { delayMs: 5_000, medIncrease: 100, asPathPrepend: 1 } });
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.setRoutes([route('web', '10.0.0.8/32', ['10.0.1.10', '10.0.1.11'], 7)]);
    agent.markSynced();
    await settle();
    log.length = 0;
    const sent: unknown[] = [];
    const origSet = speaker.setPaths.bind(speaker);
    speaker.setPaths = (prefix, paths, opts) => {
      sent.push({ prefix, paths });
      origSet(prefix, paths, opts);
    };
    let done = false;
    const stopping = agent.shutdown('drain').then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([
      {
        prefix: '10.0.0.8/32',
        paths: [
          { nextHop: '10.0.1.10', med: 107, communities: ['GRACEFUL_SHUTDOWN'], asPathPrepend: 1 },
          { nextHop: '10.0.1.11', med: 107, communities: ['GRACEFUL_SHUTDOWN'], asPathPrepend: 1 },
        ],
      },
    ]);
    // Nothing withdrawn during the delay.
    await vi.advanceTimersByTimeAsync(4_900);
    expect(done).toBe(false);
    expect(log.some((l) => l.startsWith('removePeer'))).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await stopping;
    expect(log).toContain('removePeer tor1-node-a: withdraw + Cease (bgpadvertiser agent stopping)');
    expect(log).toContain('ip addr del 10.0.1.100/32 dev eth0');
  });

  it('shutdown (graceful-restart) leaves sessions and addresses for the next run', async () => {
    agent.setGatewayGroup(ngg({ '10.0.1.100': 'node-a' }));
    agent.setOwnSessions([session('tor1-node-a', '10.0.1.100')]);
    agent.markSynced();
    await settle();
    log.length = 0;
    await agent.shutdown('graceful-restart');
    expect(log).toEqual([]);
    expect(addresses.has('10.0.1.100')).toBe(true);
  });
});
