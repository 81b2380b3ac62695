import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerBfdMetrics } from './bfd-metrics.js';
import type { PeerStatus, SpeakerEvent } from './speaker-types.js';

function peer(id: string, bfd?: PeerStatus['bfd']): PeerStatus {
  return {
    id,
    state: 'Established',
    uptime: 0,
    counters: {
      messagesIn: {},
      messagesOut: {},
      prefixesAnnounced: 0,
      pathsAnnounced: 0,
      prefixesReceivedByFamily: {},
      prefixesReceived: 0,
      prefixesIgnored: 0,
      peerErrors: {},
      flaps: 0,
    },
    lastStateChange: new Date(0),
    advertisedPrefixes: [],
    ...(bfd ? { bfd } : {}),
  };
}

function source(peers: () => PeerStatus[]) {
  const events = new EventEmitter<{ event: [SpeakerEvent] }>();
  return { peers, on: (_: 'event', l: (e: SpeakerEvent) => void) => events.on('event', l), events };
}

describe('registerBfdMetrics', () => {
  it('renders BFD up and the transitions by state and diagnostic, for peers with bfd only', async () => {
    const registry = new Registry();
    let peers = [
      peer('a', {
        state: 'Up',
        transitions: { Init: { none: 1 }, Up: { none: 2 }, Down: { 'control-detection-time-expired': 1 } },
      }),
      peer('b', { state: 'Down', transitions: {} }),
      peer('c'),
    ];
    registerBfdMetrics(
      registry,
      source(() => peers),
    );
    const text = await registry.metrics();
    expect(text).toContain('bgplb_bfd_session_up{peer="a"} 1');
    expect(text).toContain('bgplb_bfd_session_up{peer="b"} 0');
    expect(text).not.toContain('peer="c"');
    expect(text).toContain('bgplb_bfd_transitions_total{peer="a",to="Up",diagnostic="none"} 2');
    expect(text).toContain(
      'bgplb_bfd_transitions_total{peer="a",to="Down",diagnostic="control-detection-time-expired"} 1',
    );
    peers = [peer('b', { state: 'Up', transitions: { Up: { none: 1 } } })];
    const after = await registry.metrics();
    expect(after).toContain('bgplb_bfd_session_up{peer="b"} 1');
    expect(after).not.toContain('peer="a"');
  });

  it('observes the measured silence of detection timeouts only', async () => {
    const registry = new Registry();
    const s = source(() => []);
    registerBfdMetrics(registry, s);
    const down = { type: 'bfd-state', peer: 'a', from: 'Up', to: 'Down', detectionTimeMs: 900 } as const;
    s.events.emit('event', { ...down, diagnostic: 'control-detection-time-expired', silentMs: 905 });
    s.events.emit('event', { ...down, diagnostic: 'neighbor-signaled-session-down' });
    s.events.emit('event', { type: 'keepalive-sent', peer: 'a' });
    const text = await registry.metrics();
    expect(text).toContain('bgplb_bfd_detection_seconds_count 1');
    expect(text).toContain('bgplb_bfd_detection_seconds_sum 0.905');
    expect(text).toContain('bgplb_bfd_detection_seconds_bucket{le="0.9"} 0');
    expect(text).toContain('bgplb_bfd_detection_seconds_bucket{le="1"} 1');
  });
});
