import { formatIpv4, parseIpv4 } from './address.js';
import { decodeCapability, encodeCapability } from './capabilities.js';
import { checkUint } from './check.js';
import { AS_TRANS, HEADER_LENGTH, MessageType, NotificationCode, OpenSubcode } from './constants.js';
import { BgpWireError } from './errors.js';
import { writeHeader } from './header.js';
import type { Capability, OpenMessage } from './types.js';

const CAPABILITIES_PARAMETER = 2;
/** RFC 9072: a Non-Ext OP Type of 255 marks the extended optional parameters format. */
const EXTENDED_PARAMETERS_TYPE = 255;

function openError(subcode: number, message: string, data: Uint8Array = new Uint8Array(0)): BgpWireError {
  return new BgpWireError(`OPEN: ${message}`, { code: NotificationCode.OPEN_MESSAGE_ERROR, subcode, data });
}

/**
 * Decodes an OPEN body (`msg` is the whole message, `end` its length). Checks the version (4),
 * the hold time (0 or >= 3), the BGP Identifier (non-zero, RFC 6286), the ASN (non-zero, RFC
 * 7607), and the optional parameters, in the RFC 4271 or RFC 9072 extended format.
 */
export function decodeOpen(msg: Uint8Array, end: number): OpenMessage | BgpWireError {
  let p = HEADER_LENGTH;
  const version = msg[p]!;
  if (version !== 4) {
    return openError(
      OpenSubcode.UNSUPPORTED_VERSION_NUMBER,
      `version ${version} is not 4`,
      Uint8Array.of(0, 4),
    );
  }
  const myAsn = (msg[p + 1]! << 8) | msg[p + 2]!;
  const holdTime = (msg[p + 3]! << 8) | msg[p + 4]!;
  const bgpIdValue = ((msg[p + 5]! << 24) | (msg[p + 6]! << 16) | (msg[p + 7]! << 8) | msg[p + 8]!) >>> 0;
  let paramsLength = msg[p + 9]!;
  p += 10;
  if (myAsn === 0)
    return openError(OpenSubcode.BAD_PEER_AS, 'My Autonomous System is 0 (RFC 7607)', Uint8Array.of(0, 0));
  if (holdTime === 1 || holdTime === 2) {
    return openError(
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      `hold time ${holdTime} is 1 or 2 (must be 0 or >= 3)`,
    );
  }
  if (bgpIdValue === 0) return openError(OpenSubcode.BAD_BGP_IDENTIFIER, 'BGP Identifier is 0.0.0.0');
  let extended = false;
  // RFC 9072 §2: Non-Ext OP Len 255 followed by Non-Ext OP Type 255 means the extended format.
  if (paramsLength === 255 && p < end && msg[p] === EXTENDED_PARAMETERS_TYPE) {
    if (p + 3 > end)
      return openError(OpenSubcode.UNSPECIFIC, 'extended optional parameters length is truncated');
    paramsLength = (msg[p + 1]! << 8) | msg[p + 2]!;
    extended = true;
    p += 3;
  }
  if (p + paramsLength !== end) {
    return openError(
      OpenSubcode.UNSPECIFIC,
      `optional parameters length ${paramsLength} does not match the ${end - p} octets left in the message`,
    );
  }
  const capabilities: Capability[] = [];
  const groups: number[] = [];
  const lengthSize = extended ? 2 : 1;
  while (p < end) {
    if (p + 1 + lengthSize > end)
      return openError(OpenSubcode.UNSPECIFIC, 'optional parameter header is truncated');
    const paramType = msg[p]!;
    const paramLength = extended ? (msg[p + 1]! << 8) | msg[p + 2]! : msg[p + 1]!;
    const start = p + 1 + lengthSize;
    const paramEnd = start + paramLength;
    if (paramEnd > end) {
      return openError(
        OpenSubcode.UNSPECIFIC,
        `optional parameter length ${paramLength} runs past the message`,
      );
    }
    if (paramType !== CAPABILITIES_PARAMETER) {
      return openError(
        OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
        `optional parameter type ${paramType} is not supported`,
        msg.subarray(p, paramEnd),
      );
    }
    let count = 0;
    let q = start;
    while (q < paramEnd) {
      if (q + 2 > paramEnd)
        return openError(OpenSubcode.UNSPECIFIC, 'capability header runs past its parameter');
      const code = msg[q]!;
      const capLength = msg[q + 1]!;
      const capEnd = q + 2 + capLength;
      if (capEnd > paramEnd) {
        return openError(
          OpenSubcode.UNSPECIFIC,
          `capability ${code} length ${capLength} runs past its parameter`,
          msg.subarray(q, paramEnd),
        );
      }
      const cap = decodeCapability(code, msg.slice(q + 2, capEnd), msg.subarray(q, capEnd));
      if (cap instanceof BgpWireError) return cap;
      if (cap.type === 'four-octet-as' && cap.asn === 0) {
        return openError(
          OpenSubcode.BAD_PEER_AS,
          '4-octet AS capability carries AS 0 (RFC 7607)',
          Uint8Array.of(0, 0, 0, 0),
        );
      }
      capabilities.push(cap);
      count++;
      q = capEnd;
    }
    groups.push(count);
    p = paramEnd;
  }
  const open: OpenMessage = {
    type: 'open',
    version,
    myAsn,
    holdTime,
    bgpId: formatIpv4(msg, HEADER_LENGTH + 5),
    capabilities,
  };
  if (groups.some((g) => g !== 1)) open.parameterGroups = groups;
  if (extended) open.extendedParameters = true;
  return open;
}

