/** BGP message types (RFC 4271 §4.1, RFC 2918). */
export const MessageType = { OPEN: 1, UPDATE: 2, NOTIFICATION: 3, KEEPALIVE: 4, ROUTE_REFRESH: 5 } as const;

export const HEADER_LENGTH = 19;

/** Encodes a KEEPALIVE: the 16-octet all-ones marker, length 19, type 4. */
export function encodeKeepalive(): Uint8Array {
  const out = new Uint8Array(HEADER_LENGTH).fill(0xff, 0, 16);
  out[16] = 0;
  out[17] = HEADER_LENGTH;
  out[18] = MessageType.KEEPALIVE;
  return out;
}
