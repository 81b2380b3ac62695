import {
  decodeMessage,
  encodeMessage,
  encodeUpdates,
  type PathAttribute,
  type UpdateMessage,
} from '@bgplb/bgp-wire';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import type { SpeakerEvent } from './events.js';
import { MemoryNetwork, settle } from './memory-transport.js';
import { BgpSpeaker, type PeerOptions } from './speaker.js';
import { formatStateChange } from './state.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

/** Two speakers A (AS 4200000001, active) and B (AS 65002, passive) over an in-memory network. */
async function pair(opts: { a?: Partial<PeerOptions>; b?: Partial<PeerOptions>; hwm?: number } = {}) {
  const net = new MemoryNetwork(opts.hwm);
  const clock = new FakeClock(1_000_000);
  const a = new BgpSpeaker({ clock, transport: net.transport(A), random: () => 1, batchWindowMs: 20 });
  const b = new BgpSpeaker({ clock, transport: net.transport(B), random: () => 1, batchWindowMs: 20 });
  const events: { a: SpeakerEvent[]; b: SpeakerEvent[] } = { a: [], b: [] };
  a.on('event', (e) => events.a.push(e));
  b.on('event', (e) => events.b.push(e));
  await b.listen(B, 179);
  b.addPeer({
    localAddress: B,
    localAsn: 65002,
    peerAddress: A,
    peerAsn: 4200000001,
    passive: true,
    ...opts.b,
  });
  a.addPeer({ localAddress: A, localAsn: 4200000001, peerAddress: B, peerAsn: 65002, ...opts.a });
  const tick = async (ms = 0) => {
    await settle();
    if (ms > 0) clock.advance(ms);
    await settle();
  };
  await tick();
  return { net, clock, a, b, events, tick };
}

const received = (events: SpeakerEvent[]) =>
  events.flatMap((e) =>
    e.type === 'update-received' ? e.nlri.map((p, i) => `${p}#${e.pathIds?.[i] ?? '-'}`) : [],
  );
const withdrawnAt = (events: SpeakerEvent[]) =>
  events.flatMap((e) => (e.type === 'update-received' ? e.withdrawn : []));

