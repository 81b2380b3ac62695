import {
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE_LENGTH,
  MAX_MESSAGE_LENGTH,
  MessageHeaderSubcode,
  MessageType,
  MIN_MESSAGE_LENGTH,
  NotificationCode,
} from './constants.js';
import { BgpWireError } from './errors.js';

/** A checked message header. */
export interface MessageHeader {
  /** Total message length, header included. */
  length: number;
  /** Message type code (1..5). */
  type: number;
}

function headerError(subcode: number, data: Uint8Array, message: string): BgpWireError {
  return new BgpWireError(message, { code: NotificationCode.MESSAGE_HEADER_ERROR, subcode, data });
}

/** Message Header Error 1/2 with the erroneous length field as data (RFC 4271 §6.1). */
export function badLengthError(length: number, message: string): BgpWireError {
  return headerError(
    MessageHeaderSubcode.BAD_MESSAGE_LENGTH,
    Uint8Array.of(length >>> 8, length & 255),
    message,
  );
}

const TYPE_NAMES = ['', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH'];

/**
 * The header of the one whole message that `bytes` must hold (every decoder's first step): at
 * least 19 octets, a valid header (checkHeader), and as many octets as its length says.
 */
export function checkMessage(bytes: Uint8Array, maxLength: number): MessageHeader | BgpWireError {
  if (bytes.length < HEADER_LENGTH) {
    return badLengthError(bytes.length, `only ${bytes.length} octets, a header needs 19`);
  }
  const header = checkHeader(bytes, 0, maxLength);
  if (header instanceof BgpWireError) return header;
  if (header.length > bytes.length) {
    return badLengthError(
      header.length,
      `message length ${header.length} but only ${bytes.length} octets given`,
    );
  }
  return header;
}

/**
 * Checks the 19-octet header at `offset` (RFC 4271 §6.1): the all-ones marker, the length
 * (19..maxLength; OPEN and KEEPALIVE never over 4096), the type, and the minimum length of the
 * type. Needs 19 octets at `offset`.
 */
export function checkHeader(
  bytes: Uint8Array,
  offset: number,
  maxLength: number,
): MessageHeader | BgpWireError {
  for (let i = 0; i < 16; i++) {
    if (bytes[offset + i] !== 0xff) {
      return headerError(
        MessageHeaderSubcode.CONNECTION_NOT_SYNCHRONIZED,
        new Uint8Array(0),
        'message header marker is not all ones',
      );
    }
  }
  const length = (bytes[offset + 16]! << 8) | bytes[offset + 17]!;
  const type = bytes[offset + 18]!;
  const limit = Math.min(Math.max(maxLength, HEADER_LENGTH), MAX_EXTENDED_MESSAGE_LENGTH);
  if (length < HEADER_LENGTH || length > limit) {
    return badLengthError(length, `message length ${length} is outside ${HEADER_LENGTH}..${limit}`);
  }
  const min = MIN_MESSAGE_LENGTH[type];
  if (min === undefined) {
    return headerError(
      MessageHeaderSubcode.BAD_MESSAGE_TYPE,
      Uint8Array.of(type),
      `unknown message type ${type}`,
    );
  }
  const name = TYPE_NAMES[type]!;
  if (length < min) return badLengthError(length, `${name} length ${length} is below the minimum ${min}`);
  if (type === MessageType.KEEPALIVE && length !== HEADER_LENGTH) {
    return badLengthError(length, `KEEPALIVE length ${length} is not 19`);
  }
  if ((type === MessageType.OPEN || type === MessageType.KEEPALIVE) && length > MAX_MESSAGE_LENGTH) {
    return badLengthError(length, `${name} length ${length} is over 4096 (RFC 8654 §3)`);
  }
  return { length, type };
}

/** Writes the marker, length and type at `offset` of `out`. */
export function writeHeader(out: Uint8Array, offset: number, length: number, type: number): void {
  out.fill(0xff, offset, offset + 16);
  out[offset + 16] = length >>> 8;
  out[offset + 17] = length & 255;
  out[offset + 18] = type;
}
