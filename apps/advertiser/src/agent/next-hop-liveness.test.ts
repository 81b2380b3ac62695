import type { EventSpec } from '@bgplb/kube-runtime';
import { FakeClock } from '@bgplb/kube-runtime';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { type LivenessBfd, NextHopLiveness } from './next-hop-liveness.js';
import { FakeBfd } from './test-support/fake-bfd.js';

const flush = () => new Promise((r) => setImmediate(r));
const messages = (logs: { lines: Record<string, unknown>[] }) => logs.lines.map((l) => String(l.msg));

function setup() {
  const clock = new FakeClock(1_000_000);
  const bfd = new FakeBfd(clock);
  const events: EventSpec[] = [];
  const logs = captureLogger('debug');
  let changes = 0;
  const liveness = new NextHopLiveness({
    node: 'node-a',
    bfd: bfd as unknown as LivenessBfd,
    settings: { intervalMs: 300, multiplier: 3, holdDownMs: 3_000 },
    clock,
    logger: logs.log,
    events: { record: (e) => events.push(e) },
    onChange: () => changes++,
  });
  return { clock, bfd, events, liveness, logs, changes: () => changes };
}

const OBSERVED = [
  { ifname: 'eth0', ip: '10.0.1.10', prefixLen: 24, up: true },
  { ifname: 'eth0', ip: '10.0.1.100', prefixLen: 32, label: 'eth0:bgplb', up: true },
];

describe('NextHopLiveness: sessions', () => {
  it('as a holder: one active session from its lowest floating IP to every next hop but itself', async () => {
    const { bfd, liveness } = setup();
    liveness.setNode({ held: ['10.0.1.101', '10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.10', '10.0.1.11', '10.0.9.9']));
    await flush();
    expect(bfd.sessions.map((s) => s.options)).toEqual([
      { peer: '10.0.1.11', local: '10.0.1.100', multihop: false, minTxMs: 300, minRxMs: 300, multiplier: 3 },
      { peer: '10.0.9.9', local: '10.0.1.100', multihop: true, minTxMs: 300, minRxMs: 300, multiplier: 3 },
    ]);
    // The next hop leaves the routes: its session goes.
    liveness.setNextHops(new Set(['10.0.1.10', '10.0.1.11']));
    await flush();
    expect(bfd.removed).toEqual(['10.0.9.9']);
    expect(liveness.report().sessions).toBe(1);
  });

  it("as a responder: a passive session from its next-hop address to every other holder's floating IP", async () => {
    const { bfd, liveness } = setup();
    liveness.setNode({
      held: [],
      observed: OBSERVED.slice(0, 1),
      othersFloatingIPs: ['10.0.1.101', '10.0.5.5'],
    });
    liveness.setNextHops(new Set(['10.0.1.10', '10.0.1.11']));
    await flush();
    expect(bfd.sessions.map((s) => s.options)).toEqual([
      {
        peer: '10.0.1.101',
        local: '10.0.1.10',
        multihop: false,
        passive: true,
        minTxMs: 300,
        minRxMs: 300,
        multiplier: 3,
      },
      {
        peer: '10.0.5.5',
        local: '10.0.1.10',
        multihop: true,
        passive: true,
        minTxMs: 300,
        minRxMs: 300,
        multiplier: 3,
      },
    ]);
  });

  it('a dual-stack holder checks each family from its lowest floating IP of that family', async () => {
    const { bfd, liveness, logs } = setup();
    const observed = [
      ...OBSERVED,
      { ifname: 'eth0', ip: '2001:db8:1::10', prefixLen: 64, up: true },
      { ifname: 'eth0', ip: '2001:db8:1::100', prefixLen: 128, up: true },
    ];
    liveness.setNode({
      held: ['2001:db8:1::101', '10.0.1.100', '2001:db8:1::100'],
      observed,
      othersFloatingIPs: [],
    });
    liveness.setNextHops(new Set(['10.0.1.11', '2001:db8:1::10', '2001:db8:1::11', '2001:db8:9::9']));
    await flush();
    expect(bfd.sessions.map((s) => [s.options.peer, s.options.local, s.options.multihop])).toEqual([
      ['10.0.1.11', '10.0.1.100', false],
      ['2001:db8:1::11', '2001:db8:1::100', false],
      ['2001:db8:9::9', '2001:db8:1::100', true],
    ]);
    expect(messages(logs).filter((m) => /cannot start|not checked/.test(m))).toEqual([]);
  });

  it('a holder without a floating IP of a family leaves its next hops unchecked and says so once', async () => {
    const { bfd, liveness, logs } = setup();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.11', '2001:db8:1::11', '2001:db8:1::12']));
    await flush();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: ['10.0.1.101'] });
    await flush();
    expect(bfd.sessions.map((s) => s.options.peer)).toEqual(['10.0.1.11']);
    expect(messages(logs).filter((m) => /not checked/.test(m))).toEqual([
      'next-hop liveness: no floating IP of their address family held here, next hops 2001:db8:1::11, 2001:db8:1::12 are not checked (announced as the routes say)',
    ]);
    // Unchecked next hops are never withdrawn by liveness.
    expect(liveness.withdrawn().size).toBe(0);
  });

  it('a dual-stack responder answers each holder only from its next-hop address of the same family', async () => {
    const { bfd, liveness } = setup();
    liveness.setNode({
      held: [],
      observed: [
        { ifname: 'eth0', ip: '10.0.1.11', prefixLen: 24, up: true },
        { ifname: 'eth0', ip: '2001:db8:1::11', prefixLen: 64, up: true },
      ],
      othersFloatingIPs: ['10.0.1.100', '2001:db8:1::100'],
    });
    liveness.setNextHops(new Set(['10.0.1.11', '2001:db8:1::11']));
    await flush();
    expect(bfd.sessions.map((s) => [s.options.local, s.options.peer, s.options.passive])).toEqual([
      ['10.0.1.11', '10.0.1.100', true],
      ['2001:db8:1::11', '2001:db8:1::100', true],
    ]);
  });

  it('a session that cannot start is reported once and tried again on the next update', async () => {
    const { bfd, liveness, logs } = setup();
    bfd.failFor.add('10.0.1.11');
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.11']));
    await flush();
    expect(bfd.sessions).toHaveLength(0);
    expect(messages(logs).filter((m) => /cannot start the BFD session to 10\.0\.1\.11/.test(m))).toHaveLength(
      1,
    );
    bfd.failFor.clear();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    await flush();
    expect(bfd.sessions.map((s) => s.options.peer)).toEqual(['10.0.1.11']);
  });

  it('stop removes every session and ignores later state changes', async () => {
    const { bfd, liveness } = setup();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.11', '10.0.1.12']));
    await flush();
    await liveness.stop();
    expect(bfd.removed.sort()).toEqual(['10.0.1.11', '10.0.1.12']);
  });
});

