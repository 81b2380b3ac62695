import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { FsmState, PeerStatus } from './speaker-types.js';

const STATES: readonly FsmState[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** A registry with the process metrics (CPU, memory, event loop lag) already in it. */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Registers the per-session metrics. They are computed from `peers()` at scrape time, so they are
 * never stale and a removed peer disappears from the output.
 *
 * - `bgplb_bgp_session_up{peer}` 1 while Established
 * - `bgplb_bgp_session_state{peer,state}` 1 for the current FSM state, 0 for the others
 * - `bgplb_bgp_messages_received_total{peer,type}` / `bgplb_bgp_messages_sent_total{peer,type}`
 * - `bgplb_bgp_prefixes_announced{peer}` / `bgplb_bgp_prefixes_received{peer}`
 * - `bgplb_bgp_prefixes_ignored_total{peer}` prefixes of families that were not negotiated (RFC 4760)
 * - `bgplb_bgp_peer_errors_total{peer,class}` protocol errors the peer caused, by class
 *   (`update-treat-as-withdraw`, `message-header`, `open`, ...), every one counted even when
 *   the log lines about them are rate-limited
 * - `bgplb_bgp_session_flaps_total{peer}` times the session left Established
 * - `bgplb_bgp_last_error_info{peer,direction,code,subcode,text}` 1 for the last NOTIFICATION
 */
export function registerSpeakerMetrics(registry: Registry, peers: () => readonly PeerStatus[]): void {
  new Gauge({
    name: 'bgplb_bgp_session_up',
    help: '1 while the BGP session is Established, else 0',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) this.set({ peer: p.id }, p.state === 'Established' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bgplb_bgp_session_state',
    help: 'FSM state of the session: 1 for the current state, 0 for the others',
    labelNames: ['peer', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) {
        for (const s of STATES) this.set({ peer: p.id, state: s }, p.state === s ? 1 : 0);
      }
    },
  });
  for (const [name, key, help] of [
    ['bgplb_bgp_messages_received_total', 'messagesIn', 'BGP messages received, by type'],
    ['bgplb_bgp_messages_sent_total', 'messagesOut', 'BGP messages sent, by type'],
  ] as const) {
    new Counter({
      name,
      help,
      labelNames: ['peer', 'type'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of peers()) {
          for (const [type, n] of Object.entries(p.counters[key])) this.inc({ peer: p.id, type }, n);
        }
      },
    });
  }
  new Gauge({
    name: 'bgplb_bgp_prefixes_announced',
    help: 'Prefixes in the Adj-RIB-Out of the session (sent to the peer)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) this.set({ peer: p.id }, p.counters.prefixesAnnounced);
    },
  });
  new Gauge({
    name: 'bgplb_bgp_prefixes_received',
    help: 'Prefixes received from the peer',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) this.set({ peer: p.id }, p.counters.prefixesReceived);
    },
  });
  new Counter({
    name: 'bgplb_bgp_prefixes_ignored_total',
    help: 'Prefixes received in address families that were not negotiated, ignored (RFC 4760)',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) this.inc({ peer: p.id }, p.counters.prefixesIgnored ?? 0);
    },
  });
  new Counter({
    name: 'bgplb_bgp_peer_errors_total',
    help: 'Protocol errors caused by the peer (malformed or unacceptable messages, limits), by class',
    labelNames: ['peer', 'class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) {
        for (const [cls, n] of Object.entries(p.counters.peerErrors ?? {}))
          this.inc({ peer: p.id, class: cls }, n);
      }
    },
  });
  new Counter({
    name: 'bgplb_bgp_session_flaps_total',
    help: 'Times the session went down after being Established',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) this.inc({ peer: p.id }, p.counters.flaps);
    },
  });
  new Gauge({
    name: 'bgplb_bgp_last_error_info',
    help: 'The last NOTIFICATION sent or received on the session (value is always 1)',
    labelNames: ['peer', 'direction', 'code', 'subcode', 'text'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of peers()) {
        const e = p.lastError;
        if (!e) continue;
        this.set(
          {
            peer: p.id,
            direction: e.direction,
            code: String(e.code),
            subcode: String(e.subcode),
            text: e.text,
          },
          1,
        );
      }
    },
  });
}
