import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, encode } from './codec.js';
import { BfdConfigError } from './config.js';
import { BfdManager, type BfdPeer } from './manager.js';
import type { BfdControlPacket } from './packet.js';
import type { BfdStateChange } from './session.js';

/** Two free-looking UDP ports on loopback for a pair of managers (random to avoid parallel runs). */
function ports(): [number, number] {
  const a = 20_000 + Math.floor(Math.random() * 20_000);
  return [a, a + 1];
}

const open: BfdManager[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function manager(port: number): BfdManager {
  const m = new BfdManager({ singleHopPort: port, multihopPort: port });
  open.push(m);
  return m;
}

function next(m: BfdManager, event: 'up' | 'down', timeoutMs = 5_000): Promise<[BfdPeer, BfdStateChange]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    m.once(event, (p, c) => {
      clearTimeout(t);
      resolve([p, c]);
    });
  });
}

// 50 ms x 3: fast. A test that needs the session to stay Up for a while uses multiplier 10: a
// process not run for 150 ms (a loaded CI machine) detects its peer Down at x 3.
const fast = { minTxMs: 50, minRxMs: 50, multiplier: 3 };

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function pair(family: 4 | 6 = 4, multihop = false, profile = fast) {
  const [pa, pb] = ports();
  const a = manager(pa);
  const b = manager(pb);
  const addr = family === 4 ? '127.0.0.1' : '::1';
  const upA = next(a, 'up');
  const upB = next(b, 'up');
  const sa = await a.addSession({ peer: addr, local: addr, port: pb, multihop, ...profile });
  const sb = await b.addSession({ peer: addr, local: addr, port: pa, multihop, ...profile });
  await Promise.all([upA, upB]);
  return { a, b, sa, sb, pa, pb };
}

