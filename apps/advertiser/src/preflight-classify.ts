import type { FsmState, SpeakerEvent } from './shared/speaker-types.js';

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

/** Adds one speaker event (already known to be about this peer) to the trace. */
export function recordEvent(trace: SessionTrace, e: SpeakerEvent): void {
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
    case 'error': {
      const code = (e.error as NodeJS.ErrnoException).code;
      trace.errors.push(
        code !== undefined ? { code, message: e.error.message } : { message: e.error.message },
      );
      break;
    }
    case 'update-sent':
      trace.updatesSent.push({ nlri: e.nlri, withdrawn: e.withdrawn });
      break;
    case 'update-received':
      trace.updatesReceived.push({ nlri: e.nlri, withdrawn: e.withdrawn, attributes: e.attributes });
      break;
    default:
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
  if (sent) return `the peer's OPEN was refused by us: ${note(sent)}`;
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
