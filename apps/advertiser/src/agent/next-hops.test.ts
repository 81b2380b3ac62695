import { rendezvousTopK } from '@bgplb/floating-ip-allocator';
import { describe, expect, it } from 'vitest';
import { NextHopChooser } from './next-hops.js';

const hops = ['10.0.1.10', '10.0.1.11', '10.0.1.12'].map((nextHop) => ({ nextHop, med: 0 }));

function sessionObj(floatingIP: string, peerIP: string): unknown {
  return { spec: { floatingIP, peerIP } };
}

describe('NextHopChooser', () => {
  it('gives the k sessions of one peer k distinct next hops, session i the i-th ranked', () => {
    const chooser = new NextHopChooser();
    const fips = ['10.0.1.100', '10.0.1.101', '10.0.1.102'];
    chooser.setClusterSessions(fips.map((f) => sessionObj(f, '10.0.1.254')));
    const chosen = fips.map((f) => chooser.choose('10.0.0.8/32', hops, '10.0.1.254', f)?.nextHop);
    expect(new Set(chosen).size).toBe(3);
    // With no history, session i (floating IPs sorted by address) announces rank i.
    expect(chosen).toEqual(
      rendezvousTopK(
        '10.0.0.8',
        hops.map((h) => h.nextHop),
        3,
      ),
    );
  });

  it('agrees across nodes: each node computes only its own session, with the same result', () => {
    const fips = ['10.0.1.100', '10.0.1.101'];
    const onA = new NextHopChooser();
    const onB = new NextHopChooser();
    for (const c of [onA, onB]) c.setClusterSessions(fips.map((f) => sessionObj(f, '10.0.1.254')));
    for (const vip of ['10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32', '10.0.0.4/32']) {
      const a = onA.choose(vip, hops, '10.0.1.254', '10.0.1.100')?.nextHop;
      const b = onB.choose(vip, hops, '10.0.1.254', '10.0.1.101')?.nextHop;
      expect(a).toBeDefined();
      expect(a).not.toBe(b);
    }
  });

  it('counts its own session even before the cluster view shows it', () => {
    const chooser = new NextHopChooser();
    expect(chooser.sessionsOf('10.0.1.254', '10.0.1.100')).toEqual(['10.0.1.100']);
    expect(chooser.choose('10.0.0.8/32', hops, '10.0.1.254', '10.0.1.100')?.nextHop).toBe(
      rendezvousTopK(
        '10.0.0.8',
        hops.map((h) => h.nextHop),
        1,
      )[0],
    );
  });

  it('reports which peers changed their set of sessions', () => {
    const chooser = new NextHopChooser();
    expect([
      ...chooser.setClusterSessions([sessionObj('10.0.1.100', 'p1'), sessionObj('10.0.1.100', 'p2')]),
    ]).toEqual(['p1', 'p2']);
    expect([
      ...chooser.setClusterSessions([sessionObj('10.0.1.100', 'p1'), sessionObj('10.0.1.100', 'p2')]),
    ]).toEqual([]);
    expect([
      ...chooser.setClusterSessions([
        sessionObj('10.0.1.100', 'p1'),
        sessionObj('10.0.1.101', 'p1'),
        { spec: {} },
      ]),
    ]).toEqual(['p1', 'p2']);
  });

  it('is stateless: agents with different histories agree, so a peer never gets one next hop twice', () => {
    const fips = ['10.0.1.100', '10.0.1.101'];
    const many = ['10.0.1.10', '10.0.1.11', '10.0.1.12', '10.0.1.13', '10.0.1.14'].map((nextHop) => ({
      nextHop,
    }));
    const oldAgent = new NextHopChooser();
    oldAgent.setClusterSessions(fips.map((f) => sessionObj(f, 'p')));
    for (let v = 1; v <= 20; v++) {
      const vip = `10.0.0.${v}/32`;
      const gone = oldAgent.choose(vip, many, 'p', '10.0.1.100')?.nextHop;
      const left = many.filter((h) => h.nextHop !== gone);
      // The old agent saw the node leave; a freshly restarted one did not. Same answers.
      const fresh = new NextHopChooser();
      fresh.setClusterSessions(fips.map((f) => sessionObj(f, 'p')));
      const a = oldAgent.choose(vip, left, 'p', '10.0.1.100')?.nextHop;
      const b = fresh.choose(vip, left, 'p', '10.0.1.101')?.nextHop;
      expect(a).toBe(fresh.choose(vip, left, 'p', '10.0.1.100')?.nextHop);
      expect(a).not.toBe(b);
      expect(a).not.toBe(gone);
    }
  });

  it('handles one path, no path, and forgets withdrawn prefixes', () => {
    const chooser = new NextHopChooser();
    expect(chooser.choose('10.0.0.8/32', [], 'p', '10.0.1.100')).toBeUndefined();
    expect(chooser.choose('10.0.0.8/32', [{ nextHop: '10.0.1.10' }], 'p', '10.0.1.100')).toEqual({
      nextHop: '10.0.1.10',
    });
    chooser.choose('10.0.0.8/32', hops, 'p', '10.0.1.100');
    chooser.forget('10.0.0.8/32');
    expect(chooser.choose('10.0.0.8/32', hops, 'p', '10.0.1.100')).toBeDefined();
  });
});