/** Encodes the capabilities into optional parameters; returns them and whether RFC 9072 applies. */
function encodeParameters(open: OpenMessage): { params: Uint8Array[]; extended: boolean; length: number } {
  const caps = open.capabilities.map(encodeCapability);
  const groups = open.parameterGroups ?? caps.map(() => 1);
  if (groups.reduce((a, b) => a + b, 0) !== caps.length) {
    throw new RangeError('parameterGroups does not add up to the number of capabilities');
  }
  const bodies: Uint8Array[] = [];
  let i = 0;
  for (const g of groups) {
    const parts = caps.slice(i, i + g);
    i += g;
    const body = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
    let o = 0;
    for (const part of parts) {
      body.set(part, o);
      o += part.length;
    }
    bodies.push(body);
  }
  const shortLength = bodies.reduce((a, b) => a + 2 + b.length, 0);
  const extended =
    open.extendedParameters === true || shortLength > 255 || bodies.some((b) => b.length > 255);
  const params = bodies.map((body) => {
    const header = extended ? 3 : 2;
    const out = new Uint8Array(header + body.length);
    out[0] = CAPABILITIES_PARAMETER;
    if (extended) {
      out[1] = body.length >>> 8;
      out[2] = body.length & 255;
    } else {
      out[1] = body.length;
    }
    out.set(body, header);
    return out;
  });
  return { params, extended, length: params.reduce((a, b) => a + b.length, 0) };
}

/** Encodes an OPEN. Throws RangeError/TypeError for values that cannot be encoded. */
export function encodeOpen(open: OpenMessage): Uint8Array {
  const bgpId = parseIpv4(open.bgpId);
  if (bgpId < 0) throw new TypeError(`bgpId is not a dotted quad: ${JSON.stringify(open.bgpId)}`);
  if (!(open.myAsn >= 0 && open.myAsn <= 0xffff))
    throw new RangeError(`myAsn ${open.myAsn} does not fit 2 octets`);
  checkUint(open.version, 255, 'version');
  checkUint(open.holdTime, 0xffff, 'hold time');
  const { params, extended, length } = encodeParameters(open);
  const total = HEADER_LENGTH + 10 + (extended ? 3 : 0) + length;
  if (total > 4096) throw new RangeError(`OPEN would be ${total} octets (max 4096)`);
  const out = new Uint8Array(total);
  writeHeader(out, 0, total, MessageType.OPEN);
  let p = HEADER_LENGTH;
  out[p++] = open.version;
  out[p++] = open.myAsn >>> 8;
  out[p++] = open.myAsn & 255;
  out[p++] = (open.holdTime >>> 8) & 255;
  out[p++] = open.holdTime & 255;
  out[p++] = bgpId >>> 24;
  out[p++] = (bgpId >>> 16) & 255;
  out[p++] = (bgpId >>> 8) & 255;
  out[p++] = bgpId & 255;
  if (extended) {
    out[p++] = 255;
    out[p++] = EXTENDED_PARAMETERS_TYPE;
    out[p++] = length >>> 8;
    out[p++] = length & 255;
  } else {
    out[p++] = length;
  }
  for (const param of params) {
    out.set(param, p);
    p += param.length;
  }
  return out;
}

/**
 * Builds an OPEN for a speaker: puts AS_TRANS in the 2-octet field when `asn` does not fit, and
 * adds the 4-octet AS capability (first) when it is not already in `capabilities`.
 */
export function buildOpen(params: {
  asn: number;
  holdTime: number;
  bgpId: string;
  capabilities?: Capability[];
}): OpenMessage {
  const caps = [...(params.capabilities ?? [])];
  if (!caps.some((c) => c.type === 'four-octet-as')) caps.unshift({ type: 'four-octet-as', asn: params.asn });
  return {
    type: 'open',
    version: 4,
    myAsn: params.asn > 0xffff ? AS_TRANS : params.asn,
    holdTime: params.holdTime,
    bgpId: params.bgpId,
    capabilities: caps,
  };
}
