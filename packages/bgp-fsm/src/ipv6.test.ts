/**
 * IPv6 announcements end to end over the in-memory network: /128s in MP_REACH_NLRI with one
 * ADD-PATH path per next hop, over an IPv6 session and over an IPv4 session with ipv6-unicast
 * negotiated; MED, GRACEFUL_SHUTDOWN, AS-path prepend and link bandwidth on IPv6 paths;
 * End-of-RIB per family; graceful restart keeps them; RFC 8950 for IPv4 prefixes.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import type { SpeakerEvent } from './events.js';
import { MemoryNetwork, settle } from './memory-transport.js';
import { BgpSpeaker, type PeerOptions } from './speaker.js';

const V6_A = '2001:db8:1::a';
const V6_B = '2001:db8:1::b';
const V4_A = '10.0.1.10';
const V4_B = '10.0.1.254';
const VIP6 = '2001:db8:100::7/128';
const HOPS6 = ['2001:db8:1::10', '2001:db8:1::11', '2001:db8:1::12'];

/** Speaker A (AS 65001, ours) connects to B (AS 65000, passive, both families unless told). */
async function pair(
  addresses: { a: string; b: string },
  opts: { a?: Partial<PeerOptions>; b?: Partial<PeerOptions> } = {},
) {
  const net = new MemoryNetwork();
  const clock = new FakeClock(1_000_000);
  const make = (address: string) =>
    new BgpSpeaker({ clock, transport: net.transport(address), random: () => 1, batchWindowMs: 20 });
  const a = make(addresses.a);
  const b = make(addresses.b);
  const events: { a: SpeakerEvent[]; b: SpeakerEvent[] } = { a: [], b: [] };
  a.on('event', (e) => events.a.push(e));
  b.on('event', (e) => events.b.push(e));
  await b.listen(addresses.b, 179);
  b.addPeer({
    localAddress: addresses.b,
    localAsn: 65000,
    routerId: '10.255.0.254',
    peerAddress: addresses.a,
    peerAsn: 65001,
    passive: true,
    families: ['ipv4-unicast', 'ipv6-unicast'],
    ...opts.b,
  });
  a.addPeer({
    localAddress: addresses.a,
    localAsn: 65001,
    peerAddress: addresses.b,
    peerAsn: 65000,
    families: ['ipv4-unicast', 'ipv6-unicast'],
    ...opts.a,
  });
  const tick = async (ms = 20) => {
    await settle();
    clock.advance(ms);
    await settle();
  };
  await tick(0);
  return { a, b, events, tick };
}

/** The next hop as printed: `{Nexthop: a}` (IPv4 NLRI) or `{MpReach(family): a, []}`. */
const nextHopOf = (attributes: string) =>
  /Nexthop: ([^}]+)\}|MpReach\([a-z0-9-]+\): ([^,]+),/
    .exec(attributes)
    ?.slice(1)
    .find((x) => x !== undefined);

/** `prefix#pathId nexthop` of every announced path B received. */
function receivedPaths(events: SpeakerEvent[]): string[] {
  return events
    .flatMap((e) =>
      e.type === 'update-received'
        ? e.nlri.map((p, i) => `${p}#${e.pathIds?.[i] ?? '-'} ${nextHopOf(e.attributes)}`)
        : [],
    )
    .sort();
}

const attributesOf = (events: SpeakerEvent[], prefix: string) =>
  events.flatMap((e) => (e.type === 'update-received' && e.nlri.includes(prefix) ? [e.attributes] : []));

const withdrawnPaths = (events: SpeakerEvent[]) =>
  events.flatMap((e) =>
    e.type === 'update-received' ? e.withdrawn.map((p, i) => `${p}#${e.pathIds?.[i] ?? '-'}`) : [],
  );

const endOfRib = (events: SpeakerEvent[]) =>
  events.flatMap((e) => (e.type === 'end-of-rib-received' ? [e.family] : [])).sort();

