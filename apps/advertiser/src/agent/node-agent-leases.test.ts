/**
 * The node agent with per-floating-IP Leases on: a floating IP goes on the interface only after
 * its Lease is claimed, and comes off (sessions closed first, then the address) when the API
 * server has been unreachable for the expiry time: the agent fences itself.
 */
import { systemClock } from '@bgplb/bgp-fsm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRegistry } from '../shared/index.js';
import type { ObservedAddress } from '../shared/ip-addresses.js';
import { captureLogger } from '../test-support/log-capture.js';
import { AgentMetrics } from './metrics.js';
import { NodeAgent } from './node-agent.js';
import { StatusReporter } from './status-reporter.js';
import { FakeAddresses, FakeAgentSpeaker, MemoryStatusWriter } from './test-support/fakes.js';
import { MemoryLeaseStore } from './test-support/memory-leases.js';

const NODE_ADDRS: ObservedAddress[] = [
  { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, label: 'eth0', up: true },
];
const NGG = {
  apiVersion: 'networking.gke.io/v1',
  kind: 'NetworkGatewayGroup',
  metadata: { name: 'default', namespace: 'cluster-demo' },
  spec: { floatingIPs: ['10.0.1.100'] },
  status: { floatingIPs: { '10.0.1.100': 'node-a' } },
};
const SESSION = {
  apiVersion: 'networking.gke.io/v1',
  kind: 'BGPSession',
  metadata: { name: 'tor1-node-a', namespace: 'kube-system' },
  spec: {
    floatingIP: '10.0.1.100',
    localIP: '10.0.1.100',
    localASN: 65001,
    peerASN: 65000,
    nodeName: 'node-a',
    peerIP: '10.0.1.254',
  },
};

describe('NodeAgent with floating-IP Leases', () => {
  let log: string[];
  let addresses: FakeAddresses;
  let store: MemoryLeaseStore;
  let reporter: StatusReporter;
  let metrics: AgentMetrics;
  let agent: NodeAgent;
  const logs = captureLogger('debug');

  async function settle(ms = 100): Promise<void> {
    await vi.advanceTimersByTimeAsync(ms);
    await agent.idle();
  }

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-12-05T00:00:00Z') });
    log = [];
    addresses = new FakeAddresses(NODE_ADDRS, log);
    store = new MemoryLeaseStore(systemClock);
    reporter = new StatusReporter({ writer: new MemoryStatusWriter() });
    metrics = new AgentMetrics(createRegistry());
    agent = new NodeAgent({
      node: 'node-a',
      speaker: new FakeAgentSpeaker(log),
      addresses,
      reporter,
      logger: logs.log,
      metrics,
      resyncMs: 10_000,
      clock: systemClock, // Date.now() is faked by vi.useFakeTimers
      floatingIPLeases: { store, settings: { namespace: 'kube-system', renewMs: 1000, expiryMs: 3000 } },
    });
  });
  afterEach(async () => {
    reporter.stop();
    await agent.shutdown('graceful-restart');
    vi.useRealTimers();
  });

  it('claims the Lease before adding the address; API unreachable -> withdraws and drops the floating IP after the expiry', async () => {
    agent.setGatewayGroup(NGG);
    agent.setOwnSessions([SESSION]);
    agent.markSynced();
    await settle();
    expect(store.lease('kube-system', 'bgplb-fip-10.0.1.100')?.spec.holderIdentity).toBe('node-a');
    expect(log).toEqual([
      'ip addr add 10.0.1.100/32 dev eth0 label eth0:bgplb',
      'arping -U -c 3 -I eth0 10.0.1.100',
      'listen 10.0.1.100:179',
      'addPeer tor1-node-a from 10.0.1.100',
    ]);
    log.length = 0;
    // Renewals keep it.
    await settle(5000);
    expect(agent.heldFloatingIPs()).toEqual(['10.0.1.100']);
    // The API server becomes unreachable (a partition, or the node losing its uplink to it).
    const lastOk = store.writes.at(-1)!.at;
    store.unreachable = true;
    await settle(lastOk + 2900 - Date.now());
    expect(agent.heldFloatingIPs()).toEqual(['10.0.1.100']);
    expect(log).toEqual([]);
    await settle(200);
    // Sessions first (withdraw + Cease), then the listener, then the address.
    expect(log).toEqual([
      'removePeer tor1-node-a: withdraw + Cease (the Lease of floating IP 10.0.1.100 could not be renewed for 3.0 s (expiry 3.0 s): fenced)',
      'unlisten 10.0.1.100:179',
      'ip addr del 10.0.1.100/32 dev eth0',
    ]);
    expect(agent.heldFloatingIPs()).toEqual([]);
    expect((await metrics.leaseFenced.get()).values[0]?.value).toBe(1);
    expect(logs.lines.some((l) => /fenced; dropping the floating IP/.test(String(l.msg)))).toBe(true);
    // Back: the Lease is renewed and the floating IP returns (the controller left it here).
    store.unreachable = false;
    log.length = 0;
    await settle(1500);
    expect(agent.heldFloatingIPs()).toEqual(['10.0.1.100']);
    expect(log[0]).toBe('ip addr add 10.0.1.100/32 dev eth0 label eth0:bgplb');
  });

  it('never adds a floating IP whose Lease it cannot claim', async () => {
    store.unreachable = true;
    agent.setGatewayGroup(NGG);
    agent.setOwnSessions([SESSION]);
    agent.markSynced();
    await settle(2500);
    expect(log).toEqual([]);
    expect(agent.heldFloatingIPs()).toEqual([]);
  });
});