describe('NextHopLiveness: decisions', () => {
  it('withdraws on Down (Event, onChange, route-status standing), restores after the hold-down', async () => {
    const { clock, bfd, events, liveness, changes } = setup();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.10', '10.0.1.11', '10.0.1.12']));
    await flush();
    bfd.set('10.0.1.11', 'Up', clock.now());
    bfd.set('10.0.1.12', 'Up', clock.now());
    expect(liveness.report().nextHops).toEqual({ '10.0.1.11': 'announced', '10.0.1.12': 'announced' });

    clock.advance(5_000);
    bfd.set('10.0.1.11', 'Down', clock.now());
    expect([...liveness.withdrawn()]).toEqual(['10.0.1.11']);
    expect(changes()).toBe(1);
    expect(events.map((e) => [e.type, e.reason, e.involved.name])).toEqual([
      ['Warning', 'NextHopWithdrawn', 'node-a'],
    ]);
    expect(liveness.standing().get('10.0.1.11')).toEqual({
      state: 'withdrawn',
      reason: 'bfd-down',
      since: clock.now(),
    });

    clock.advance(1_000);
    bfd.set('10.0.1.11', 'Up', clock.now());
    expect(liveness.standing().get('10.0.1.11')?.state).toBe('hold-down');
    clock.advance(2_999);
    expect([...liveness.withdrawn()]).toEqual(['10.0.1.11']);
    clock.advance(1);
    expect([...liveness.withdrawn()]).toEqual([]);
    expect(changes()).toBe(2);
    expect(events.at(-1)?.reason).toBe('NextHopRestored');
    expect(liveness.standing().size).toBe(0);
  });

  it('a dual-stack holder that is a next hop in both families withdraws the one other node that died', async () => {
    const { clock, bfd, liveness } = setup();
    const observed = [
      ...OBSERVED,
      { ifname: 'eth0', ip: '2001:db8:1::10', prefixLen: 64, up: true },
      { ifname: 'eth0', ip: '2001:db8:1::100', prefixLen: 128, up: true },
    ];
    liveness.setNode({ held: ['10.0.1.100', '2001:db8:1::100'], observed, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.10', '10.0.1.11', '2001:db8:1::10', '2001:db8:1::11']));
    await flush();
    bfd.set('10.0.1.11', 'Up', clock.now());
    bfd.set('2001:db8:1::11', 'Up', clock.now());
    clock.advance(5_000);
    // node-b dies: both of its sessions go silent and Down, against this node's two next hops.
    bfd.silence('10.0.1.11', clock.now() - 900);
    bfd.silence('2001:db8:1::11', clock.now() - 900);
    bfd.set('10.0.1.11', 'Down', clock.now());
    bfd.set('2001:db8:1::11', 'Down', clock.now());
    expect(liveness.isolationSuspected()).toBe(false);
    expect([...liveness.withdrawn()].sort()).toEqual(['10.0.1.11', '2001:db8:1::11']);
  });

  it('suspects itself when every next hop fails at once: keeps them and raises the alert', async () => {
    const { clock, bfd, events, liveness, logs } = setup();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.11', '10.0.1.12']));
    await flush();
    bfd.set('10.0.1.11', 'Up', clock.now());
    bfd.set('10.0.1.12', 'Up', clock.now());
    // Cut: both go silent; 10.0.1.11's detection fires first.
    bfd.silence('10.0.1.11', clock.now());
    bfd.silence('10.0.1.12', clock.now() + 100);
    clock.advance(900);
    bfd.set('10.0.1.11', 'Down', clock.now());
    expect(liveness.isolationSuspected()).toBe(true);
    expect([...liveness.withdrawn()]).toEqual([]);
    expect(events.map((e) => e.reason)).toEqual(['SelfIsolationSuspected']);
    expect(
      messages(logs).some((m) => /self-isolation suspected: 2 of 2 next hops failed at once/.test(m)),
    ).toBe(true);
    bfd.set('10.0.1.12', 'Down', clock.now() + 100);
    expect(liveness.standing().get('10.0.1.12')?.state).toBe('kept');
    // Both back: cleared.
    clock.advance(5_000);
    bfd.set('10.0.1.11', 'Up', clock.now());
    bfd.set('10.0.1.12', 'Up', clock.now());
    expect(liveness.isolationSuspected()).toBe(false);
    expect(events.at(-1)?.reason).toBe('SelfIsolationCleared');
  });

  it('a wake-up decides after the packets that waited behind it: a next hop still heard is not taken for silent', async () => {
    const { clock, bfd, liveness } = setup();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.11', '10.0.1.12']));
    await flush();
    bfd.set('10.0.1.11', 'Up', clock.now());
    bfd.set('10.0.1.12', 'Up', clock.now());
    clock.advance(5_000);
    // 10.0.1.12's last packet was read now; 10.0.1.11 goes Down: withdrawn, and a wake-up is due
    // when 10.0.1.12 would count as silent (half its 900 ms detection time, + 1 ms).
    bfd.silence('10.0.1.12', clock.now());
    bfd.set('10.0.1.11', 'Down', clock.now());
    expect([...liveness.withdrawn()]).toEqual(['10.0.1.11']);
    // The loop runs late: when the wake-up's timer runs, 10.0.1.12's next packet is already
    // waiting to be read (I/O comes after the timers of a turn; here: the next timer due then).
    clock.setTimeout(() => bfd.silence('10.0.1.12', clock.now()), 451);
    clock.advance(451);
    expect(liveness.isolationSuspected()).toBe(false);
    expect([...liveness.withdrawn()]).toEqual(['10.0.1.11']);
    // Nothing more arrives: the next wake-up finds it silent, and the guard starts.
    clock.advance(451);
    expect(liveness.isolationSuspected()).toBe(true);
  });

  it("does not withdraw on the peer's AdminDown (its agent stopped cleanly)", async () => {
    const { clock, bfd, liveness } = setup();
    liveness.setNode({ held: ['10.0.1.100'], observed: OBSERVED, othersFloatingIPs: [] });
    liveness.setNextHops(new Set(['10.0.1.10', '10.0.1.11']));
    await flush();
    bfd.set('10.0.1.11', 'Up', clock.now());
    clock.advance(1_000);
    bfd.set('10.0.1.11', 'Down', clock.now(), 'AdminDown');
    expect([...liveness.withdrawn()]).toEqual([]);
    expect(liveness.report().nextHops['10.0.1.11']).toBe('peer-admin-down');
  });
});
