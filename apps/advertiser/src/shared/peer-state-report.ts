import type { Logger } from '@bgplb/kube-runtime/process';
import { stateLogName } from './speaker-log.js';
import type { PeerStatus, Speaker } from './speaker-types.js';

/** How often every peer's state line is logged (besides on every state change). */
export const PEER_STATE_REPORT_INTERVAL_MS = 30_000;

/** `5m30s`, `2h0m5s`, `3d4h5m`, `45s`, `0s`: an uptime as operators read it. */
export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d${h}h${m}m`;
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

/**
 * One peer's state line: `peer 10.0.1.254 state BGP_FSM_ESTABLISHED uptime 5m30s prefixes sent 1`
 * (the words operators grep for, BGP_FSM_ESTABLISHED among them), with the same as fields.
 * Uptime is the time Established (0s otherwise); prefixes sent are those in the Adj-RIB-Out.
 */
export function peerStateLine(status: PeerStatus): { fields: Record<string, unknown>; msg: string } {
  const state = stateLogName(status.state);
  const prefixesSent = status.counters.prefixesAnnounced;
  return {
    fields: { peer: status.id, state, uptime: status.uptime, prefixesSent },
    msg: `peer ${status.id} state ${state} uptime ${formatUptime(status.uptime)} prefixes sent ${prefixesSent}`,
  };
}

/** What the report reads from a speaker (the control-plane advertiser's and the agent's both have it). */
export type ReportedSpeaker = Pick<Speaker, 'on' | 'peers' | 'peerStatus'>;

/**
 * Logs every peer's state line at info every `intervalMs` and a peer's line whenever its state
 * changes (after the `state changed` line, which stays as it is). `stop()` ends the timer.
 */
export function startPeerStateReport(
  speaker: ReportedSpeaker,
  log: Logger,
  intervalMs = PEER_STATE_REPORT_INTERVAL_MS,
): { stop(): void } {
  let stopped = false;
  const write = (status: PeerStatus | undefined) => {
    if (stopped || status === undefined) return;
    const { fields, msg } = peerStateLine(status);
    log.info(fields, msg);
  };
  // Deferred a turn: the routes sent on reaching Established are counted in the line.
  speaker.on('event', (e) => {
    if (e.type === 'state') setImmediate(() => write(speaker.peerStatus(e.peer)));
  });
  const timer = setInterval(() => {
    for (const status of speaker.peers()) write(status);
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
