import { checkUint } from './check.js';
import { HEADER_LENGTH, MessageType, NotificationCode, RouteRefreshSubcode } from './constants.js';
import { BgpWireError } from './errors.js';
import { writeHeader } from './header.js';
import type { RouteRefreshMessage } from './types.js';

/**
 * Decodes a ROUTE-REFRESH (RFC 2918). BoRR/EoRR (subtypes 1 and 2, RFC 7313) must be exactly 23
 * octets, else ROUTE-REFRESH Message Error 7/1 with the whole message as data. Unknown subtypes
 * are returned as they are; RFC 7313 says to ignore them.
 */
export function decodeRouteRefresh(msg: Uint8Array, end: number): RouteRefreshMessage | BgpWireError {
  const p = HEADER_LENGTH;
  const subtype = msg[p + 2]!;
  if ((subtype === 1 || subtype === 2) && end !== HEADER_LENGTH + 4) {
    return new BgpWireError(`ROUTE-REFRESH subtype ${subtype} length ${end} is not 23`, {
      code: NotificationCode.ROUTE_REFRESH_MESSAGE_ERROR,
      subcode: RouteRefreshSubcode.INVALID_MESSAGE_LENGTH,
      data: msg.slice(0, end),
    });
  }
  const rr: RouteRefreshMessage = {
    type: 'route-refresh',
    afi: (msg[p]! << 8) | msg[p + 1]!,
    safi: msg[p + 3]!,
    subtype,
  };
  if (end > HEADER_LENGTH + 4) rr.data = msg.slice(HEADER_LENGTH + 4, end);
  return rr;
}

export function encodeRouteRefresh(rr: RouteRefreshMessage): Uint8Array {
  checkUint(rr.afi, 0xffff, 'ROUTE-REFRESH AFI');
  checkUint(rr.safi, 255, 'ROUTE-REFRESH SAFI');
  checkUint(rr.subtype, 255, 'ROUTE-REFRESH subtype');
  const extra = rr.data?.length ?? 0;
  const total = HEADER_LENGTH + 4 + extra;
  if (total > 65535) throw new RangeError(`ROUTE-REFRESH would be ${total} octets`);
  const out = new Uint8Array(total);
  writeHeader(out, 0, total, MessageType.ROUTE_REFRESH);
  out[HEADER_LENGTH] = (rr.afi >>> 8) & 255;
  out[HEADER_LENGTH + 1] = rr.afi & 255;
  out[HEADER_LENGTH + 2] = rr.subtype;
  out[HEADER_LENGTH + 3] = rr.safi;
  if (rr.data !== undefined) out.set(rr.data, HEADER_LENGTH + 4);
  return out;
}
