import { checkUint } from './check.js';
import { CeaseSubcode, HEADER_LENGTH, MessageType, NotificationCode } from './constants.js';
import { writeHeader } from './header.js';
import type { NotificationMessage } from './types.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

/** Decodes a NOTIFICATION body. Any code, subcode and data are accepted and kept. */
export function decodeNotification(msg: Uint8Array, end: number): NotificationMessage {
  return {
    type: 'notification',
    code: msg[HEADER_LENGTH]!,
    subcode: msg[HEADER_LENGTH + 1]!,
    data: msg.slice(HEADER_LENGTH + 2, end),
  };
}

export function encodeNotification(n: NotificationMessage): Uint8Array {
  checkUint(n.code, 255, 'NOTIFICATION code');
  checkUint(n.subcode, 255, 'NOTIFICATION subcode');
  const total = HEADER_LENGTH + 2 + n.data.length;
  if (total > 65535) throw new RangeError(`NOTIFICATION would be ${total} octets`);
  const out = new Uint8Array(total);
  writeHeader(out, 0, total, MessageType.NOTIFICATION);
  out[HEADER_LENGTH] = n.code;
  out[HEADER_LENGTH + 1] = n.subcode;
  out.set(n.data, HEADER_LENGTH + 2);
  return out;
}

/** Maximum shutdown communication length in octets (RFC 9003; RFC 8203 allowed 128). */
export const MAX_SHUTDOWN_COMMUNICATION_LENGTH = 255;

/** The result of decoding a shutdown communication. */
export type ShutdownCommunicationResult =
  | {
      ok: true;
      /** The operator's message (may be empty). */
      text: string;
      /** Octets after the communication, kept verbatim (RFC 9003 allows further data). */
      trailing: Uint8Array;
    }
  | { ok: false; reason: string };

/**
 * Decodes the RFC 8203/9003 shutdown communication from the data of a Cease/Administrative
 * Shutdown or Administrative Reset NOTIFICATION: one length octet, then that many octets of
 * UTF-8. Fails (never throws) when the length exceeds the data or the text is not UTF-8.
 */
export function decodeShutdownCommunication(data: Uint8Array): ShutdownCommunicationResult {
  if (data.length === 0) return { ok: false, reason: 'no shutdown communication (empty data)' };
  const length = data[0]!;
  if (1 + length > data.length) {
    return {
      ok: false,
      reason: `shutdown communication length ${length} exceeds the ${data.length - 1} octets of data`,
    };
  }
  const text = decodeUtf8(data.subarray(1, 1 + length));
  if (text === undefined) return { ok: false, reason: 'shutdown communication is not valid UTF-8' };
  return { ok: true, text, trailing: data.slice(1 + length) };
}

/** Encodes a shutdown communication (length octet + UTF-8). Throws RangeError over 255 octets. */
export function encodeShutdownCommunication(text: string): Uint8Array {
  const utf8 = encodeUtf8(text);
  if (utf8.length > MAX_SHUTDOWN_COMMUNICATION_LENGTH) {
    throw new RangeError(`shutdown communication is ${utf8.length} octets (max 255, RFC 9003)`);
  }
  const out = new Uint8Array(1 + utf8.length);
  out[0] = utf8.length;
  out.set(utf8, 1);
  return out;
}

/** A Cease NOTIFICATION (default Administrative Shutdown) carrying a shutdown communication. */
export function shutdownNotification(
  text: string,
  subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
): NotificationMessage {
  return {
    type: 'notification',
    code: NotificationCode.CEASE,
    subcode,
    data: encodeShutdownCommunication(text),
  };
}
