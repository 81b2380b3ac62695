/**
 * One preflight session as the workstation sees it: the speaker events of the node's agent
 * (sent over JSON lines, so in a serialisable form), gathered in a trace, and the pure functions
 * that tell from a trace why a session or a route failed.
 */
import type { FsmState, SpeakerEvent } from '../shared/speaker-types.js';

/** The speaker events preflight uses, as plain JSON (an `error` carries its code and message). */
export type TraceEvent =
  | { type: 'state'; from: FsmState; to: FsmState; reason: string }
  | { type: 'notification-received' | 'notification-sent'; code: number; subcode: number; text: string }
  | { type: 'error'; code?: string; message: string }
  | { type: 'update-sent' | 'update-received'; nlri: string[]; withdrawn: string[]; attributes: string };

/** The serialisable form of a speaker event, or undefined for events preflight does not use. */
export function traceEventOf(e: SpeakerEvent): TraceEvent | undefined {
  switch (e.type) {
    case 'state':
      return { type: 'state', from: e.from, to: e.to, reason: e.reason };
    case 'notification-received':
    case 'notification-sent':
      return { type: e.type, code: e.code, subcode: e.subcode, text: e.text };
    case 'error': {
      const code = (e.error as NodeJS.ErrnoException).code;
      return code !== undefined
        ? { type: 'error', code, message: e.error.message }
        : { type: 'error', message: e.error.message };
    }
    case 'update-sent':
    case 'update-received':
      return { type: e.type, nlri: e.nlri, withdrawn: e.withdrawn, attributes: e.attributes };
    default:
      return undefined;
  }
}

/** What happened on one preflight session, gathered from speaker events. */
export interface SessionTrace {
  peer: string;
  port: number;
  states: Array<{ from: FsmState; to: FsmState; reason: string }>;
  notificationsReceived: Array<{ code: number; subcode: number; text: string }>;
  notificationsSent: Array<{ code: number; subcode: number; text: string }>;
  errors: Array<{ code?: string; message: string }>;
  updatesSent: Array<{ nlri: string[]; withdrawn: string[] }>;
  updatesReceived: Array<{ nlri: string[]; withdrawn: string[]; attributes: string }>;
  established: boolean;
}

export function newTrace(peer: string, port: number): SessionTrace {
  return {
    peer,
    port,
    states: [],
    notificationsReceived: [],
    notificationsSent: [],
    errors: [],
    updatesSent: [],
    updatesReceived: [],
    established: false,
  };
}

/** Adds one event (of this trace's peer) to the trace. */
export function recordEvent(trace: SessionTrace, e: TraceEvent): void {
  switch (e.type) {
    case 'state':
      trace.states.push({ from: e.from, to: e.to, reason: e.reason });
      if (e.to === 'Established') trace.established = true;
      break;
    case 'notification-received':
      trace.notificationsReceived.push({ code: e.code, subcode: e.subcode, text: e.text });
      break;
    case 'notification-sent':
      trace.notificationsSent.push({ code: e.code, subcode: e.subcode, text: e.text });
      break;
    case 'error':
      trace.errors.push(e.code !== undefined ? { code: e.code, message: e.message } : { message: e.message });
      break;
    case 'update-sent':
      trace.updatesSent.push({ nlri: e.nlri, withdrawn: e.withdrawn });
      break;
    case 'update-received':
      trace.updatesReceived.push({ nlri: e.nlri, withdrawn: e.withdrawn, attributes: e.attributes });
      break;
  }
}

const note = (n: { code: number; subcode: number; text: string }): string =>
  `NOTIFICATION ${n.code}/${n.subcode} ${n.text}`;

function connectError(trace: SessionTrace): string | undefined {
  const codes = [
    ...trace.errors.map((e) => `${e.code ?? ''} ${e.message}`),
    ...trace.states.map((s) => s.reason),
  ];
  const has = (re: RegExp) => codes.some((c) => re.test(c));
  const where = `${trace.peer}:${trace.port}`;
  if (has(/ECONNREFUSED|refused/i))
    return `TCP connection refused by ${where} (no BGP listener, or it refuses our address)`;
  if (has(/EHOSTUNREACH|ENETUNREACH|unreachable/i)) return `no route to ${trace.peer} (EHOSTUNREACH)`;
  if (has(/EADDRNOTAVAIL/i)) return 'the node address is not configured on this machine (EADDRNOTAVAIL)';
  return undefined;
}

/**
 * A failure that ends the session check before the deadline: the peer or we refused the OPEN,
 * the connection was refused, or the hold timer expired. Undefined while it may still come up.
 */
export function definitiveSessionFailure(trace: SessionTrace): string | undefined {
  if (trace.established) return undefined;
  const received = trace.notificationsReceived[0];
  if (received) return `OPEN rejected by the peer: ${note(received)}`;
  const sent = trace.notificationsSent[0];
  if (sent) {
    // The speaker says why in an error event ("OPEN refused: bad peer AS 65002 ..., expected 65003").
    const why = trace.errors.find((e) => e.message.startsWith('OPEN refused: '))?.message.slice(14);
    return `the peer's OPEN was refused by us: ${note(sent)}${why ? ` (${why})` : ''}`;
  }
  if (trace.states.some((s) => /hold-timer-expired/.test(s.reason))) {
    return 'hold timer expired before the session was Established (the peer stopped answering)';
  }
  return connectError(trace);
}

/** Why the session did not reach Established by the deadline. */
export function sessionFailureAtDeadline(trace: SessionTrace, waitedMs: number): string {
  const definitive = definitiveSessionFailure(trace);
  if (definitive) return definitive;
  const seconds = `${Math.round(waitedMs / 100) / 10}s`;
  const reached = new Set(trace.states.map((s) => s.to));
  if (reached.has('OpenConfirm')) return `no KEEPALIVE from the peer after its OPEN within ${seconds}`;
  if (reached.has('OpenSent')) return `TCP connected but no OPEN from the peer within ${seconds}`;
  const err = trace.errors.at(-1);
  if (err) return `TCP connect to ${trace.peer}:${trace.port} failed: ${err.message}`;
  return `TCP connect timeout: no answer from ${trace.peer}:${trace.port} within ${seconds}`;
}

/**
 * The peer's echo of our route: most routers (FRR, IOS, EOS, Junos by default) advertise the best
 * path of a prefix to every eBGP peer, including the AS it came from, so a route they accepted
 * comes back to us with their AS prepended. A route they filtered never does.
 */
export function echoOf(trace: SessionTrace, prefix: string, afterIndex: number): string | undefined {
  const echo = trace.updatesReceived.slice(afterIndex).find((u) => u.nlri.includes(prefix));
  return echo ? echo.attributes : undefined;
}

/** Why the route is considered refused after our UPDATE, or undefined while the session holds. */
export function routeRefusal(
  trace: SessionTrace,
  afterIndex: { states: number; received: number },
): string | undefined {
  const received = trace.notificationsReceived.slice(afterIndex.received)[0];
  if (received) return `route not accepted: the peer answered our UPDATE with ${note(received)}`;
  const down = trace.states.slice(afterIndex.states).find((s) => s.from === 'Established');
  if (down) {
    if (/hold-timer-expired/.test(down.reason)) return 'hold timer expired after our UPDATE';
    return `route not accepted: the session went down after our UPDATE (${down.reason})`;
  }
  return undefined;
}