describe('BgpSpeaker over an in-memory network', () => {
  it('establishes with 4-octet ASNs and logs state changes in the advertiser form', async () => {
    const { a, b, events } = await pair();
    expect(a.peerStatus(B)?.state).toBe('Established');
    expect(b.peerStatus(A)?.state).toBe('Established');
    const neg = a.peerStatus(B)?.negotiated;
    expect(neg).toMatchObject({
      fourOctetAs: true,
      addPathSend: true,
      holdTime: 90,
      keepaliveTime: 30,
      peerAsn: 65002,
    });
    const lines = events.a.flatMap((e) => (e.type === 'state' ? [formatStateChange(e)] : []));
    expect(lines).toEqual([
      'state changed old=BGP_FSM_IDLE new=BGP_FSM_CONNECT reason=admin-up',
      'state changed old=BGP_FSM_CONNECT new=BGP_FSM_OPENSENT reason=new-connection',
      'state changed old=BGP_FSM_OPENSENT new=BGP_FSM_OPENCONFIRM reason=open-received',
      'state changed old=BGP_FSM_OPENCONFIRM new=BGP_FSM_ESTABLISHED reason=keepalive-received',
    ]);
    expect(events.b.some((e) => e.type === 'end-of-rib-received')).toBe(true);
  });

  it('announces every path with stable ADD-PATH ids; one next hop more or less is one UPDATE entry', async () => {
    const { a, events, tick } = await pair();
    const hops = ['192.0.2.1', '192.0.2.2', '192.0.2.3'];
    a.setPaths(
      '198.51.100.7/32',
      hops.map((nextHop) => ({ nextHop })),
    );
    await tick(20);
    expect(received(events.b).sort()).toEqual([
      '198.51.100.7/32#1',
      '198.51.100.7/32#2',
      '198.51.100.7/32#3',
    ]);
    events.b.length = 0;
    a.setPaths(
      '198.51.100.7/32',
      [...hops, '192.0.2.4'].map((nextHop) => ({ nextHop })),
    );
    await tick(20);
    expect(received(events.b)).toEqual(['198.51.100.7/32#4']);
    events.b.length = 0;
    a.setPaths(
      '198.51.100.7/32',
      ['192.0.2.1', '192.0.2.3', '192.0.2.4'].map((nextHop) => ({ nextHop })),
    );
    await tick(20);
    expect(received(events.b)).toEqual([]);
    const w = events.b.find((e) => e.type === 'update-received');
    expect(w).toMatchObject({ withdrawn: ['198.51.100.7/32'], pathIds: [2] });
    // Re-setting the same paths sends nothing.
    events.b.length = 0;
    a.setPaths(
      '198.51.100.7/32',
      ['192.0.2.4', '192.0.2.3', '192.0.2.1'].map((nextHop) => ({ nextHop })),
    );
    await tick(20);
    expect(events.b.filter((e) => e.type === 'update-received')).toEqual([]);
    expect(a.peerStatus(B)?.counters.pathsAnnounced).toBe(3);
    expect(b_prefixes(a)).toEqual(['198.51.100.7/32']);
  });

  it('flush() sends pending changes at once, without waiting for the batching window', async () => {
    const { a, events, tick } = await pair();
    a.setPaths('198.51.100.7/32', [{ nextHop: '192.0.2.1' }, { nextHop: '192.0.2.2' }]);
    await tick(20);
    events.b.length = 0;
    // A next hop goes: the withdrawal is on the wire before any time passes.
    a.setPaths('198.51.100.7/32', [{ nextHop: '192.0.2.2' }]);
    await tick();
    expect(events.b.filter((e) => e.type === 'update-received')).toEqual([]);
    a.flush();
    await tick();
    expect(events.b.find((e) => e.type === 'update-received')).toMatchObject({
      withdrawn: ['198.51.100.7/32'],
      pathIds: [1],
    });
    // Nothing pending: flush sends nothing, and the window's timer sends nothing twice.
    events.b.length = 0;
    a.flush();
    await tick(20);
    expect(events.b.filter((e) => e.type === 'update-received')).toEqual([]);
  });

  it('coalesces many changes into a few packed UPDATEs', async () => {
    const { a, b, tick } = await pair();
    for (let i = 0; i < 10000; i++) {
      a.setPaths(`10.${(i >> 8) & 255}.${i & 255}.1/32`, [
        { nextHop: '192.0.2.1' },
        { nextHop: '192.0.2.2' },
      ]);
    }
    await tick(20);
    const sent = a.peerStatus(B)!.counters.messagesOut.update ?? 0;
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(20000);
    // 20000 paths * 9 octets / ~65k per extended UPDATE (+ EoR): a handful, not 10000.
    expect(sent).toBeLessThan(10);
  });

  it('without ADD-PATH sends one path per prefix, spread over the next hops by the selector', async () => {
    const { a, events, tick } = await pair({ b: { addPath: false } });
    expect(a.peerStatus(B)?.negotiated?.addPathSend).toBe(false);
    const hops = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
    for (let i = 0; i < 200; i++)
      a.setPaths(
        `10.1.${i}.0/24`,
        hops.map((nextHop) => ({ nextHop })),
      );
    await tick(20);
    const attrs = events.b.filter((e) => e.type === 'update-received');
    const perHop = new Map<string, number>();
    let total = 0;
    for (const e of attrs) {
      if (e.type !== 'update-received') continue;
      const hop = /Nexthop: ([\d.]+)/.exec(e.attributes)?.[1] ?? '?';
      perHop.set(hop, (perHop.get(hop) ?? 0) + e.nlri.length);
      total += e.nlri.length;
    }
    expect(total).toBe(200);
    expect([...perHop.keys()].sort()).toEqual(hops);
    for (const n of perHop.values()) expect(n).toBeGreaterThan(20);
  });

  it('withdraws removed prefixes and re-sends everything on route refresh (enhanced)', async () => {
    const { a, b, events, tick } = await pair();
    a.setPaths('10.9.0.0/24', [{ nextHop: '192.0.2.1', med: 10, communities: ['65000:1', 'no-export'] }]);
    a.setPaths('10.9.1.0/24', [{ nextHop: '192.0.2.1' }]);
    await tick(20);
    a.withdraw('10.9.1.0/24');
    await tick(20);
    expect(withdrawnAt(events.b)).toEqual(['10.9.1.0/24']);
    events.b.length = 0;
    // B asks A for a refresh.
    const sessionB = b.session(A)!;
    (sessionB as unknown as { send(bytes: Uint8Array, t: string): boolean }).send(
      encodeMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 0 }),
      'route-refresh',
    );
    await tick();
    expect(received(events.b)).toEqual(['10.9.0.0/24#1']);
    const attrs = events.b.find((e) => e.type === 'update-received');
    expect(attrs).toMatchObject({ attributes: expect.stringContaining('{Med: 10}') });
    expect(
      events.b
        .filter((e) => e.type === 'route-refresh-received')
        .map((e) => (e as { subtype: number }).subtype),
    ).toEqual([1, 2]);
  });

  it('sends KEEPALIVEs every keepalive interval and expires the hold timer of a silent peer', async () => {
    const { a, net, events, tick } = await pair({ a: { holdTime: 9 } });
    const before = a.peerStatus(B)!.counters.messagesOut.keepalive ?? 0;
    await tick(3000);
    await tick(3000);
    expect((a.peerStatus(B)!.counters.messagesOut.keepalive ?? 0) - before).toBe(2);
    // Nothing from B reaches A any more: A's hold timer expires after 9 s.
    for (const c of net.connections) if (c.localAddress === A) c.stalled = true;
    for (let i = 0; i < 4; i++) await tick(3000);
    expect(events.a.some((e) => e.type === 'state' && e.reason === 'hold-timer-expired')).toBe(true);
    expect(events.a.some((e) => e.type === 'notification-sent' && e.code === 4)).toBe(true);
  });

  it('removePeer sends Cease/Peer De-configured by default (RFC 4486), without the message', async () => {
    const { a, events, tick } = await pair();
    a.setPaths('10.7.0.0/16', [{ nextHop: '192.0.2.9' }]);
    await tick(20);
    await Promise.all([a.removePeer(B, { message: 'removed from the configuration' }), tick()]);
    await tick();
    expect(withdrawnAt(events.b)).toEqual(['10.7.0.0/16']);
    expect(events.a.find((e) => e.type === 'notification-sent')).toMatchObject({ code: 6, subcode: 3 });
    expect(events.b.find((e) => e.type === 'notification-received')).toMatchObject({
      code: 6,
      subcode: 3,
      text: 'Cease/Peer De-configured',
    });
  });

  it('removePeer with cease administrative-reset sends 6/4 with the RFC 9003 message', async () => {
    const { a, events, tick } = await pair();
    await Promise.all([a.removePeer(B, { message: 'new settings', cease: 'administrative-reset' }), tick()]);
    await tick();
    expect(events.b.find((e) => e.type === 'notification-received')).toMatchObject({
      code: 6,
      subcode: 4,
      text: 'Cease/Administrative Reset: "new settings"',
    });
  });

  it('removePeer with cease administrative-shutdown withdraws, sends 6/2 with the RFC 8203 message, and B logs it', async () => {
    const { a, b, events, tick } = await pair();
    a.setPaths('10.7.0.0/16', [{ nextHop: '192.0.2.9' }]);
    await tick(20);
    await Promise.all([
      a.removePeer(B, { message: 'maintenance window', cease: 'administrative-shutdown' }),
      tick(),
    ]);
    await tick();
    expect(withdrawnAt(events.b)).toEqual(['10.7.0.0/16']);
    const n = events.b.find((e) => e.type === 'notification-received');
    expect(n).toMatchObject({
      code: 6,
      subcode: 2,
      text: 'Cease/Administrative Shutdown: "maintenance window"',
    });
    expect(b.peerStatus(A)?.state).not.toBe('Established');
    expect(a.peers()).toEqual([]);
  });

  it('refuses connections from unknown peers', async () => {
    const { b, net, events } = await pair();
    const stranger = net.transport('10.0.0.99');
    const result = await new Promise<unknown>((resolve) => stranger.connect({ host: B, port: 179 }, resolve));
    expect(result).toHaveProperty('connection');
    await settle();
    expect(events.b.some((e) => e.type === 'error' && /not a configured peer/.test(e.error.message))).toBe(
      true,
    );
    expect(b.peers()).toHaveLength(1);
  });

  it('a bad peer AS is refused with OPEN Message Error / Bad Peer AS', async () => {
    const { events } = await pair({ a: { peerAsn: 65099 } });
    const sent = events.a.find((e) => e.type === 'notification-sent');
    expect(sent).toMatchObject({ code: 2, subcode: 2 });
    expect(events.b.find((e) => e.type === 'notification-received')).toMatchObject({ code: 2, subcode: 2 });
  });

  it('max-prefix ends the session with Cease/Maximum Number of Prefixes Reached', async () => {
    const { a, events, tick } = await pair({ b: { maxPrefixes: 5 } });
    for (let i = 0; i < 6; i++) a.setPaths(`10.5.${i}.0/24`, [{ nextHop: '192.0.2.1' }]);
    await tick(20);
    expect(events.b.find((e) => e.type === 'notification-sent')).toMatchObject({ code: 6, subcode: 1 });
    expect(events.a.some((e) => e.type === 'state' && e.reason === 'notification-received')).toBe(true);
  });

  it('recovers after the peer drops: IdleHold, reconnect, re-announce', async () => {
    const { a, b, events, tick } = await pair();
    a.setPaths('10.3.0.0/24', [{ nextHop: '192.0.2.1' }]);
    await tick(20);
    await Promise.all([b.removePeer(A, { message: 'bye' }), tick()]);
    b.addPeer({ localAddress: B, localAsn: 65002, peerAddress: A, peerAsn: 4200000001, passive: true });
    events.b.length = 0;
    await tick(1000);
    await tick(5000);
    expect(a.peerStatus(B)?.state).toBe('Established');
    expect(a.peerStatus(B)?.counters.flaps).toBe(1);
    expect(received(events.b)).toEqual(['10.3.0.0/24#1']);
    // The last transition is the one into Established, with the FSM's reason and time.
    const last = events.a.filter((e) => e.type === 'state').at(-1);
    expect(a.peerStatus(B)?.lastTransition).toMatchObject({ to: 'Established', from: 'OpenConfirm' });
    expect(a.peerStatus(B)?.lastTransition?.reason).toBe(last?.type === 'state' ? last.reason : 'none');
    expect(a.peerStatus(B)?.lastTransition?.at).toEqual(a.peerStatus(B)?.lastStateChange);
  });

  it('stores received routes compactly when adjRibIn is on', async () => {
    const { a, b, tick } = await pair({ b: { adjRibIn: true, addPath: false } });
    for (let i = 0; i < 100; i++) a.setPaths(`10.8.${i}.0/24`, [{ nextHop: '192.0.2.1', med: i % 2 }]);
    a.setPaths('10.8.0.0/24', [{ nextHop: '192.0.2.2' }]);
    await tick(20);
    const rib = b.session(A)!.adjRibIn!;
    expect(rib.size).toBe(100);
    expect(rib.attributeSets).toBe(3);
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(100);
    a.withdraw('10.8.1.0/24');
    await tick(20);
    expect(rib.size).toBe(99);
    const first = [...rib.entries()].find((e) => e.prefix === '10.8.0.0/24');
    expect(first?.attributes.find((x) => x.type === 'next-hop')).toMatchObject({ nextHop: '192.0.2.2' });
  });

  it('graceful restart: R bit after restart, End-of-RIB after the re-sync, no withdrawal', async () => {
    const { a, b, events, tick, clock, net } = await pair({ a: { gracefulRestart: { restartTime: 120 } } });
    a.setPaths('10.4.0.0/24', [{ nextHop: '192.0.2.1' }]);
    await tick(20);
    expect(b.peerStatus(A)?.negotiated?.gracefulRestart).toBe(true);
    await Promise.all([a.shutdown({ graceful: true }), tick()]);
    expect(events.b.some((e) => e.type === 'notification-received')).toBe(false);
    events.b.length = 0;
    // The restarted process: routes first, then the peer with the R bit.
    const a2 = new BgpSpeaker({ clock, transport: net.transport(A), random: () => 1 });
    for (const r of a.snapshot()) a2.setPaths(r.prefix, r.paths);
    a2.addPeer({
      localAddress: A,
      localAsn: 4200000001,
      peerAddress: B,
      peerAsn: 65002,
      gracefulRestart: { restartTime: 120, restarting: true },
    });
    await tick(1000);
    await tick(5000);
    expect(a2.peerStatus(B)?.state).toBe('Established');
    expect(withdrawnAt(events.b)).toEqual([]);
    expect(received(events.b)).toEqual(['10.4.0.0/24#1']);
    expect(events.b.some((e) => e.type === 'end-of-rib-received')).toBe(true);
    await Promise.all([a2.shutdown(), b.shutdown(), tick()]);
  });

  it('pauses route generation while the socket is full, and resumes on drain', async () => {
    const { a, b, net, tick } = await pair({ hwm: 8 * 1024 });
    for (const c of net.connections) if (c.localAddress === B) c.stalled = true;
    for (let i = 0; i < 20000; i++)
      a.setPaths(`10.${(i >> 8) & 255}.${i & 255}.0/24`, [{ nextHop: '192.0.2.1' }]);
    await tick(20);
    const sentWhileStalled = a.peerStatus(B)!.counters.prefixesAnnounced;
    expect(sentWhileStalled).toBeLessThan(20000);
    for (const c of net.connections) {
      if (c.localAddress === B) {
        c.stalled = false;
        c.deliver();
      }
    }
    await tick();
    await tick();
    expect(a.peerStatus(B)!.counters.prefixesAnnounced).toBe(20000);
    expect(b.peerStatus(A)!.counters.prefixesReceived).toBe(20000);
  });
});

