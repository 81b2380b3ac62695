import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerSpeakerMetrics } from './metrics.js';
import type { PeerStatus } from './speaker-types.js';

function peer(id: string, state: PeerStatus['state'], extra: Partial<PeerStatus> = {}): PeerStatus {
  return {
    id,
    state,
    uptime: 0,
    counters: {
      messagesIn: { open: 1, keepalive: 3, update: 2 },
      messagesOut: { open: 1, keepalive: 4, update: 1 },
      prefixesAnnounced: 1,
      pathsAnnounced: 1,
      prefixesReceivedByFamily: { '1/1': 2 },
      prefixesReceived: 2,
      prefixesIgnored: 3,
      peerErrors: { 'update-treat-as-withdraw': 2 },
      flaps: 1,
    },
    lastStateChange: new Date(0),
    advertisedPrefixes: ['10.0.0.8/32'],
    ...extra,
  };
}

describe('registerSpeakerMetrics', () => {
  it('renders every session metric from the peers at scrape time', async () => {
    const registry = new Registry();
    let peers = [
      peer('10.0.1.254', 'Active', {
        lastError: { code: 6, subcode: 2, text: 'Cease', direction: 'received', at: new Date(0) },
      }),
    ];
    registerSpeakerMetrics(registry, () => peers);
    const metrics = await registry.metrics();
    expect(metrics).toContain('bgplb_bgp_session_up{peer="10.0.1.254"} 0');
    expect(metrics).toContain('bgplb_bgp_session_state{peer="10.0.1.254",state="Active"} 1');
    expect(metrics).toContain('bgplb_bgp_session_state{peer="10.0.1.254",state="Established"} 0');
    expect(metrics).toContain('bgplb_bgp_messages_received_total{peer="10.0.1.254",type="update"} 2');
    expect(metrics).toContain('bgplb_bgp_messages_sent_total{peer="10.0.1.254",type="keepalive"} 4');
    expect(metrics).toContain('bgplb_bgp_prefixes_announced{peer="10.0.1.254"} 1');
    expect(metrics).toContain('bgplb_bgp_prefixes_received{peer="10.0.1.254"} 2');
    expect(metrics).toContain('bgplb_bgp_session_flaps_total{peer="10.0.1.254"} 1');
    expect(metrics).toContain('bgplb_bgp_prefixes_ignored_total{peer="10.0.1.254"} 3');
    expect(metrics).toContain(
      'bgplb_bgp_peer_errors_total{peer="10.0.1.254",class="update-treat-as-withdraw"} 2',
    );
    expect(metrics).toContain(
      'bgplb_bgp_last_error_info{peer="10.0.1.254",direction="received",code="6",subcode="2",text="Cease"} 1',
    );

    peers = [peer('10.0.2.254', 'Established')];
    const after = await registry.metrics();
    expect(after).toContain('bgplb_bgp_session_up{peer="10.0.2.254"} 1');
    expect(after).not.toContain('10.0.1.254');
  });
});
