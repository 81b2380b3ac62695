import { formatStateChange, stateLogName } from '@bgplb/bgp-fsm';
import type { Logger } from 'pino';
import type { FsmState, SpeakerEvent } from './speaker-types.js';

/** The log name of a state, as GoBGP and the original product print it: BGP_FSM_OPENSENT (bgp-fsm's). */
export { stateLogName };

/** `state changed old=BGP_FSM_ACTIVE new=BGP_FSM_OPENSENT reason=new-connection` (bgp-fsm's format). */
export function stateChangeMessage(from: FsmState, to: FsmState, reason: string): string {
  return formatStateChange({ from, to, reason });
}

/**
 * Writes one speaker event as one log line. Levels: state changes, UPDATEs and OPEN results at
 * info; NOTIFICATIONs at warn (they end a session); keepalives at debug; errors at error.
 * Every line carries `peer` so one session's story can be filtered out with jq.
 */
export function logSpeakerEvent(log: Logger, e: SpeakerEvent): void {
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
        nlri: e.nlri,
        withdrawn: e.withdrawn,
      };
      if (e.pathIds !== undefined) fields.pathIds = e.pathIds;
      log.info(fields, e.type === 'update-sent' ? 'sent update' : 'received update');
      return;
    }
    case 'notification-sent':
    case 'notification-received': {
      // Our own Cease for an administrative reason (shutdown, peer removed, reset) is routine.
      const routine = e.type === 'notification-sent' && e.code === 6 && [2, 3, 4].includes(e.subcode);
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
    case 'keepalive-sent':
      log.debug({ peer: e.peer }, 'sent keepalive');
      return;
    case 'keepalive-received':
      log.debug({ peer: e.peer }, 'received keepalive');
      return;
    case 'error': {
      const code = (e.error as { code?: unknown }).code;
      if (typeof code === 'string') {
        // A socket error (ECONNREFUSED, ETIMEDOUT, ...): expected while a peer is down, so a
        // warning without a stack; the FSM retries by itself.
        log.warn({ peer: e.peer, code }, `connection error: ${e.error.message}`);
      } else {
        log.error({ peer: e.peer, err: e.error }, `speaker error: ${e.error.message}`);
      }
      return;
    }
  }
}