function b_prefixes(s: BgpSpeaker): string[] {
  return s.peerStatus(B)!.advertisedPrefixes;
}

describe('UPDATE packing', () => {
  it('round-trips through the codec', async () => {
    const { packChanges } = await import('./rib-updates.js');
    const { AdjRibOut } = await import('./adj-rib-out.js');
    const rib = new AdjRibOut();
    const changes = [
      rib.update('10.0.0.0/24', [{ nextHop: '192.0.2.1' }], false)!,
      rib.update('2001:db8::/48', [{ nextHop: '2001:db8::1', med: 5 }], false)!,
    ];
    const options = {
      fourOctetAs: true,
      extendedMessage: false,
      addPathSend: new Set<`${number}/${number}`>(),
      addPathReceive: new Set<`${number}/${number}`>(),
    };
    const packed = packChanges(changes, { localAsn: 65001, ibgp: false }, options);
    expect(packed.messages).toHaveLength(2);
    const first = decodeMessage(packed.messages[0]!, options);
    expect(first.ok && (first.message as UpdateMessage).nlri).toEqual([{ prefix: '10.0.0.0/24' }]);
    const second = decodeMessage(packed.messages[1]!, options);
    expect(second.ok).toBe(true);
    const w = [rib.update('10.0.0.0/24', [], false)!, rib.update('2001:db8::/48', [], false)!];
    const wp = packChanges(w, { localAsn: 65001, ibgp: false }, options);
    const d = decodeMessage(wp.messages[0]!, options);
    expect(d.ok && (d.message as UpdateMessage).withdrawn).toEqual([{ prefix: '10.0.0.0/24' }]);
    expect(decodeMessage(wp.messages[1]!, options).ok).toBe(true);
  });
});

