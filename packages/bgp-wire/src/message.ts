import { HEADER_LENGTH, MessageType } from './constants.js';
import { BgpWireError, internalError } from './errors.js';
import { checkMessage, writeHeader } from './header.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import { DEFAULT_SESSION_OPTIONS, maxMessageLength, type SessionOptions } from './session.js';
import type { BgpMessage } from './types.js';
import { type DecodeResult, decodeUpdate } from './update-decode.js';
import { encodeUpdate } from './update-encode.js';

export type { DecodeResult } from './update-decode.js';

const NO_WARNINGS: readonly BgpWireError[] = Object.freeze([]) as readonly BgpWireError[];

/**
 * Decodes the first message in `bytes` (header included; e.g. a {@link MessageFramer} frame).
 * Never throws: every problem comes back as `{ ok: false, error }` with the NOTIFICATION to send
 * and the RFC 7606 action. Octets after the message's length are ignored.
 *
 * ```ts
 * const r = decodeMessage(bytes, session);
 * if (r.ok) handle(r.message); else if (r.error.action === 'session-reset') close(r.error.notification);
 * ```
 */
export function decodeMessage(
  bytes: Uint8Array,
  options: SessionOptions = DEFAULT_SESSION_OPTIONS,
): DecodeResult<BgpMessage> {
  try {
    const header = checkMessage(bytes, maxMessageLength(options));
    if (header instanceof BgpWireError) return { ok: false, error: header };
    const { length, type } = header;
    let message: BgpMessage | BgpWireError;
    switch (type) {
      case MessageType.OPEN:
        message = decodeOpen(bytes, length);
        break;
      case MessageType.UPDATE:
        return decodeUpdate(bytes, length, options);
      case MessageType.NOTIFICATION:
        message = decodeNotification(bytes, length);
        break;
      case MessageType.KEEPALIVE:
        message = { type: 'keepalive' };
        break;
      default:
        message = decodeRouteRefresh(bytes, length);
        break;
    }
    if (message instanceof BgpWireError) return { ok: false, error: message };
    return { ok: true, message, warnings: NO_WARNINGS };
  } catch (cause) {
    return { ok: false, error: internalError(cause) };
  }
}

/** Encodes a KEEPALIVE: the 16-octet all-ones marker, length 19, type 4. */
export function encodeKeepalive(): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH);
  writeHeader(out, 0, HEADER_LENGTH, MessageType.KEEPALIVE);
  return out;
}

/**
 * Encodes one message. Throws RangeError/TypeError for values that cannot be encoded (an
 * invalid address, a value out of range, a message over the maximum length); decoding a
 * message and encoding it again gives the same bytes.
 */
export function encodeMessage(
  message: BgpMessage,
  options: SessionOptions = DEFAULT_SESSION_OPTIONS,
): Uint8Array {
  switch (message.type) {
    case 'open':
      return encodeOpen(message);
    case 'update':
      return encodeUpdate(message, options);
    case 'notification': {
      const out = encodeNotification(message);
      if (out.length > maxMessageLength(options)) {
        throw new RangeError(`NOTIFICATION would be ${out.length} octets (max ${maxMessageLength(options)})`);
      }
      return out;
    }
    case 'keepalive':
      return encodeKeepalive();
    case 'route-refresh':
      return encodeRouteRefresh(message);
  }
}

/** The number of octets {@link encodeMessage} produces for `message`. */
export function encodingLength(
  message: BgpMessage,
  options: SessionOptions = DEFAULT_SESSION_OPTIONS,
): number {
  switch (message.type) {
    case 'keepalive':
      return HEADER_LENGTH;
    case 'notification':
      return HEADER_LENGTH + 2 + message.data.length;
    case 'route-refresh':
      return HEADER_LENGTH + 4 + (message.data?.length ?? 0);
    default:
      return encodeMessage(message, options).length;
  }
}