describe('BfdManager on loopback', () => {
  it('brings a single-hop session Up both ways and settles on the negotiated interval', async () => {
    // Multiplier 10 (detection 500 ms): both ends live in this process, and a loaded machine that
    // does not run it for 150 ms (the detection time at x 3) would see a Down before the packets
    // queued meanwhile are read, and the interval checks below would fail on the slow rate.
    const { sa, sb } = await pair(4, false, { ...fast, multiplier: 10 });
    expect(sa.state).toBe('Up');
    expect(sb.state).toBe('Up');
    // The poll that follows Up ends quickly; then both sides send every 50 ms and detect in 500.
    await until('the poll after Up ends', () => !sa.session.context.polling);
    await until('b has received a few packets', () => sb.session.counters.received > 3);
    expect(sa.session.transmitIntervalMs).toBe(50);
    expect(sa.session.detectionTimeMs).toBe(500);
    expect(sb.session.counters.received).toBeGreaterThan(3);
    // The last packet arrived within about one interval (next-hop liveness reads it).
    const last = sb.session.lastReceivedAt;
    expect(last).toBeDefined();
    expect(Date.now() - (last ?? 0)).toBeLessThan(1_000);
  });

  it('setTimers runs a poll: both ends settle on the new interval and stay Up', async () => {
    // Multiplier 10 (detection 500 ms, then 1 s): a poll must not flap, however loaded the machine.
    const { a, sa, sb } = await pair(4, false, { ...fast, multiplier: 10 });
    const downs: string[] = [];
    a.on('down', (p) => downs.push(p.peer));
    // The poll that follows Up (slow rate -> 50 ms) ends first.
    await until('the polls after Up end', () => !sa.session.context.polling && !sb.session.context.polling);
    a.setTimers(sa, { minTxMs: 100, minRxMs: 100 });
    expect(sa.session.context.polling).toBe(true);
    await until("b's Final ends a's poll", () => !sa.session.context.polling);
    // a sends every max(100, b's 50 RX) = 100 ms; b detects a in 10 x max(50, 100) = 1000 ms.
    expect(sa.session.transmitIntervalMs).toBe(100);
    await until("b uses a's new interval", () => sb.session.detectionTimeMs === 1000);
    expect(sa.state).toBe('Up');
    expect(sb.state).toBe('Up');
    expect(downs).toEqual([]);
    expect(() => a.setTimers(sa, { multiplier: 0 })).toThrow(/multiplier must be an integer/);
  });

  it('works over IPv6 and on the multihop port', async () => {
    const v6 = await pair(6);
    expect(v6.sa.state).toBe('Up');
    const mh = await pair(4, true);
    expect(mh.sa.multihop).toBe(true);
    expect(mh.sb.state).toBe('Up');
  });

  it('detects a silent peer within the detection time and measures it', async () => {
    const { a, sa, sb } = await pair();
    await until('the polls after Up end', () => !sa.session.context.polling && !sb.session.context.polling);
    const down = new Promise<[BfdPeer, BfdStateChange]>((resolve) =>
      a.on('state', (p, c) => {
        if (c.to === 'Down') resolve([p, c]);
      }),
    );
    const cutAt = Date.now();
    sb.session.close(); // the peer falls silent: no AdminDown
    // The detection timer was armed at the last packet received, before the cut: it is due at
    // most 150 ms (+2 %) after the cut, so it fires no later than this timer armed at the cut.
    // Compared with it instead of a wall-clock bound: a loaded machine's late timers delay both.
    const reference = new Promise<number>((resolve) => setTimeout(() => resolve(Date.now()), 150));
    const [peer, change] = await down;
    const referenceFiredAt = await reference;
    expect(change.diagnostic).toBe('control-detection-time-expired');
    expect(change.detectionTimeMs).toBe(150);
    // Measured from the last packet received: the detection time, plus timer lateness.
    expect(change.silentMs).toBeGreaterThanOrEqual(148);
    expect(change.at, `Down ${change.at - cutAt} ms after the cut`).toBeLessThanOrEqual(
      referenceFiredAt + 20,
    );
    expect(peer.state).toBe('Down');
    expect(peer.session.context.remoteDiscriminator).toBe(0);
  });

  it('a removed session tells the peer with AdminDown: Down at once with diagnostic 3', async () => {
    const { a, b, sb } = await pair();
    const down = next(a, 'down');
    await b.removeSession(sb);
    const [, change] = await down;
    expect(change.diagnostic).toBe('neighbor-signaled-session-down');
    expect(b.peers).toEqual([]);
    await b.removeSession(sb); // twice is harmless
  });

  it('recovers after the peer comes back', async () => {
    const { a, b, sb, pa } = await pair();
    const down = next(a, 'down');
    await b.removeSession(sb);
    await down;
    const up = next(a, 'up');
    await b.addSession({ peer: '127.0.0.1', local: '127.0.0.1', port: pa, ...fast });
    const [, change] = await up;
    expect(change.from).toMatch(/Down|Init/);
  });

  it('sends from a source port in 49152-65535, TTL 255 is set on the socket', async () => {
    const [pa] = ports();
    const a = manager(pa);
    const listener = dgram.createSocket('udp4');
    await new Promise<void>((r) => listener.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<{ packet: BfdControlPacket; port: number }>((resolve) =>
      listener.once('message', (msg, rinfo) => {
        const r = decode(msg);
        if (r.ok) resolve({ packet: r.packet, port: rinfo.port });
      }),
    );
    await a.addSession({ peer: '127.0.0.1', local: '127.0.0.1', port: listener.address().port, ...fast });
    const { packet, port } = await got;
    listener.close();
    expect(port).toBeGreaterThanOrEqual(49152);
    expect(port).toBeLessThanOrEqual(65535);
    // Not Up yet: the slow rate of >= 1 s is advertised.
    expect(packet).toMatchObject({
      state: 'Down',
      desiredMinTxUs: 1_000_000,
      requiredMinRxUs: 50_000,
      detectMultiplier: 3,
    });
  });

  it('discards bad packets with a reason and keeps running', async () => {
    const [pa] = ports();
    const a = manager(pa);
    const peer = await a.addSession({ peer: '127.0.0.1', local: '127.0.0.1', port: 9, ...fast });
    const codes: string[] = [];
    a.on('discard', (d) => codes.push(d.code));
    const raw = dgram.createSocket('udp4');
    const base: BfdControlPacket = {
      diagnostic: 'none',
      state: 'Down',
      poll: false,
      final: false,
      controlPlaneIndependent: false,
      demand: false,
      detectMultiplier: 3,
      myDiscriminator: 99,
      yourDiscriminator: 0,
      desiredMinTxUs: 1_000_000,
      requiredMinRxUs: 1_000_000,
      requiredMinEchoRxUs: 0,
    };
    const sendTo = (bytes: Uint8Array, address = '127.0.0.1') =>
      new Promise<void>((r) => raw.send(bytes, pa, address, () => r()));
    await sendTo(new Uint8Array([0xff, 1, 2]));
    await sendTo(encode({ ...base, yourDiscriminator: 12345, state: 'Up' }));
    await sendTo(encode({ ...base, state: 'Up' }));
    // From another loopback address: no session is configured for it.
    await sendTo(encode(base), '127.0.0.2');
    // Right discriminator, wrong source.
    const other = dgram.createSocket('udp4');
    await new Promise<void>((r) => other.bind(0, '127.0.0.3', () => r()));
    await new Promise<void>((r) =>
      other.send(
        encode({ ...base, yourDiscriminator: peer.session.localDiscriminator, state: 'Init' }),
        pa,
        '127.0.0.1',
        () => r(),
      ),
    );
    await until('four packets discarded', () => codes.length >= 4);
    raw.close();
    other.close();
    expect(codes).toEqual([
      'truncated',
      'unknown-your-discriminator',
      'zero-your-discriminator-not-down',
      'source-mismatch',
    ]);
    expect(a.discards.get('truncated')).toBe(1);
    expect(peer.state).toBe('Down');
  });

  it('rejects bad options with a specific error', async () => {
    const [pa] = ports();
    const a = manager(pa);
    await expect(a.addSession({ peer: 'nope' })).rejects.toThrow(
      /peer must be an IPv4 or IPv6 address, got nope/,
    );
    await expect(a.addSession({ peer: '10.0.0.1', local: '::1' })).rejects.toThrow(
      /different address families/,
    );
    await expect(a.addSession({ peer: '10.0.0.1', local: 'x' })).rejects.toThrow(/local must be/);
    await expect(a.addSession({ peer: '10.0.0.1', minTxMs: 0 })).rejects.toThrow(
      /minTxMs must be a number of milliseconds/,
    );
    await expect(a.addSession({ peer: '10.0.0.1', minRxMs: Number.NaN })).rejects.toThrow(/minRxMs/);
    await expect(a.addSession({ peer: '10.0.0.1', multiplier: 1.5 })).rejects.toThrow(
      /multiplier must be an integer/,
    );
    await expect(a.addSession({ peer: '10.0.0.1', port: 70000 })).rejects.toThrow(/port must be/);
    await expect(a.addSession({ peer: '10.0.0.1', local: '192.0.2.1' })).rejects.toThrow(
      /cannot listen for BFD on 192.0.2.1/,
    );
    await a.addSession({ peer: '127.0.0.1', local: '127.0.0.1', port: 9 });
    await expect(a.addSession({ peer: '127.0.0.1', local: '127.0.0.1' })).rejects.toBeInstanceOf(
      BfdConfigError,
    );
    expect(a.find('127.0.0.1', { local: '127.0.0.1' })?.peer).toBe('127.0.0.1');
    expect(a.find('127.0.0.9')).toBeUndefined();
    expect(a.find('bad')).toBeUndefined();
    await a.close();
    await expect(a.addSession({ peer: '127.0.0.1' })).rejects.toThrow(/closed/);
  });
});