describe('peer configuration', () => {
  const base = { localAddress: A, localAsn: 65001, peerAddress: B, peerAsn: 65002 };
  it('refuses invalid options with specific errors', () => {
    const s = new BgpSpeaker({ transport: new MemoryNetwork().transport(A), clock: new FakeClock() });
    expect(() => s.addPeer({ ...base, holdTime: 2 })).toThrow(/holdTime 2 is invalid/);
    expect(() => s.addPeer({ ...base, localAsn: 0 })).toThrow(/localAsn 0 is not 1..4294967295/);
    expect(() => s.addPeer({ ...base, routerId: '2001:db8::1' })).toThrow(
      /routerId "2001:db8::1" must be an IPv4/,
    );
    expect(() => s.addPeer({ ...base, peerPort: 70000 })).toThrow(/peerPort 70000/);
    expect(() => s.addPeer({ ...base, families: ['l2vpn' as 'ipv4-unicast'] })).toThrow(
      /unknown family l2vpn/,
    );
    expect(() => s.addPeer({ ...base, maxPrefixes: -1 })).toThrow(/maxPrefixes -1/);
    expect(() => s.addPeer({ ...base, connectRetryTime: -5 })).toThrow(/connectRetryTime -5 is out of range/);
    s.addPeer(base);
    expect(() => s.addPeer(base)).toThrow(/already exists/);
    expect(() => s.addPeer({ ...base, id: 'other' })).toThrow(/already peer 10.0.0.2/);
    expect(() => s.setPaths('10.0.0.0/8', [{ nextHop: 'nope' }])).toThrow(/next hop "nope"/);
    expect(s.snapshot()).toEqual([]);
  });
});

