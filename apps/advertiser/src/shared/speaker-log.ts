import { formatStateChange, stateLogName } from '@bgplb/bgp-fsm';
import type { Logger } from 'pino';
import { PeerLogLimiter, type PeerLogLimiterOptions } from './peer-log-limiter.js';
import type { FsmState, SpeakerEvent } from './speaker-types.js';

/**
 * Prefixes an UPDATE line lists at info (`nlri`, `withdrawn`); the rest are counted in the
 * message ("... and 4,990 more") and listed in full by an extra line at debug.
 */
export const UPDATE_LOG_PREFIXES = 10;

/**
 * What the speaker's events must carry for this logger: below debug only the prefixes an info
 * line lists, so a received table costs no string per prefix (the event loop's budget).
 */
export function speakerEventOptions(log: Logger): { updateEvents: { receivedPrefixes?: number } } {
  return log.isLevelEnabled('debug')
    ? { updateEvents: {} }
    : { updateEvents: { receivedPrefixes: UPDATE_LOG_PREFIXES } };
}

/**
 * `4990` -> `4,990`. Not `toLocaleString('en-US')`: its first call loads ICU's number formatting,
 * 10-50 ms on the event loop in the middle of the first received table.
 */
export function groupDigits(n: number): string {
  const digits = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

/** The log name of a state, as GoBGP and the original product print it: BGP_FSM_OPENSENT (bgp-fsm's). */
export { stateLogName };

/** `state changed old=BGP_FSM_ACTIVE new=BGP_FSM_OPENSENT reason=new-connection` (bgp-fsm's format). */
export function stateChangeMessage(from: FsmState, to: FsmState, reason: string): string {
  return formatStateChange({ from, to, reason });
}

/** A speaker event writer with per-peer rate limiting; `flush()` reports pending suppressed counts. */
export interface SpeakerEventLogger {
  (e: SpeakerEvent): void;
  flush(): void;
}

/** The event writer the apps use: `logSpeakerEvent` with one rate limiter for the process. */
export function createSpeakerEventLogger(
  log: Logger,
  options: PeerLogLimiterOptions = {},
): SpeakerEventLogger {
  const limiter = new PeerLogLimiter(
    (peer, n) =>
      log.warn(
        { peer, suppressed: n },
        `suppressed ${groupDigits(n)} similar lines about peer ${peer} (protocol errors, NOTIFICATIONs); the metrics count them all`,
      ),
    options,
  );
  const write = (e: SpeakerEvent) => logSpeakerEvent(log, e, limiter);
  return Object.assign(write, { flush: () => limiter.flush() });
}

function listed<T>(items: T[]): T[] {
  return items.length > UPDATE_LOG_PREFIXES ? items.slice(0, UPDATE_LOG_PREFIXES) : items;
}

/**
 * Writes one speaker event as one log line. Levels: state changes, UPDATEs and OPEN results at
 * info; NOTIFICATIONs at warn (they end a session), our routine Cease at info; keepalives at
 * debug. Errors the peer causes (malformed messages, RFC 7606 treat-as-withdraw, refused OPENs,
 * unnegotiated families) and connection errors go to warn without a stack trace and, with a
 * `limiter`, at most a few per peer per minute; internal errors go to error with their stack.
 * Every line carries `peer` so one session's story can be filtered out with jq.
 */
export function logSpeakerEvent(log: Logger, e: SpeakerEvent, limiter?: PeerLogLimiter): void {
  const admit = (peer: string | undefined) => limiter === undefined || limiter.admit(peer ?? 'unknown');
  switch (e.type) {
    case 'state':
      log.info(
        { peer: e.peer, old: stateLogName(e.from), new: stateLogName(e.to), reason: e.reason },
        stateChangeMessage(e.from, e.to, e.reason),
      );
      return;
    case 'open-negotiated':
      log.info({ peer: e.peer, negotiated: e.negotiated }, 'open negotiated');
      return;
    case 'update-sent':
    case 'update-received': {
      const fields: Record<string, unknown> = {
        peer: e.peer,
        attributes: e.attributes,
        nlri: listed(e.nlri),
        withdrawn: listed(e.withdrawn),
      };
      if (e.pathIds !== undefined) fields.pathIds = listed(e.pathIds);
      // The event may list fewer prefixes than the UPDATE had (speakerEventOptions).
      const more =
        Math.max(0, (e.nlriTotal ?? e.nlri.length) - UPDATE_LOG_PREFIXES) +
        Math.max(0, (e.withdrawnTotal ?? e.withdrawn.length) - UPDATE_LOG_PREFIXES);
      const msg = e.type === 'update-sent' ? 'sent update' : 'received update';
      if (more === 0) {
        log.info(fields, msg);
        return;
      }
      fields.more = more;
      log.info(fields, `${msg} (... and ${groupDigits(more)} more)`);
      if (log.isLevelEnabled('debug') && e.nlriTotal === undefined) {
        const full: Record<string, unknown> = {
          peer: e.peer,
          attributes: e.attributes,
          nlri: e.nlri,
          withdrawn: e.withdrawn,
        };
        if (e.pathIds !== undefined) full.pathIds = e.pathIds;
        log.debug(full, `${msg} (full list)`);
      }
      return;
    }
    case 'notification-sent':
    case 'notification-received': {
      // Our own Cease for an administrative reason (shutdown, peer removed, reset) is routine.
      const routine = e.type === 'notification-sent' && e.code === 6 && [2, 3, 4].includes(e.subcode);
      if (!routine && !admit(e.peer)) return;
      log[routine ? 'info' : 'warn'](
        { peer: e.peer, code: e.code, subcode: e.subcode, text: e.text },
        `${e.type === 'notification-sent' ? 'sent' : 'received'} notification: ${e.text}`,
      );
      return;
    }
    case 'end-of-rib-sent':
    case 'end-of-rib-received':
      log.info(
        { peer: e.peer, family: e.family },
        e.type === 'end-of-rib-sent' ? 'sent end-of-rib' : 'received end-of-rib',
      );
      return;
    case 'route-refresh-received':
      log.info({ peer: e.peer, family: e.family, subtype: e.subtype }, 'received route refresh');
      return;
    case 'unnegotiated-family':
      if (!admit(e.peer)) return;
      log.warn(
        { peer: e.peer, family: e.family, prefixes: e.prefixes },
        `ignoring prefixes of family ${e.family}, which was not negotiated (RFC 4760); counted in bgplb_bgp_prefixes_ignored_total`,
      );
      return;
    case 'bfd-state': {
      const fields: Record<string, unknown> = {
        peer: e.peer,
        from: e.from,
        to: e.to,
        diagnostic: e.diagnostic,
        detectionTimeMs: e.detectionTimeMs,
      };
      if (e.silentMs !== undefined) fields.silentMs = Math.round(e.silentMs);
      const msg = `BFD ${e.from} -> ${e.to} (${e.diagnostic})`;
      // Leaving Up ends the BGP session (Cease/BFD Down): a warning, rate-limited like NOTIFICATIONs.
      if (e.from === 'Up') {
        if (admit(e.peer)) log.warn(fields, msg);
      } else log.info(fields, msg);
      return;
    }
    case 'keepalive-sent':
      log.debug({ peer: e.peer }, 'sent keepalive');
      return;
    case 'keepalive-received':
      log.debug({ peer: e.peer }, 'received keepalive');
      return;
    case 'error': {
      const code = (e.error as { code?: unknown }).code;
      if (e.source === 'peer') {
        if (!admit(e.peer)) return;
        log.warn({ peer: e.peer, class: e.class }, `peer protocol error: ${e.error.message}`);
      } else if (e.source === 'connection' || typeof code === 'string') {
        // A socket error (ECONNREFUSED, ETIMEDOUT, ...) or a refused connection: expected while a
        // peer is down or misconfigured, so a warning without a stack; the FSM retries by itself.
        if (!admit(e.peer)) return;
        const fields: Record<string, unknown> = { peer: e.peer };
        if (typeof code === 'string') fields.code = code;
        log.warn(fields, `connection error: ${e.error.message}`);
      } else {
        log.error({ peer: e.peer, err: e.error }, `speaker error: ${e.error.message}`);
      }
      return;
    }
  }
}
