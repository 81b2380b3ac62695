/**
 * BFD-driven BGP sessions (RFC 5882) between two of our speakers over real TCP and UDP on
 * 127.0.0.x (no root needed): a BFD Down ends the session at once with Cease/BFD Down (RFC 9384);
 * `strict` holds the session until BFD is Up.
 */
import { BfdManager } from '@bgplb/bfd';
import { afterEach, describe, expect, it } from 'vitest';
import type { SpeakerEvent } from './events.js';
import { BgpSpeaker, type PeerOptions } from './speaker.js';

const A = '127.0.0.1';
const B = '127.0.0.2';
const fast = { minTxMs: 50, minRxMs: 50, multiplier: 3 };
const cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((f) => f()));
});

function bfdPorts(): [number, number] {
  const p = 30_000 + Math.floor(Math.random() * 15_000);
  return [p, p + 1];
}

function speaker(bfdPort?: number) {
  const bfd =
    bfdPort === undefined ? undefined : new BfdManager({ singleHopPort: bfdPort, multihopPort: bfdPort });
  const s = new BgpSpeaker({ batchWindowMs: 5, ...(bfd ? { bfd } : {}) });
  const events: SpeakerEvent[] = [];
  s.on('event', (e) => events.push(e));
  cleanup.push(async () => {
    await s.shutdown();
    await bfd?.close();
  });
  return { s, events, bfd };
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const state = (s: BgpSpeaker, id: string) => s.peers().find((p) => p.id === id)?.state;

function peer(local: string, remote: string, port: number, extra: Partial<PeerOptions> = {}): PeerOptions {
  return {
    localAddress: local,
    localAsn: 65001,
    peerAddress: remote,
    peerAsn: 65001,
    peerPort: port,
    connectRetryTime: 0.2,
    idleHoldTime: 0.2,
    ...extra,
  };
}

describe('BGP peers with BFD', () => {
  it('a silent BFD peer ends the BGP session at once with Cease/BFD Down; it restarts without strict', async () => {
    const [pa, pb] = bfdPorts();
    const x = speaker(pa);
    const y = speaker(pb);
    const ly = await y.s.listen(B, 0);
    const lx = await x.s.listen(A, 0);
    x.s.addPeer(peer(A, B, ly.port, { bfd: { ...fast, port: pb } }));
    y.s.addPeer(peer(B, A, lx.port, { bfd: { ...fast, port: pa } }));
    await until(
      'Established with BFD Up on both',
      () =>
        state(x.s, B) === 'Established' &&
        state(y.s, A) === 'Established' &&
        x.s.bfdState(B) === 'Up' &&
        y.s.bfdState(A) === 'Up',
    );
    // y's BFD falls silent (its BFD session stops without a word); its TCP session is still fine.
    const silentAt = Date.now();
    for (const p of y.bfd?.peers ?? []) p.session.close();
    await until('y to receive Cease/BFD Down', () =>
      y.events.some((e) => e.type === 'notification-received' && e.code === 6 && e.subcode === 10),
    );
    // Detection (3 x 50 ms) plus slack: far from the 90 s hold timer.
    expect(Date.now() - silentAt).toBeLessThan(2_000);
    const sent = x.events.find((e) => e.type === 'notification-sent' && e.subcode !== 7);
    expect(sent).toMatchObject({ code: 6, subcode: 10, text: 'Cease/BFD Down' });
    expect(x.events).toContainEqual(
      expect.objectContaining({ type: 'state', from: 'Established', reason: 'bfd-down' }),
    );
    // The BFD changes are events and status of the peer, by the state entered and the diagnostic.
    const down = x.events.find((e) => e.type === 'bfd-state' && e.from === 'Up');
    expect(down).toMatchObject({
      type: 'bfd-state',
      peer: B,
      to: 'Down',
      diagnostic: 'control-detection-time-expired',
      detectionTimeMs: 150,
    });
    expect(down?.type === 'bfd-state' && down.silentMs).toBeGreaterThanOrEqual(150);
    expect(x.events.filter((e) => e.type === 'bfd-state' && e.to === 'Up')).toHaveLength(1);
    const status = x.s.peerStatus(B)?.bfd;
    expect(status?.state).toBe('Down');
    expect(status?.transitions.Down?.['control-detection-time-expired']).toBe(1);
    expect(Object.values(status?.transitions.Up ?? {}).reduce((a, b) => a + b, 0)).toBe(1);
    // Not strict: x restarts on its own and the session comes back (BFD is not required for it).
    await until(
      'Established again',
      () => state(x.s, B) === 'Established' && state(y.s, A) === 'Established',
    );
  });

  it('strict: Idle until BFD is Up, and held Idle after a BFD Down', async () => {
    const [pa, pb] = bfdPorts();
    const x = speaker(pa);
    const y = speaker(); // y runs no BFD at first
    const ly = await y.s.listen(B, 0);
    const lx = await x.s.listen(A, 0);
    x.s.addPeer(peer(A, B, ly.port, { bfd: { ...fast, port: pb, strict: true } }));
    y.s.addPeer(peer(B, A, lx.port));
    await new Promise((r) => setTimeout(r, 600));
    expect(state(x.s, B)).toBe('Idle');
    expect(state(y.s, A)).not.toBe('Established');
    // The peer's BFD comes up: the session starts.
    const yBfd = new BfdManager({ singleHopPort: pb, multihopPort: pb });
    cleanup.push(() => yBfd.close());
    await yBfd.addSession({ peer: A, local: B, port: pa, ...fast });
    await until(
      'Established once BFD is Up',
      () => state(x.s, B) === 'Established' && x.s.bfdState(B) === 'Up',
    );
    // The peer stops BFD (AdminDown): Cease/BFD Down, and the session stays Idle.
    await yBfd.close();
    await until('Idle after BFD Down', () => state(x.s, B) === 'Idle');
    // x sent the NOTIFICATION before closing; y reads it a moment later.
    await until('y to receive Cease/BFD Down', () =>
      y.events.some((e) => e.type === 'notification-received' && e.code === 6 && e.subcode === 10),
    );
    await new Promise((r) => setTimeout(r, 600));
    expect(state(x.s, B)).toBe('Idle');
    expect(x.s.peers().map((p) => p.bfd?.state)).toEqual(['Down']);
    expect(y.s.peers().map((p) => p.bfd)).toEqual([undefined]); // no bfd option: no BFD status
    await x.s.removePeer(B);
    expect(x.s.bfdState(B)).toBeUndefined();
  });

  it('refuses bad BFD options with the peer and field named', () => {
    const { s } = speaker(bfdPorts()[0]);
    expect(() => s.addPeer(peer(A, B, 179, { bfd: { minTxMs: 0 } }))).toThrow(
      /peer 127.0.0.2: bfd: minTxMs must be a number of milliseconds/,
    );
    expect(() => s.addPeer(peer(A, B, 179, { bfd: { multiplier: 0 } }))).toThrow(/bfd: multiplier/);
    expect(s.peers()).toEqual([]);
  });
});