describe('per-peer routes, IPv6, DelayOpen and bad input', () => {
  it('setPaths/withdraw for listed peers only, and IPv6 over MP_REACH', async () => {
    const { a, events, tick } = await pair({
      a: { families: ['ipv4-unicast', 'ipv6-unicast'] },
      b: { families: ['ipv4-unicast', 'ipv6-unicast'] },
    });
    a.setPaths('2001:db8:1::/48', [{ nextHop: '2001:db8::1' }, { nextHop: '2001:db8::2' }]);
    a.setPaths('10.20.0.0/16', [{ nextHop: '192.0.2.1' }], { peers: [B] });
    a.setPaths('10.21.0.0/16', [{ nextHop: '192.0.2.1' }], { peers: ['someone-else'] });
    await tick(20);
    expect(received(events.b).sort()).toEqual(['10.20.0.0/16#1', '2001:db8:1::/48#1', '2001:db8:1::/48#2']);
    a.withdraw('10.20.0.0/16', { peers: [B] });
    a.withdraw('2001:db8:1::/48');
    a.withdraw('10.99.0.0/16');
    await tick(20);
    expect(withdrawnAt(events.b).sort()).toEqual(['10.20.0.0/16', '2001:db8:1::/48', '2001:db8:1::/48']);
    expect(a.snapshot()).toEqual([
      { prefix: '10.20.0.0/16', paths: [], peers: [B] },
      { prefix: '10.21.0.0/16', paths: [{ nextHop: '192.0.2.1' }], peers: ['someone-else'] },
    ]);
  });

  it('DelayOpen waits before sending OPEN and still establishes', async () => {
    // Both sides delay: nothing happens for 2 s.
    const { a, b, events, tick } = await pair({ a: { delayOpenTime: 2 }, b: { delayOpenTime: 2 } });
    expect(a.peerStatus(B)?.state).toBe('Connect');
    expect(b.peerStatus(A)?.state).toBe('Active');
    await tick(2000);
    await tick();
    expect(a.peerStatus(B)?.state).toBe('Established');
    expect(events.a.some((e) => e.type === 'state' && e.reason === 'delay-open-timer-expired')).toBe(true);
  });

  it('an OPEN received while DelayOpen runs is answered at once (RFC 4271 event 20)', async () => {
    const { a, events } = await pair({ a: { delayOpenTime: 5 } });
    expect(a.peerStatus(B)?.state).toBe('Established');
    expect(events.a.some((e) => e.type === 'state' && e.from === 'Connect' && e.to === 'OpenConfirm')).toBe(
      true,
    );
  });

  it('hold time 0: no keepalives, no hold timer', async () => {
    const { a, tick } = await pair({ a: { holdTime: 0 } });
    const before = a.peerStatus(B)!.counters.messagesOut.keepalive ?? 0;
    await tick(600_000);
    expect(a.peerStatus(B)?.state).toBe('Established');
    expect(a.peerStatus(B)!.counters.messagesOut.keepalive ?? 0).toBe(before);
    expect(a.peerStatus(B)?.negotiated).toMatchObject({ holdTime: 0, keepaliveTime: 0 });
  });

  it('garbage on the wire: Message Header Error and the session recovers', async () => {
    const { a, b, net, events, tick } = await pair();
    const conn = net.connections.find((c) => c.localAddress === A)!;
    conn.write(new Uint8Array(19).fill(0));
    await tick();
    expect(events.b.find((e) => e.type === 'notification-sent')).toMatchObject({ code: 1, subcode: 1 });
    expect(b.peerStatus(A)?.lastError).toMatchObject({ code: 1, subcode: 1, direction: 'sent' });
    await tick(1000);
    await tick(5000);
    expect(a.peerStatus(B)?.state).toBe('Established');
  });

  it('a malformed UPDATE ends the session with UPDATE Message Error; an OPEN in Established is an FSM error', async () => {
    const { net, events, tick } = await pair();
    const conn = net.connections.find((c) => c.localAddress === A)!;
    // Withdrawn routes length larger than the message.
    conn.write(Uint8Array.of(...new Array(16).fill(255), 0, 23, 2, 0, 200, 0, 0));
    await tick();
    expect(events.b.find((e) => e.type === 'notification-sent')).toMatchObject({ code: 3 });
    events.b.length = 0;
    await tick(1000);
    await tick(5000);
    const conn2 = net.connections.filter((c) => c.localAddress === A).at(-1)!;
    conn2.write(
      encodeMessage({
        type: 'open',
        version: 4,
        myAsn: 65001,
        holdTime: 90,
        bgpId: '10.0.0.1',
        capabilities: [],
      }),
    );
    await tick();
    expect(events.b.find((e) => e.type === 'notification-sent')).toMatchObject({ code: 5, subcode: 3 });
  });

  it('unlisten stops accepting; removePeer of an unknown id is a no-op', async () => {
    const { a, b, tick } = await pair();
    await b.unlisten(B, 179);
    await a.removePeer('nobody');
    await Promise.all([a.removePeer(B), tick()]);
    expect(b.peerStatus(A)?.state).not.toBe('Established');
    a.addPeer({ localAddress: A, localAsn: 4200000001, peerAddress: B, peerAsn: 65002 });
    await tick(1000);
    expect(a.peerStatus(B)?.state).toMatch(/Active|Connect/);
    expect(a.peerStatus(B)?.lastError).toBeUndefined();
  });
});

describe('path selector', () => {
  it('a custom selector is used without ADD-PATH; one that throws falls back to the default', async () => {
    const { a, events, tick } = await pair({
      a: {
        pathSelector: (prefix, paths) => {
          if (prefix.startsWith('10.66.')) throw new Error('boom');
          return paths.find((p) => p.nextHop === '192.0.2.2');
        },
      },
      b: { addPath: false },
    });
    a.setPaths('10.55.0.0/24', [{ nextHop: '192.0.2.1' }, { nextHop: '192.0.2.2' }]);
    a.setPaths('10.66.0.0/24', [{ nextHop: '192.0.2.1' }, { nextHop: '192.0.2.2' }]);
    await tick(20);
    const got = events.b.filter((e) => e.type === 'update-received');
    expect(got.find((e) => e.type === 'update-received' && e.nlri.includes('10.55.0.0/24'))).toMatchObject({
      attributes: expect.stringContaining('{Nexthop: 192.0.2.2}'),
    });
    expect(received(events.b).sort()).toEqual(['10.55.0.0/24#-', '10.66.0.0/24#-']);
    expect(
      events.a.some(
        (e) => e.type === 'error' && /pathSelector failed for 10.66.0.0\/24: boom/.test(e.error.message),
      ),
    ).toBe(true);
  });
});

