/**
 * Hostile bytes from a peer: whatever arrives after a valid OPEN exchange, the session ends with a
 * NOTIFICATION or carries on; nothing throws and the speaker keeps working.
 */
import { encodeKeepalive, encodeMessage } from '@bgplb/bgp-wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import type { SpeakerEvent } from './events.js';
import { MemoryNetwork, settle } from './memory-transport.js';
import { BgpSpeaker } from './speaker.js';
import type { Connection } from './transport.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

/** A message with a valid header around a random body (types 1..5, sometimes others). */
const messageArb = fc
  .tuple(fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 80 }))
  .map(([type, body]) => {
    const out = new Uint8Array(19 + body.length).fill(0xff, 0, 16);
    out[16] = (19 + body.length) >>> 8;
    out[17] = (19 + body.length) & 255;
    out[18] = type;
    out.set(body, 19);
    return out;
  });
const chunkArb = fc.oneof(messageArb, fc.uint8Array({ minLength: 1, maxLength: 40 }));

describe('session under hostile input (property)', () => {
  it('never throws; ends with a NOTIFICATION or stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chunkArb, { minLength: 1, maxLength: 8 }), async (chunks) => {
        const net = new MemoryNetwork();
        const clock = new FakeClock();
        const b = new BgpSpeaker({ clock, transport: net.transport(B) });
        const events: SpeakerEvent[] = [];
        b.on('event', (e) => events.push(e));
        await b.listen(B);
        b.addPeer({
          localAddress: B,
          localAsn: 65002,
          peerAddress: A,
          peerAsn: 65001,
          passive: true,
          adjRibIn: true,
        });
        const conn = await new Promise<Connection>((resolve, reject) =>
          net
            .transport(A)
            .connect({ host: B, port: 179 }, (r) =>
              'connection' in r ? resolve(r.connection) : reject(r.error),
            ),
        );
        conn.setHandlers({ data: () => {}, drain: () => {}, close: () => {} });
        conn.write(
          encodeMessage({
            type: 'open',
            version: 4,
            myAsn: 65001,
            holdTime: 90,
            bgpId: '10.0.0.1',
            capabilities: [
              { type: 'four-octet-as', asn: 65001 },
              { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] },
            ],
          }),
        );
        conn.write(encodeKeepalive());
        await settle(5);
        expect(b.peerStatus(A)?.state).toBe('Established');
        for (const c of chunks) conn.write(c);
        await settle(5);
        const state = b.peerStatus(A)?.state;
        if (state !== 'Established') {
          // It went down for a reason it told the peer (or the peer's own NOTIFICATION).
          expect(
            events.some((e) => e.type === 'notification-sent' || e.type === 'notification-received'),
          ).toBe(true);
        }
        expect(b.peerStatus(A)?.counters.prefixesReceived).toBeGreaterThanOrEqual(0);
        await b.shutdown();
      }),
      { numRuns: 150 },
    );
  });
});
