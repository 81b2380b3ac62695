import { ByteWriter, writeAttribute } from './attributes-encode.js';
import { HEADER_LENGTH, MessageType } from './constants.js';
import { writeHeader } from './header.js';
import { maxMessageLength, type SessionOptions } from './session.js';
import type { UpdateMessage } from './types.js';

/**
 * Encodes one UPDATE exactly as given (attribute order, flags, prefixes). Path ids are written
 * in the families in `options.addPathSend` (0 when a prefix has none). Throws RangeError when the
 * result exceeds the session's maximum message length, TypeError for malformed values.
 */
export function encodeUpdate(update: UpdateMessage, options: SessionOptions): Uint8Array {
  const w = new ByteWriter(256);
  w.pos = HEADER_LENGTH;
  const ipv4AddPath = options.addPathSend.has('1/1');
  w.u16(0);
  const withdrawnStart = w.pos;
  for (const n of update.withdrawn) w.nlri(n, ipv4AddPath);
  const withdrawnLength = w.pos - withdrawnStart;
  w.u16(0);
  const attrStart = w.pos;
  for (const attr of update.attributes) writeAttribute(w, attr, options);
  const attrLength = w.pos - attrStart;
  for (const n of update.nlri) w.nlri(n, ipv4AddPath);
  const total = w.pos;
  const max = maxMessageLength(options);
  if (total > max)
    throw new RangeError(`UPDATE would be ${total} octets (max ${max}); use encodeUpdates to split`);
  const out = w.buf;
  writeHeader(out, 0, total, MessageType.UPDATE);
  out[HEADER_LENGTH] = withdrawnLength >>> 8;
  out[HEADER_LENGTH + 1] = withdrawnLength & 255;
  out[attrStart - 2] = attrLength >>> 8;
  out[attrStart - 1] = attrLength & 255;
  return out.slice(0, total);
}