describe('update events', () => {
  it('can be turned off for received UPDATEs (full tables) while counting goes on', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const a = new BgpSpeaker({ clock, transport: net.transport(A) });
    const b = new BgpSpeaker({ clock, transport: net.transport(B), updateEvents: { received: false } });
    const events: SpeakerEvent[] = [];
    b.on('event', (e) => events.push(e));
    await b.listen(B);
    b.addPeer({ localAddress: B, localAsn: 65002, peerAddress: A, peerAsn: 65001, passive: true });
    a.addPeer({ localAddress: A, localAsn: 65001, peerAddress: B, peerAsn: 65002 });
    await settle();
    a.setPaths('10.1.0.0/16', [{ nextHop: '192.0.2.1' }]);
    clock.advance(20);
    await settle();
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(1);
    expect(events.some((e) => e.type === 'update-received')).toBe(false);
    expect(events.some((e) => e.type === 'state' && e.to === 'Established')).toBe(true);
  });

  it('list at most receivedPrefixes prefixes per received UPDATE, with the totals', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const a = new BgpSpeaker({ clock, transport: net.transport(A) });
    const b = new BgpSpeaker({
      clock,
      transport: net.transport(B),
      updateEvents: { receivedPrefixes: 3 },
    });
    const events: SpeakerEvent[] = [];
    b.on('event', (e) => events.push(e));
    await b.listen(B);
    b.addPeer({ localAddress: B, localAsn: 65002, peerAddress: A, peerAsn: 65001, passive: true });
    a.addPeer({ localAddress: A, localAsn: 65001, peerAddress: B, peerAsn: 65002 });
    await settle();
    for (let i = 0; i < 5; i++) a.setPaths(`10.9.${i}.0/24`, [{ nextHop: '192.0.2.1' }]);
    a.setPaths('10.8.0.0/24', [{ nextHop: '192.0.2.1' }]);
    clock.advance(20);
    await settle();
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(6);
    const updates = events.filter((e) => e.type === 'update-received');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ nlriTotal: 6, withdrawnTotal: 0, withdrawn: [] });
    expect(updates[0]?.type === 'update-received' && updates[0].nlri).toHaveLength(3);
    // Withdrawals are cut alike; an UPDATE within the limit has no totals.
    for (let i = 0; i < 5; i++) a.setPaths(`10.9.${i}.0/24`, []);
    clock.advance(20);
    await settle();
    const withdrawal = events.filter((e) => e.type === 'update-received').at(-1);
    expect(withdrawal).toMatchObject({ nlri: [], withdrawnTotal: 5, nlriTotal: 0 });
    a.setPaths('10.7.0.0/24', [{ nextHop: '192.0.2.1' }]);
    clock.advance(20);
    await settle();
    const small = events.filter((e) => e.type === 'update-received').at(-1);
    expect(small).toMatchObject({ nlri: ['10.7.0.0/24'] });
    expect(small).not.toHaveProperty('nlriTotal');
    expect(() => new BgpSpeaker({ updateEvents: { receivedPrefixes: -1 } })).toThrow(
      'updateEvents.receivedPrefixes must be a non-negative integer, got -1',
    );
  });
});