describe.each([
  { name: 'an IPv6 session', addresses: { a: V6_A, b: V6_B } },
  { name: 'an IPv4 session with ipv6-unicast', addresses: { a: V4_A, b: V4_B } },
])('IPv6 /128 over $name', ({ addresses }) => {
  it('one ADD-PATH path per next hop, End-of-RIB per family, withdraw per path and per prefix', async () => {
    const { a, b, events, tick } = await pair(addresses);
    expect(a.peerStatus(addresses.b)?.state).toBe('Established');
    expect(a.peerStatus(addresses.b)?.negotiated?.families).toEqual(['1/1', '2/1']);
    expect(endOfRib(events.b)).toEqual(['1/1', '2/1']);
    expect(
      events.a.filter((e) => e.type === 'end-of-rib-sent').map((e) => (e as { family: string }).family),
    ).toEqual(['1/1', '2/1']);
    a.setPaths(
      VIP6,
      HOPS6.map((nextHop) => ({ nextHop, med: 0 })),
    );
    await tick();
    expect(receivedPaths(events.b)).toEqual(HOPS6.map((h, i) => `${VIP6}#${i + 1} ${h}`));
    expect(b.peerStatus(addresses.a)?.counters.prefixesReceivedByFamily['2/1']).toBe(3); // paths (ADD-PATH)
    events.b.length = 0;
    a.setPaths(
      VIP6,
      [HOPS6[0]!, HOPS6[2]!].map((nextHop) => ({ nextHop, med: 0 })),
    );
    await tick();
    expect(withdrawnPaths(events.b)).toEqual([`${VIP6}#2`]);
    a.withdraw(VIP6);
    await tick();
    expect(withdrawnPaths(events.b).sort()).toEqual([`${VIP6}#1`, `${VIP6}#2`, `${VIP6}#3`]);
    expect(b.peerStatus(addresses.a)?.counters.prefixesReceivedByFamily['2/1'] ?? 0).toBe(0);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('MED, GRACEFUL_SHUTDOWN, AS-path prepend and link bandwidth reach the peer on IPv6 paths', async () => {
    const { a, b, events, tick } = await pair(addresses);
    a.setPaths(VIP6, [
      { nextHop: HOPS6[0]!, med: 10, linkBandwidth: 1_250_000 },
      {
        nextHop: HOPS6[1]!,
        med: 1010,
        communities: ['GRACEFUL_SHUTDOWN'],
        asPathPrepend: 2,
        linkBandwidth: 2_500_000,
      },
    ]);
    await tick();
    const attrs = attributesOf(events.b, VIP6).join('\n');
    expect(attrs).toMatch(/Med: 10\b.*MpReach\(ipv6-unicast\): 2001:db8:1::10, .*LB:65001:1250000/);
    expect(attrs).toMatch(
      /65001 65001 65001 \{Med: 1010\} \{Communities: GRACEFUL_SHUTDOWN\} \{MpReach\(ipv6-unicast\): 2001:db8:1::11, .*LB:65001:2500000/,
    );
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('a peer that does not negotiate ipv6-unicast gets no IPv6 prefix and no IPv6 End-of-RIB', async () => {
    const { a, b, events, tick } = await pair(addresses, { b: { families: ['ipv4-unicast'] } });
    a.setPaths(VIP6, [{ nextHop: HOPS6[0]! }]);
    a.setPaths('192.0.2.7/32', [{ nextHop: '10.0.1.10' }]);
    await tick();
    expect(a.peerStatus(addresses.b)?.negotiated?.families).toEqual(['1/1']);
    expect(receivedPaths(events.b)).toEqual(['192.0.2.7/32#1 10.0.1.10']);
    expect(endOfRib(events.b)).toEqual(['1/1']);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('graceful restart: both families in the capability, a graceful stop withdraws no IPv6 path', async () => {
    const { a, b, events, tick } = await pair(addresses, {
      a: { gracefulRestart: { restartTime: 120 } },
      b: { gracefulRestart: { restartTime: 120 } },
    });
    const open = a.session(addresses.b)?.status().negotiated;
    expect(open?.gracefulRestart).toBe(true);
    const grFamilies = (
      b.session(addresses.a) as unknown as {
        negotiated: { gracefulRestart?: { families: { family: string }[] } };
      }
    ).negotiated.gracefulRestart?.families.map((f) => f.family);
    expect(grFamilies).toEqual(['1/1', '2/1']);
    a.setPaths(VIP6, [{ nextHop: HOPS6[0]! }]);
    await tick();
    events.b.length = 0;
    await a.shutdown({ graceful: true });
    await tick();
    expect(withdrawnPaths(events.b)).toEqual([]);
    expect(events.b.some((e) => e.type === 'notification-received')).toBe(false);
    await b.shutdown();
  });
});

describe('RFC 8950: IPv4 prefixes over an IPv6 session', () => {
  const VIP4 = '192.0.2.7/32';
  const HOPS4 = ['10.0.1.10', '10.0.1.11'];

  it('with extended next hop on both sides: one path, next hop = our IPv6 address', async () => {
    const { a, b, events, tick } = await pair(
      { a: V6_A, b: V6_B },
      { a: { extendedNextHop: V6_A }, b: { extendedNextHop: V6_B } },
    );
    expect(a.peerStatus(V6_B)?.negotiated?.extendedNextHop).toBe(true);
    a.setPaths(
      VIP4,
      HOPS4.map((nextHop) => ({ nextHop, med: 5 })),
    );
    a.setPaths(VIP6, [{ nextHop: HOPS6[0]! }]);
    await tick();
    expect(receivedPaths(events.b)).toEqual([`${VIP4}#1 ${V6_A}`, `${VIP6}#1 ${HOPS6[0]}`]);
    expect(attributesOf(events.b, VIP4).join()).toMatch(/Med: 5\b/);
    expect(b.peerStatus(V6_A)?.counters.prefixesReceivedByFamily['1/1']).toBe(1);
    a.withdraw(VIP4);
    await tick();
    expect(withdrawnPaths(events.b)).toEqual([`${VIP4}#1`]);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('without it at the peer: IPv4 next hops, every one its own path; IPv6 next hops of IPv4 prefixes left out', async () => {
    const { a, b, events, tick } = await pair({ a: V6_A, b: V6_B }, { a: { extendedNextHop: V6_A } });
    expect(a.peerStatus(V6_B)?.negotiated?.extendedNextHop).toBeUndefined();
    a.setPaths(
      VIP4,
      [...HOPS4, '2001:db8:1::99'].map((nextHop) => ({ nextHop })),
    );
    await tick();
    expect(receivedPaths(events.b)).toEqual([`${VIP4}#1 10.0.1.10`, `${VIP4}#2 10.0.1.11`]);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it('a peer offering it while we do not: IPv4 next hops as before', async () => {
    const { a, b, events, tick } = await pair({ a: V6_A, b: V6_B }, { b: { extendedNextHop: V6_B } });
    expect(a.peerStatus(V6_B)?.negotiated?.extendedNextHop).toBeUndefined();
    a.setPaths(
      VIP4,
      HOPS4.map((nextHop) => ({ nextHop })),
    );
    await tick();
    expect(receivedPaths(events.b)).toEqual([`${VIP4}#1 10.0.1.10`, `${VIP4}#2 10.0.1.11`]);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });
});

describe('IPv6 input checks', () => {
  const base: PeerOptions = { localAddress: V6_A, localAsn: 65001, peerAddress: V6_B, peerAsn: 65000 };

  it('refuses an IPv6 prefix with an IPv4 next hop, and changes nothing', () => {
    const s = new BgpSpeaker();
    expect(() => s.setPaths(VIP6, [{ nextHop: HOPS6[0]! }, { nextHop: '10.0.1.10' }])).toThrow(
      'path of 2001:db8:100::7/128: next hop 10.0.1.10 is IPv4; an IPv6 prefix needs IPv6 next hops',
    );
    expect(s.snapshot()).toEqual([]);
  });

  it('router id: the last 32 bits of an IPv6 localAddress, refused when they are 0.0.0.0', async () => {
    const s = new BgpSpeaker({ transport: new MemoryNetwork().transport(V6_A) });
    s.addPeer({ ...base, passive: true });
    expect(s.session(V6_B)?.config.routerId).toBe('0.0.0.10');
    expect(() => s.addPeer({ ...base, id: 'x', localAddress: '2001:db8::' })).toThrow(
      'peer x: routerId 0.0.0.0 is not a valid BGP identifier (set routerId)',
    );
    await s.shutdown();
  });

  it('extendedNextHop must be IPv6 and needs ipv4-unicast', () => {
    const s = new BgpSpeaker();
    expect(() => s.addPeer({ ...base, extendedNextHop: '10.0.1.10' })).toThrow(
      'peer 2001:db8:1::b: extendedNextHop 10.0.1.10 must be an IPv6 address (RFC 8950)',
    );
    expect(() => s.addPeer({ ...base, extendedNextHop: 'x' })).toThrow(
      /extendedNextHop "x" is not an IP address/,
    );
    expect(() => s.addPeer({ ...base, families: ['ipv6-unicast'], extendedNextHop: V6_A })).toThrow(
      'peer 2001:db8:1::b: extendedNextHop needs the ipv4-unicast family (it carries IPv4 prefixes)',
    );
  });
});
