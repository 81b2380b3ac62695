/**
 * BFD metrics of the speaker's peers (an extension, docs/bfd.md), for both modes:
 *
 * - `bgplb_bfd_session_up{peer}` 1 while the peer's BFD session is Up, 0 otherwise; only peers
 *   with `bfd` appear
 * - `bgplb_bfd_transitions_total{peer,to,diagnostic}` BFD state changes by the state entered and
 *   the RFC 5880 diagnostic (`control-detection-time-expired`: the peer fell silent;
 *   `neighbor-signaled-session-down`: it said Down; `administratively-down`: it was stopped)
 * - `bgplb_bfd_detection_seconds` histogram: for each Down by detection timeout, the time from the
 *   last packet received to the Down, as measured here (900 ms plus event-loop lateness at 300 ms x 3)
 *
 * The first two are read from `peers()` at scrape time like the BGP session metrics, so a removed
 * peer disappears; the histogram is fed by the speaker's `bfd-state` events.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PeerStatus, SpeakerEvent } from './speaker-types.js';

/** Buckets around the detection times of the usable profiles (300 ms x 3 detects at 0.9 s). */
export const BFD_DETECTION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.25, 1.5, 2, 3, 5, 10];

export interface BfdMetricsSource {
  peers(): readonly PeerStatus[];
  on(event: 'event', listener: (e: SpeakerEvent) => void): unknown;
}

export function registerBfdMetrics(registry: Registry, speaker: BfdMetricsSource): void {
  new Gauge({
    name: 'bgplb_bfd_session_up',
    help: '1 while the BFD session to the peer is Up, else 0 (peers with bfd only)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of speaker.peers()) if (p.bfd) this.set({ peer: p.id }, p.bfd.state === 'Up' ? 1 : 0);
    },
  });
  new Counter({
    name: 'bgplb_bfd_transitions_total',
    help: 'BFD state changes, by the state entered and the RFC 5880 diagnostic',
    labelNames: ['peer', 'to', 'diagnostic'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of speaker.peers()) {
        for (const [to, byDiagnostic] of Object.entries(p.bfd?.transitions ?? {})) {
          for (const [diagnostic, n] of Object.entries(byDiagnostic ?? {}))
            this.inc({ peer: p.id, to, diagnostic }, n);
        }
      }
    },
  });
  const detection = new Histogram({
    name: 'bgplb_bfd_detection_seconds',
    help: 'BFD detection timeouts: time from the last packet received from the peer to the Down',
    buckets: BFD_DETECTION_BUCKETS,
    registers: [registry],
  });
  speaker.on('event', (e) => {
    if (
      e.type === 'bfd-state' &&
      e.diagnostic === 'control-detection-time-expired' &&
      e.silentMs !== undefined
    )
      detection.observe(e.silentMs / 1000);
  });
}
