/**
 * Issue 21 acceptance: 20,000 malformed UPDATEs from one peer (RFC 7606 treat-as-withdraw, the
 * session stays up) produce at most 100 KB of logs, and the metric counts all 20,000. Real
 * speakers over bgp-fsm's in-memory transport; the app's event logger and metrics.
 */
import { Writable } from 'node:stream';
import { BgpSpeaker, FakeClock, MemoryNetwork, settle } from '@bgplb/bgp-fsm';
import { encodeUpdates } from '@bgplb/bgp-wire';
import { createLogger } from '@bgplb/kube-runtime/process';
import { describe, expect, it } from 'vitest';
import { createRegistry, registerSpeakerMetrics } from './metrics.js';
import { createSpeakerEventLogger } from './speaker-log.js';

const A = '10.0.0.1';
const B = '10.0.0.2';

describe('a peer flooding malformed UPDATEs', () => {
  it('20,000 treat-as-withdraw UPDATEs: <= 100 KB of logs, all 20,000 counted in bgplb_bgp_peer_errors_total', async () => {
    let logBytes = 0;
    let lines = 0;
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logBytes += chunk.length;
        lines += chunk.toString().split('\n').length - 1;
        cb();
      },
    });
    const log = createLogger({ level: 'info', destination });
    const net = new MemoryNetwork();
    const clock = new FakeClock(1_000_000);
    const victim = new BgpSpeaker({ clock, transport: net.transport(B) });
    const hostile = new BgpSpeaker({ clock, transport: net.transport(A) });
    const write = createSpeakerEventLogger(log);
    victim.on('event', write);
    const registry = createRegistry();
    registerSpeakerMetrics(registry, () => victim.peers());
    await victim.listen(B, 179);
    victim.addPeer({ localAddress: B, localAsn: 65002, peerAddress: A, peerAsn: 65001, passive: true });
    hostile.addPeer({ localAddress: A, localAsn: 65001, peerAddress: B, peerAsn: 65002 });
    await settle();
    expect(victim.peerStatus(A)?.state).toBe('Established');
    const before = logBytes;

    const [update] = encodeUpdates(
      {
        announce: [
          {
            prefix: '198.51.100.0/24',
            pathId: 1,
            nextHop: A,
            attributes: [
              { type: 'origin', origin: 'igp' },
              { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
            ],
          },
        ],
      },
      { fourOctetAs: true, extendedMessage: true, addPathSend: new Set(['1/1']), addPathReceive: new Set() },
    );
    const bad = update!.slice();
    expect([bad[23], bad[24], bad[25]]).toEqual([0x40, 1, 1]);
    bad[26] = 7; // ORIGIN 7: treat-as-withdraw
    const conn = net.connections.find((c) => c.localAddress === A)!;
    for (let i = 0; i < 20_000; i++) {
      conn.write(bad);
      if (i % 500 === 499) await settle();
    }
    await settle();
    write.flush();

    expect(victim.peerStatus(A)?.state).toBe('Established');
    expect(victim.peerStatus(A)?.counters.peerErrors).toEqual({ 'update-treat-as-withdraw': 20_000 });
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      `bgplb_bgp_peer_errors_total{peer="${A}",class="update-treat-as-withdraw"} 20000`,
    );
    const flood = logBytes - before;
    expect(flood).toBeLessThanOrEqual(100 * 1024);
    // The first few lines and one summary line, not one per UPDATE.
    expect(lines).toBeLessThan(40);
    await Promise.all([victim.shutdown(), hostile.shutdown(), settle()]);
  });
});
