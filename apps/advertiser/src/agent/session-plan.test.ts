import { describe, expect, it } from 'vitest';
import { diffPeers, planSessions, type SessionPlanInput } from './session-plan.js';

function session(name: string, spec: Record<string, unknown>): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPSession',
    metadata: { name, namespace: 'kube-system' },
    spec: {
      localASN: 65001,
      peerASN: 65000,
      localIP: '10.0.1.100',
      nodeName: 'node-a',
      peerIP: '10.0.1.254',
      floatingIP: '10.0.1.100',
      ...spec,
    },
  };
}

function peer(name: string, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPPeer',
    metadata: { name, namespace: 'cluster-demo' },
    spec: { localASN: 65001, peerASN: 65000, peerIP: '10.0.1.254', sessions: 2, ...spec },
  };
}

const base: SessionPlanInput = {
  node: 'node-a',
  sessions: [],
  peers: [],
  assignments: { '10.0.1.100': 'node-a', '10.0.1.101': 'node-b' },
  gatewayGroupFound: true,
  held: new Set(['10.0.1.100']),
  floatingIPProblems: new Map(),
  peerPort: 179,
  gracefulRestartTime: 120,
  defaultConnectRetryTime: 5,
};

describe('planSessions', () => {
  it('runs a session from a held floating IP with the BGPPeer timers', () => {
    const plan = planSessions({
      ...base,
      sessions: [session('tor1-node-a', {})],
      peers: [peer('tor1', { holdTime: 9, keepaliveTime: 3, connectRetryTime: 2 }), peer('tor2')],
    });
    expect(plan.refused.size).toBe(0);
    expect(plan.desired.get('tor1-node-a')?.config).toEqual({
      id: 'tor1-node-a',
      localAddress: '10.0.1.100',
      localAsn: 65001,
      peerAddress: '10.0.1.254',
      peerAsn: 65000,
      peerPort: 179,
      holdTime: 9,
      keepaliveTime: 3,
      connectRetryTime: 2,
      addPath: true,
      gracefulRestartTime: 120,
      bgpPeer: 'tor1',
    });
  });

  it('uses RFC defaults and the agent connect retry without a BGPPeer; finds a peer by address otherwise', () => {
    const none = planSessions({ ...base, sessions: [session('10.0.1.254-node-a', {})] });
    expect(none.desired.get('10.0.1.254-node-a')?.config).toMatchObject({
      holdTime: 90,
      keepaliveTime: 30,
      connectRetryTime: 5,
      bgpPeer: undefined,
    });
    const byAddress = planSessions({
      ...base,
      sessions: [session('renamed-node-a', {})],
      peers: [peer('tor1', { holdTime: 30 })],
    });
    expect(byAddress.desired.get('renamed-node-a')?.config).toMatchObject({
      holdTime: 30,
      keepaliveTime: 10,
      bgpPeer: 'tor1',
    });
  });

  it("finds the BGPPeer by the controller's peer label first", () => {
    const labelled = session('x-node-a', {}) as { metadata: Record<string, unknown> };
    labelled.metadata.labels = { 'networking.gke.io/peer': 'tor2' };
    const plan = planSessions({
      ...base,
      sessions: [labelled],
      peers: [peer('x', { holdTime: 30 }), peer('tor2', { holdTime: 60 })],
    });
    expect(plan.desired.get('x-node-a')?.config).toMatchObject({ holdTime: 60, bgpPeer: 'tor2' });
  });

  it('refuses a session whose floating IP this node does not hold, saying who holds it', () => {
    const plan = planSessions({
      ...base,
      sessions: [
        session('tor1-node-a', { floatingIP: '10.0.1.101' }),
        session('tor2-node-a', { floatingIP: '10.0.1.102' }),
      ],
    });
    expect(plan.desired.size).toBe(0);
    expect(plan.refused.get('tor1-node-a')).toBe(
      'floating IP 10.0.1.101 is assigned to node node-b, not to node-a: this node does not hold it',
    );
    expect(plan.refused.get('tor2-node-a')).toBe(
      'floating IP 10.0.1.102 is not assigned to any node in the NetworkGatewayGroup; node node-a does not hold it',
    );
  });

  it('refuses when the floating IP is assigned but not on an interface, or there is no NetworkGatewayGroup', () => {
    const notPlaced = planSessions({
      ...base,
      held: new Set(),
      floatingIPProblems: new Map([
        ['10.0.1.100', 'no interface on node node-a has an address in the subnet of floating IP 10.0.1.100'],
      ]),
      sessions: [session('tor1-node-a', {})],
    });
    expect(notPlaced.refused.get('tor1-node-a')).toMatch(/no interface on node node-a/);
    const pending = planSessions({ ...base, held: new Set(), sessions: [session('tor1-node-a', {})] });
    expect(pending.refused.get('tor1-node-a')).toBe(
      'floating IP 10.0.1.100 is assigned to node node-a but is not on any interface yet',
    );
    const noGroup = planSessions({
      ...base,
      held: new Set(),
      assignments: {},
      gatewayGroupFound: false,
      sessions: [session('tor1-node-a', {})],
    });
    expect(noGroup.refused.get('tor1-node-a')).toMatch(/there is no NetworkGatewayGroup "default"/);
  });

  it('refuses invalid objects and iBGP with a clear reason', () => {
    const plan = planSessions({
      ...base,
      sessions: [
        session('bad-node-a', { peerIP: 'not-an-ip' }),
        session('ibgp-node-a', { peerASN: 65001 }),
        { metadata: {} },
      ],
    });
    expect(plan.refused.get('bad-node-a')).toMatch(
      /^invalid BGPSession: .*spec\.peerIP: "not-an-ip" is not a valid IPv4 \(a\.b\.c\.d\) or IPv6 address$/,
    );
    expect(plan.refused.get('ibgp-node-a')).toBe(
      'localASN and peerASN are both 65001: bgplb peers over eBGP only, the ASNs must differ',
    );
  });

  it('ignores control-plane sessions (no floating IP) and other nodes', () => {
    const plan = planSessions({
      ...base,
      sessions: [
        session('cp-node-a', { floatingIP: undefined }),
        session('tor1-node-b', { nodeName: 'node-b' }),
      ],
    });
    expect(plan.ignored).toEqual(['cp-node-a']);
    expect(plan.desired.size + plan.refused.size).toBe(0);
  });

  it('runs only one session per address pair', () => {
    const plan = planSessions({
      ...base,
      sessions: [session('b-node-a', {}), session('a-node-a', {})],
    });
    expect([...plan.desired.keys()]).toEqual(['a-node-a']);
    expect(plan.refused.get('b-node-a')).toMatch(/^duplicate of BGPSession a-node-a/);
  });
});

describe('diffPeers', () => {
  it('adds and removes exactly the changed sessions', () => {
    const plan = planSessions({
      ...base,
      held: new Set(['10.0.1.100', '10.0.1.101']),
      assignments: { '10.0.1.100': 'node-a', '10.0.1.101': 'node-a' },
      sessions: [session('keep-node-a', {}), session('new-node-a', { floatingIP: '10.0.1.101' })],
    });
    const keep = plan.desired.get('keep-node-a');
    const running = new Map([
      ['keep-node-a', keep?.fingerprint ?? ''],
      ['gone-node-a', 'x'],
    ]);
    const diff = diffPeers(running, plan.desired);
    expect(diff.remove).toEqual(['gone-node-a']);
    expect(diff.add.map((d) => d.name)).toEqual(['new-node-a']);
    const changed = diffPeers(new Map([['keep-node-a', 'old']]), new Map([['keep-node-a', keep!]]));
    expect(changed.remove).toEqual(['keep-node-a']);
    expect(changed.add.map((d) => d.name)).toEqual(['keep-node-a']);
  });
});
