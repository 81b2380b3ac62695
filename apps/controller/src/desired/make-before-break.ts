/**
 * Make-before-break for the floating IPs of a draining node. Pure.
 *
 * One floating IP cannot be held by two nodes at once (one address, one BGP session per peer from
 * it), so the make-before-break is at the peer: a floating IP leaves a draining holder that still
 * runs only while every peer it has a session with keeps another session that is Established, on
 * a node that is not draining, as its agent reported it within the staleness bound. That session
 * announces every VIP with the same next hops (a VIP's next hops are the load-balancer nodes, not
 * the speaker), so the peer's paths never go away while the floating IP moves. Until then the
 * draining node keeps the floating IP (and keeps announcing from it); after `maxHoldMs` past the
 * move's due time (or the drain's start) it moves anyway (a peer's other session may be down for good), with a Warning.
 *
 * A peer with no other session at all has nothing to wait for: its floating IP moves when due,
 * and the agents' `--handover graceful` is what keeps its paths at a GR-helper router then.
 * A holder that is not Ready is not held: it is not serving, so waiting gains nothing.
 */
import { SESSION_KIND, SESSION_KIND_LABEL } from '@bgplb/api-types';
import type { FloatingIPMove } from '@bgplb/floating-ip-allocator';
import { LABELS } from '../names.js';
import type { SessionObject } from '../types.js';

/** A BGPSession as its agent reports it. */
export interface LiveSession {
  peer: string;
  floatingIP: string;
  nodeName: string;
  /** `status.state` is Established. */
  established: boolean;
  /** `status.lastReportTime` (ms), when present and readable. */
  reportedAt: number | undefined;
}

/** Reports older than 3 heartbeats (3 x 30 s) are stale (the BgplbAgentNotReporting bound). */
export const SESSION_REPORT_FRESH_MS = 90_000;
/** How long past its due time a move waits for a peer's other session at most. */
export const MAX_MOVE_HOLD_MS = 120_000;
/** How soon a held move is decided again (session status changes do not trigger a reconcile). */
export const HELD_MOVE_RECHECK_MS = 1_000;

/** The Service BGPSessions (not the control-plane advertiser's) as their agents report them. */
export function liveSessionsOf(objects: readonly SessionObject[]): LiveSession[] {
  const out: LiveSession[] = [];
  for (const o of objects) {
    if (o.metadata.labels?.[SESSION_KIND_LABEL] !== SESSION_KIND.service) continue;
    const peer = o.metadata.labels?.[LABELS.peer];
    const floatingIP = o.spec?.floatingIP;
    if (peer === undefined || floatingIP === undefined || o.spec.nodeName === undefined) continue;
    const status = o.status as { state?: unknown; lastReportTime?: unknown } | undefined;
    const reported =
      typeof status?.lastReportTime === 'string' ? Date.parse(status.lastReportTime) : Number.NaN;
    out.push({
      peer,
      floatingIP,
      nodeName: o.spec.nodeName,
      established: status?.state === 'Established',
      reportedAt: Number.isFinite(reported) ? reported : undefined,
    });
  }
  return out;
}

export interface HeldMove {
  move: FloatingIPMove;
  /** Peers that have no other Established session yet. */
  waitingFor: string[];
}

export interface MoveHoldDecision {
  /** Moves to make now. */
  moves: FloatingIPMove[];
  /** Moves held back: their floating IP stays with `move.from`. */
  held: HeldMove[];
  /** Moves made although a peer had no other Established session (held for maxHoldMs). */
  forced: HeldMove[];
  /** When to decide the held moves again (ms), or null. */
  recheckAt: number | null;
}

export function holdMovesForPeers(input: {
  moves: readonly FloatingIPMove[];
  sessions: readonly LiveSession[];
  /** Draining nodes and since when (ms). */
  draining: ReadonlyMap<string, number>;
  /** Nodes whose Ready condition is True. */
  ready: ReadonlySet<string>;
  now: number;
  freshMs?: number;
  maxHoldMs?: number;
}): MoveHoldDecision {
  const freshMs = input.freshMs ?? SESSION_REPORT_FRESH_MS;
  const maxHoldMs = input.maxHoldMs ?? MAX_MOVE_HOLD_MS;
  const out: MoveHoldDecision = { moves: [], held: [], forced: [], recheckAt: null };
  const carrying = (s: LiveSession) =>
    s.established &&
    !input.draining.has(s.nodeName) &&
    s.reportedAt !== undefined &&
    input.now - s.reportedAt <= freshMs;
  for (const move of input.moves) {
    const from = move.from;
    if (from === null || !input.draining.has(from) || !input.ready.has(from)) {
      out.moves.push(move);
      continue;
    }
    const peers = new Set(input.sessions.filter((s) => s.floatingIP === move.ip).map((s) => s.peer));
    const waitingFor: string[] = [];
    for (const peer of [...peers].sort()) {
      const others = input.sessions.filter((s) => s.peer === peer && s.floatingIP !== move.ip);
      if (others.length > 0 && !others.some(carrying)) waitingFor.push(peer);
    }
    if (waitingFor.length === 0) {
      out.moves.push(move);
    } else if (input.now >= (move.dueAt ?? input.draining.get(from) ?? input.now) + maxHoldMs) {
      out.moves.push(move);
      out.forced.push({ move, waitingFor });
    } else {
      out.held.push({ move, waitingFor });
      const again = input.now + HELD_MOVE_RECHECK_MS;
      out.recheckAt = out.recheckAt === null ? again : Math.min(out.recheckAt, again);
    }
  }
  return out;
}
