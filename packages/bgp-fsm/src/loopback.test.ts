/**
 * Two of our speakers over real TCP on 127.0.0.x (no root needed): ADD-PATH on and off, route
 * refresh, withdrawal, graceful restart and connection collisions.
 */
import { encodeMessage } from '@bgplb/bgp-wire';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpeakerEvent } from './events.js';
import { BgpSpeaker, type PeerOptions } from './speaker.js';

const A = '127.0.0.1';
const B = '127.0.0.2';
const speakers: BgpSpeaker[] = [];
const lastEvents: unknown[] = [];

afterEach(async () => {
  await Promise.all(speakers.splice(0).map((s) => s.shutdown()));
});

function speaker(): { s: BgpSpeaker; events: SpeakerEvent[] } {
  const s = new BgpSpeaker({ batchWindowMs: 5 });
  const events: SpeakerEvent[] = [];
  s.on('event', (e) => {
    events.push(e);
    lastEvents.push({ s: speakers.indexOf(s), ...e });
  });
  speakers.push(s);
  return { s, events };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) {
      const dump = speakers.map((s) =>
        JSON.stringify(s.peers().map((p) => [p.id, p.state, p.lastError?.text])),
      );
      throw new Error(
        `timed out waiting for ${what}: ${dump.join(' ')} ${JSON.stringify(lastEvents.slice(-12))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

const base = { connectRetryTime: 0.2, idleHoldTime: 0.05, idleHoldMaxTime: 0.2 };

async function pair(a: Partial<PeerOptions> = {}, b: Partial<PeerOptions> = {}) {
  const x = speaker();
  const y = speaker();
  const listener = await y.s.listen(B, 0);
  y.s.addPeer({
    localAddress: B,
    localAsn: 65002,
    peerAddress: A,
    peerAsn: 65001,
    passive: true,
    ...base,
    ...b,
  });
  x.s.addPeer({
    localAddress: A,
    localAsn: 65001,
    peerAddress: B,
    peerAsn: 65002,
    peerPort: listener.port,
    ...base,
    ...a,
  });
  await until(
    'Established',
    () => x.s.peerStatus(B)?.state === 'Established' && y.s.peerStatus(A)?.state === 'Established',
  );
  return { a: x, b: y, port: listener.port, listener };
}

const nlri = (events: SpeakerEvent[]) =>
  events.flatMap((e) =>
    e.type === 'update-received' ? e.nlri.map((p, i) => `${p}#${e.pathIds?.[i] ?? '-'}`) : [],
  );

describe('loopback TCP between two speakers', () => {
  it('ADD-PATH on: every path arrives with its path id; withdrawal of one next hop', async () => {
    const { a, b } = await pair();
    a.s.setPaths('203.0.113.5/32', [{ nextHop: '192.0.2.1' }, { nextHop: '192.0.2.2' }]);
    await until('2 paths', () => nlri(b.events).length === 2);
    expect(nlri(b.events).sort()).toEqual(['203.0.113.5/32#1', '203.0.113.5/32#2']);
    a.s.setPaths('203.0.113.5/32', [{ nextHop: '192.0.2.2' }]);
    await until('withdrawal', () =>
      b.events.some((e) => e.type === 'update-received' && e.withdrawn.length > 0),
    );
    const w = b.events.find((e) => e.type === 'update-received' && e.withdrawn.length > 0);
    expect(w).toMatchObject({ withdrawn: ['203.0.113.5/32'], pathIds: [1] });
    expect(b.s.peerStatus(A)?.counters.prefixesReceived).toBe(1);
  });

  it('ADD-PATH off: one path per prefix, implicit replacement, route refresh re-sends', async () => {
    const { a, b } = await pair({ addPath: false });
    expect(a.s.peerStatus(B)?.negotiated?.addPathSend).toBe(false);
    a.s.setPaths('203.0.113.6/32', [
      { nextHop: '192.0.2.1' },
      { nextHop: '192.0.2.2' },
      { nextHop: '192.0.2.3' },
    ]);
    await until('1 path', () => nlri(b.events).length === 1);
    expect(nlri(b.events)).toEqual(['203.0.113.6/32#-']);
    const before = b.events.length;
    // Not enhanced on one side: a plain request re-sends without BoRR/EoRR.
    const session = b.s.session(A) as unknown as { send(bytes: Uint8Array, t: string): boolean };
    session.send(encodeMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }), 'route-refresh');
    await until('re-send', () => nlri(b.events.slice(before)).length === 1);
    a.s.withdraw('203.0.113.6/32');
    await until('withdrawn', () => b.s.peerStatus(A)?.counters.prefixesReceived === 0);
  });

  it('graceful restart: the restarted speaker re-sends and ends with End-of-RIB, no withdrawal', async () => {
    const { a, b, port } = await pair({ gracefulRestart: { restartTime: 60 } });
    a.s.setPaths('203.0.113.7/32', [{ nextHop: '192.0.2.1' }]);
    await until('route', () => nlri(b.events).length === 1);
    const snapshot = a.s.snapshot();
    await a.s.shutdown({ graceful: true });
    const before = b.events.length;
    const a2 = speaker();
    for (const r of snapshot) a2.s.setPaths(r.prefix, r.paths);
    a2.s.addPeer({
      localAddress: A,
      localAsn: 65001,
      peerAddress: B,
      peerAsn: 65002,
      peerPort: port,
      gracefulRestart: { restartTime: 60, restarting: true },
      ...base,
    });
    await until('re-established', () => a2.s.peerStatus(B)?.state === 'Established', 8000);
    await until('EoR', () => b.events.slice(before).some((e) => e.type === 'end-of-rib-received'));
    const after = b.events.slice(before);
    expect(nlri(after)).toEqual(['203.0.113.7/32#1']);
    expect(after.some((e) => e.type === 'update-received' && e.withdrawn.length > 0)).toBe(false);
    expect(after.some((e) => e.type === 'notification-received')).toBe(false);
  });

  for (const [name, aId, bId] of [
    ['the peer with the higher identifier keeps its connection (ours wins)', '10.9.9.9', '10.1.1.1'],
    ['the peer with the higher identifier keeps its connection (theirs wins)', '10.1.1.1', '10.9.9.9'],
  ] as const) {
    it(`connection collision: ${name}`, async () => {
      const x = speaker();
      const y = speaker();
      const lx = await x.s.listen(A, 0);
      const ly = await y.s.listen(B, 0);
      x.s.addPeer({
        localAddress: A,
        localAsn: 65001,
        peerAddress: B,
        peerAsn: 65002,
        peerPort: ly.port,
        routerId: aId,
        ...base,
      });
      y.s.addPeer({
        localAddress: B,
        localAsn: 65002,
        peerAddress: A,
        peerAsn: 65001,
        peerPort: lx.port,
        routerId: bId,
        ...base,
      });
      await until(
        'Established both',
        () => x.s.peerStatus(B)?.state === 'Established' && y.s.peerStatus(A)?.state === 'Established',
        8000,
      );
      x.s.setPaths('203.0.113.8/32', [{ nextHop: '192.0.2.1' }]);
      await until(
        'route over the surviving connection',
        () => y.s.peerStatus(A)?.counters.prefixesReceived === 1,
      );
      // Both connected at once: one connection is closed with Cease/Connection Collision Resolution
      // (each side closes the same losing connection from its end). Waited for, not assumed done
      // 300 ms later: when the winner is Established before the loser's OPEN is read, the loser
      // is closed only then, which a loaded machine can delay.
      const cease7 = () =>
        [...x.events, ...y.events].filter(
          (e) => e.type === 'notification-sent' && e.code === 6 && e.subcode === 7,
        );
      await until('the collision resolved with Cease 6/7', () => cease7().length >= 1);
      expect(y.s.peerStatus(A)?.counters.flaps).toBe(0);
      expect(x.s.peerStatus(B)?.counters.flaps).toBe(0);
      // Resolving a collision is routine, not an error of the session.
      expect(x.s.peerStatus(B)?.lastError).toBeUndefined();
      expect(y.s.peerStatus(A)?.lastError).toBeUndefined();
      expect(x.s.peerStatus(B)?.state).toBe('Established');
      expect(y.s.peerStatus(A)?.state).toBe('Established');
      await lx.close();
      await y.s.unlisten(B);
    });
  }

  it('connect refused is an error event with ECONNREFUSED and retries', async () => {
    const x = speaker();
    x.s.addPeer({ localAddress: A, localAsn: 65001, peerAddress: B, peerAsn: 65002, peerPort: 1, ...base });
    await until('refused', () => x.events.some((e) => e.type === 'error' && e.error.code === 'ECONNREFUSED'));
    await until('retry', () => x.events.filter((e) => e.type === 'error').length >= 2, 3000);
    expect(x.s.peerStatus(B)?.state).toMatch(/Active|Connect/);
    await x.s.removePeer(B);
  });

  it('runs over IPv6 transport (::1) with IPv6 prefixes', async () => {
    const x = speaker();
    const y = speaker();
    const l = await y.s.listen('::1', 0);
    const common = { localAddress: '::1', peerAddress: '::1', families: ['ipv6-unicast' as const], ...base };
    y.s.addPeer({ ...common, localAsn: 65002, peerAsn: 65001, routerId: '10.0.0.2', passive: true });
    x.s.addPeer({ ...common, localAsn: 65001, peerAsn: 65002, routerId: '10.0.0.1', peerPort: l.port });
    await until('Established over IPv6', () => x.s.peerStatus('::1')?.state === 'Established');
    x.s.setPaths('2001:db8:5::/48', [{ nextHop: '2001:db8::5' }]);
    await until('IPv6 route', () => y.s.peerStatus('::1')?.counters.prefixesReceivedByFamily['2/1'] === 1);
  });

  it('refuses to listen twice on the same address and port', async () => {
    const x = speaker();
    const l = await x.s.listen(A, 0);
    await expect(x.s.listen(A, l.port)).rejects.toThrow(/already listening/);
  });
});