describe('listener errors', () => {
  it('a throwing event listener does not break the session', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const { a, tick } = await pair();
      a.on('event', () => {
        throw new Error('listener bug');
      });
      a.setPaths('10.77.0.0/16', [{ nextHop: '192.0.2.1' }]);
      await tick(20);
      await tick(30_000);
      expect(a.peerStatus(B)?.state).toBe('Established');
      expect(a.peerStatus(B)?.advertisedPrefixes).toEqual(['10.77.0.0/16']);
      await settle();
      expect(warnings.some((w) => w.includes('listener bug'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('RFC 7606 and keepalives', () => {
  it('an UPDATE with a bad optional attribute is used without it and reported', async () => {
    const { net, b, events, tick } = await pair({ b: { addPath: false }, a: { addPath: false } });
    const conn = net.connections.find((c) => c.localAddress === A)!;
    // ORIGIN igp, AS_PATH [4200000001], NEXT_HOP, then ATOMIC_AGGREGATE with a value (RFC 7606
    // §7.6: attribute discard).
    const attrs = [
      0x40, 1, 1, 0, 0x40, 2, 6, 2, 1, 0xfa, 0x56, 0xea, 0x01, 0x40, 3, 4, 192, 0, 2, 1, 0x40, 6, 1, 0,
    ];
    const nlri = [24, 10, 88, 0];
    const body = [0, 0, 0, attrs.length, ...attrs, ...nlri];
    conn.write(Uint8Array.of(...new Array(16).fill(255), 0, 19 + body.length, 2, ...body));
    await tick();
    expect(b.peerStatus(A)?.state).toBe('Established');
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(1);
    expect(
      events.b.some((e) => e.type === 'error' && /ATOMIC_AGGREGATE|attribute 6/i.test(e.error.message)),
    ).toBe(true);
  });

  it('UPDATEs sent restart the keepalive timer', async () => {
    const { a, tick } = await pair();
    const ka = () => a.peerStatus(B)!.counters.messagesOut.keepalive ?? 0;
    const before = ka();
    for (let i = 0; i < 4; i++) {
      a.setPaths(`10.40.${i}.0/24`, [{ nextHop: '192.0.2.1' }]);
      await tick(20_000);
    }
    expect(ka()).toBe(before);
    await tick(30_000);
    expect(ka()).toBe(before + 1);
  });
});

describe('what a peer sends that we do not take', () => {
  const ORIGIN_AS_PATH: PathAttribute[] = [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [4200000001] }] },
  ];
  const RAW = {
    fourOctetAs: true,
    extendedMessage: true,
    addPathSend: new Set<`${number}/${number}`>(),
    addPathReceive: new Set<`${number}/${number}`>(),
  };

  it('ignores prefixes of a family that was not negotiated (RFC 4760): counted apart, reported once', async () => {
    const { b, net, events, tick } = await pair();
    expect(b.peerStatus(A)?.negotiated?.families).toEqual(['1/1']);
    const conn = net.connections.find((c) => c.localAddress === A)!;
    const v6 = encodeUpdates(
      {
        announce: ['2001:db8:1::/48', '2001:db8:2::/48'].map((prefix) => ({
          prefix,
          nextHop: '2001:db8::1',
          attributes: ORIGIN_AS_PATH,
        })),
      },
      RAW,
    );
    const v4 = encodeUpdates(
      { announce: [{ prefix: '10.66.0.0/16', pathId: 1, nextHop: '10.0.0.1', attributes: ORIGIN_AS_PATH }] },
      { ...RAW, addPathSend: new Set(['1/1']) },
    );
    for (const m of [...v6, ...v6, ...v4]) conn.write(m.slice());
    await tick();
    const status = b.peerStatus(A)!;
    expect(status.state).toBe('Established');
    expect(status.counters.prefixesIgnored).toBe(4);
    expect(status.counters.prefixesReceived).toBe(1);
    expect(status.counters.prefixesReceivedByFamily).toEqual({ '1/1': 1 });
    expect(events.b.filter((e) => e.type === 'unnegotiated-family')).toEqual([
      { type: 'unnegotiated-family', peer: A, family: '2/1', prefixes: 2 },
    ]);
    expect(received(events.b)).toEqual(['10.66.0.0/16#1']);
  });

  it('decodes a large burst in slices of at most 16 KiB per event-loop turn', async () => {
    const { b, net } = await pair({ b: { addPath: false } });
    const conn = net.connections.find((c) => c.localAddress === A)!;
    // 100 UPDATEs of 500 /24 prefixes (about 200 KB) in one chunk, as libuv may deliver them.
    const updates = [];
    for (let m = 0; m < 100; m++) {
      const announce = Array.from({ length: 500 }, (_, i) => ({
        prefix: `${20 + (m >> 4)}.${((m & 15) << 4) | (i >> 5)}.${(i & 31) * 8}.0/24`,
        nextHop: '10.0.0.1',
        attributes: ORIGIN_AS_PATH,
      }));
      updates.push(...encodeUpdates({ announce }, { ...RAW, extendedMessage: false }));
    }
    const chunk = Uint8Array.from(updates.flatMap((u) => [...u]));
    expect(chunk.length).toBeGreaterThan(3 * 64 * 1024);
    conn.write(chunk);
    const seen: number[] = [];
    for (let turn = 0; turn < 50; turn++) {
      await new Promise<void>((r) => setImmediate(r));
      const n = b.peerStatus(A)!.counters.prefixesReceived;
      if (seen.at(-1) !== n) seen.push(n);
      if (n === 50_000) break;
    }
    expect(seen.at(-1)).toBe(50_000);
    // 16 KiB hold about 4k /24 NLRI (4 octets each), plus the message that crosses the limit.
    expect(seen.length).toBeGreaterThanOrEqual(11);
    const steps = seen.map((n, i) => n - (seen[i - 1] ?? 0));
    expect(Math.max(...steps)).toBeLessThanOrEqual(4_600);
  });

  it('counts peer-caused protocol errors by class and reports them with source peer', async () => {
    const { b, net, events, tick } = await pair();
    const conn = net.connections.find((c) => c.localAddress === A)!;
    const [update] = encodeUpdates(
      { announce: [{ prefix: '10.66.0.0/16', pathId: 1, nextHop: '10.0.0.1', attributes: ORIGIN_AS_PATH }] },
      { ...RAW, addPathSend: new Set(['1/1']) },
    );
    const bad = update!.slice();
    // ORIGIN value 7 (only 0..2 exist): RFC 7606 treat-as-withdraw, the session stays up.
    expect([bad[23], bad[24], bad[25]]).toEqual([0x40, 1, 1]);
    bad[26] = 7;
    for (let i = 0; i < 3; i++) conn.write(bad);
    await tick();
    expect(b.peerStatus(A)?.state).toBe('Established');
    expect(b.peerStatus(A)?.counters.peerErrors).toEqual({ 'update-treat-as-withdraw': 3 });
    const errors = events.b.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ source: 'peer', class: 'update-treat-as-withdraw' });
    conn.write(new Uint8Array(19).fill(0));
    await tick();
    expect(b.peerStatus(A)?.counters.peerErrors).toEqual({
      'update-treat-as-withdraw': 3,
      'message-header': 1,
    });
  });
});

describe('OPEN errors end to end', () => {
  async function rawOpen(open: Uint8Array): Promise<Uint8Array[]> {
    const net = new MemoryNetwork();
    const b = new BgpSpeaker({ clock: new FakeClock(), transport: net.transport(B) });
    await b.listen(B);
    b.addPeer({ localAddress: B, localAsn: 65002, peerAddress: A, peerAsn: 65001, passive: true });
    const got: Uint8Array[] = [];
    const conn = await new Promise<import('./transport.js').Connection>((resolve, reject) =>
      net
        .transport(A)
        .connect({ host: B, port: 179 }, (r) =>
          'connection' in r ? resolve(r.connection) : reject(r.error),
        ),
    );
    conn.setHandlers({ data: (c) => got.push(c), drain: () => {}, close: () => {} });
    conn.write(open);
    await settle();
    return got;
  }
  const notificationOf = (chunks: Uint8Array[]) => {
    const all = Uint8Array.from(chunks.flatMap((c) => [...c]));
    // Skip our OPEN (B answers the connection with its OPEN first).
    let o = 0;
    while (o + 19 <= all.length) {
      const len = (all[o + 16]! << 8) | all[o + 17]!;
      if (all[o + 18] === 3) return [all[o + 19], all[o + 20]];
      o += len;
    }
    return undefined;
  };
  const open = (over: { holdTime?: number; myAsn?: number; bgpId?: string }) =>
    encodeMessage({
      type: 'open',
      version: 4,
      myAsn: over.myAsn ?? 65001,
      holdTime: over.holdTime ?? 90,
      bgpId: over.bgpId ?? '10.0.0.1',
      capabilities: [],
    });

  it('hold time 2 -> OPEN Message Error / Unacceptable Hold Time', async () => {
    expect(notificationOf(await rawOpen(open({ holdTime: 2 })))).toEqual([2, 6]);
  });
  it('wrong ASN -> Bad Peer AS; identifier 0.0.0.0 -> Bad BGP Identifier', async () => {
    expect(notificationOf(await rawOpen(open({ myAsn: 65009 })))).toEqual([2, 2]);
    expect(notificationOf(await rawOpen(open({ bgpId: '0.0.0.0' })))).toEqual([2, 3]);
  });
  it('version 3 -> Unsupported Version Number', async () => {
    const bytes = open({});
    bytes[19] = 3;
    expect(notificationOf(await rawOpen(bytes))).toEqual([2, 1]);
  });
});

describe('peer restart while Established (RFC 4724 §4.2)', () => {
  it('a new connection from a peer with graceful restart replaces the old session at once', async () => {
    const net = new MemoryNetwork();
    const clock = new FakeClock();
    const a = new BgpSpeaker({ clock, transport: net.transport(A), random: () => 1 });
    const b = new BgpSpeaker({ clock, transport: net.transport(B), random: () => 1 });
    const events: SpeakerEvent[] = [];
    a.on('event', (e) => events.push(e));
    await a.listen(A);
    a.addPeer({ localAddress: A, localAsn: 65001, peerAddress: B, peerAsn: 65002, passive: true });
    b.addPeer({
      localAddress: B,
      localAsn: 65002,
      peerAddress: A,
      peerAsn: 65001,
      gracefulRestart: { restartTime: 60 },
    });
    await settle();
    expect(a.peerStatus(B)?.state).toBe('Established');
    a.setPaths('10.30.0.0/16', [{ nextHop: '192.0.2.1' }]);
    clock.advance(20);
    await settle();
    // B "crashes" without closing its TCP connection and comes back.
    const b2 = new BgpSpeaker({ clock, transport: net.transport(B), random: () => 1 });
    const got: SpeakerEvent[] = [];
    b2.on('event', (e) => got.push(e));
    b2.addPeer({
      localAddress: B,
      localAsn: 65002,
      peerAddress: A,
      peerAsn: 65001,
      gracefulRestart: { restartTime: 60, restarting: true },
    });
    await settle();
    expect(events.some((e) => e.type === 'state' && e.reason === 'peer-restarted')).toBe(true);
    expect(a.peerStatus(B)?.state).toBe('Established');
    expect(b2.peerStatus(A)?.state).toBe('Established');
    expect(got.some((e) => e.type === 'update-received' && e.nlri.includes('10.30.0.0/16'))).toBe(true);
    void b;
  });
});

describe('eBGP first-AS check', () => {
  const update = (firstAs: number) => {
    const attrs = [
      0x40,
      1,
      1,
      0,
      0x40,
      2,
      6,
      2,
      1,
      (firstAs >>> 24) & 255,
      (firstAs >>> 16) & 255,
      (firstAs >>> 8) & 255,
      firstAs & 255,
      0x40,
      3,
      4,
      192,
      0,
      2,
      1,
    ];
    const body = [0, 0, 0, attrs.length, ...attrs, 24, 10, 99, 0];
    return Uint8Array.of(...new Array(16).fill(255), 0, 19 + body.length, 2, ...body);
  };
  it('an AS_PATH that does not start with the peer AS is treated as withdrawn', async () => {
    const { net, b, events, tick } = await pair({ a: { addPath: false }, b: { addPath: false } });
    const conn = net.connections.find((c) => c.localAddress === A)!;
    conn.write(update(65555));
    await tick();
    expect(b.peerStatus(A)?.state).toBe('Established');
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(0);
    expect(events.b.some((e) => e.type === 'error')).toBe(true);
    conn.write(update(4200000001));
    await tick();
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(1);
  });
  it('enforceFirstAs: false accepts it (route servers)', async () => {
    const { net, b, tick } = await pair({
      a: { addPath: false },
      b: { addPath: false, enforceFirstAs: false },
    });
    net.connections.find((c) => c.localAddress === A)!.write(update(65555));
    await tick();
    expect(b.peerStatus(A)?.counters.prefixesReceived).toBe(1);
  });
});

describe('internal errors', () => {
  it('an exception while sending resets only that session, with Cease/Out of Resources', async () => {
    const { a, events, tick } = await pair();
    const session = a.session(B)!;
    session.rib.update = () => {
      throw new Error('simulated bug');
    };
    a.setPaths('10.88.0.0/16', [{ nextHop: '192.0.2.1' }]);
    await tick(20);
    expect(events.a.some((e) => e.type === 'error' && e.error.message === 'simulated bug')).toBe(true);
    expect(events.a.some((e) => e.type === 'state' && e.reason === 'internal-error')).toBe(true);
    expect(events.b.find((e) => e.type === 'notification-received')).toMatchObject({ code: 6, subcode: 8 });
  });
});
