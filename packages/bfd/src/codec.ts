/**
 * Encoder and strict decoder of the BFD Control packet (RFC 5880 §4.1), in the dns-packet style:
 * `encode(packet, buf?, offset?)`, `decode(buf, offset?)`, `encodingLength(packet)`.
 *
 * `decode` never throws: bytes from the network go through every packet-level discard rule of
 * RFC 5880 §6.8.6 and come back either as a packet or as a typed error naming the rule. The rules
 * that need session state (Your Discriminator lookup, state vs. zero discriminator) are in
 * receive.ts. Authentication is not supported, so a packet with the A bit is discarded: RFC 5880
 * §6.8.6 discards such a packet when the session does not use authentication, and none does here.
 */
import {
  BFD_CONTROL_LENGTH,
  BFD_DIAGNOSTICS,
  BFD_STATES,
  BFD_VERSION,
  type BfdControlPacket,
} from './packet.js';

/** Why a received packet was discarded; one code per rule. */
export type BfdDecodeErrorCode =
  | 'truncated'
  | 'bad-version'
  | 'bad-length'
  | 'length-exceeds-payload'
  | 'zero-detect-multiplier'
  | 'multipoint'
  | 'zero-my-discriminator'
  | 'authentication-not-supported'
  | 'poll-and-final'
  | 'bad-diagnostic';

export interface BfdDecodeError {
  code: BfdDecodeErrorCode;
  message: string;
}

export type BfdDecodeResult = { ok: true; packet: BfdControlPacket } | { ok: false; error: BfdDecodeError };

const MAX_U32 = 0xffff_ffff;

function fail(code: BfdDecodeErrorCode, message: string): BfdDecodeResult {
  return { ok: false, error: { code, message } };
}

/** Bytes needed for `packet` (always 24: no authentication section). */
export function encodingLength(_packet?: BfdControlPacket): number {
  return BFD_CONTROL_LENGTH;
}

function u32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32)
    throw new RangeError(`${name} must be an integer in 0..${MAX_U32}, got ${value}`);
  return value;
}

/**
 * Writes `packet` at `offset` of `buf` (a new 24-byte buffer when omitted) and returns the buffer.
 * Throws a RangeError for a field out of range: that is a programming error, not network input.
 */
export function encode(packet: BfdControlPacket, buf?: Uint8Array, offset = 0): Uint8Array {
  const out = buf ?? new Uint8Array(BFD_CONTROL_LENGTH);
  if (out.length - offset < BFD_CONTROL_LENGTH)
    throw new RangeError(`need ${BFD_CONTROL_LENGTH} bytes at offset ${offset}, have ${out.length - offset}`);
  const diag = BFD_DIAGNOSTICS.indexOf(packet.diagnostic);
  const state = BFD_STATES.indexOf(packet.state);
  if (diag < 0) throw new RangeError(`unknown diagnostic ${String(packet.diagnostic)}`);
  if (state < 0) throw new RangeError(`unknown state ${String(packet.state)}`);
  if (packet.poll && packet.final)
    throw new RangeError('Poll and Final must not both be set (RFC 5880 §6.5)');
  const mult = packet.detectMultiplier;
  if (!Number.isInteger(mult) || mult < 1 || mult > 255)
    throw new RangeError(`detectMultiplier must be an integer in 1..255, got ${mult}`);
  if (packet.myDiscriminator === 0) throw new RangeError('myDiscriminator must not be zero');
  out[offset] = (BFD_VERSION << 5) | diag;
  out[offset + 1] =
    (state << 6) |
    (packet.poll ? 0x20 : 0) |
    (packet.final ? 0x10 : 0) |
    (packet.controlPlaneIndependent ? 0x08 : 0) |
    (packet.demand ? 0x02 : 0);
  out[offset + 2] = mult;
  out[offset + 3] = BFD_CONTROL_LENGTH;
  writeU32(out, offset + 4, u32('myDiscriminator', packet.myDiscriminator));
  writeU32(out, offset + 8, u32('yourDiscriminator', packet.yourDiscriminator));
  writeU32(out, offset + 12, u32('desiredMinTxUs', packet.desiredMinTxUs));
  writeU32(out, offset + 16, u32('requiredMinRxUs', packet.requiredMinRxUs));
  writeU32(out, offset + 20, u32('requiredMinEchoRxUs', packet.requiredMinEchoRxUs));
  return out;
}

// Big-endian 32-bit fields, read and written byte by byte: no DataView per packet.
function writeU32(buf: Uint8Array, at: number, value: number): void {
  buf[at] = value >>> 24;
  buf[at + 1] = (value >>> 16) & 0xff;
  buf[at + 2] = (value >>> 8) & 0xff;
  buf[at + 3] = value & 0xff;
}

function readU32(buf: Uint8Array, at: number): number {
  return (
    (buf[at] as number) * 0x100_0000 +
    (((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number))
  );
}

/**
 * Decodes the Control packet that fills `buf` from `offset` (one UDP payload). Applies, in the
 * RFC's order, every packet-level discard rule of RFC 5880 §6.8.6, and rejects Poll and Final set
 * together (RFC 5880 §6.5 forbids it) and diagnostics the RFC does not define.
 */
export function decode(buf: Uint8Array, offset = 0): BfdDecodeResult {
  const available = buf.length - offset;
  if (offset < 0 || available < 4)
    return fail('truncated', `a BFD Control packet needs at least 4 bytes, got ${Math.max(0, available)}`);
  const b0 = buf[offset] as number;
  const b1 = buf[offset + 1] as number;
  const version = b0 >> 5;
  if (version !== BFD_VERSION)
    return fail('bad-version', `version ${version} (only ${BFD_VERSION} is spoken)`);
  const auth = (b1 & 0x04) !== 0;
  const length = buf[offset + 3] as number;
  const minLength = auth ? BFD_CONTROL_LENGTH + 2 : BFD_CONTROL_LENGTH;
  if (length < minLength) return fail('bad-length', `Length field ${length} is below ${minLength}`);
  if (length > available)
    return fail('length-exceeds-payload', `Length field ${length} exceeds the ${available}-byte payload`);
  const detectMultiplier = buf[offset + 2] as number;
  if (detectMultiplier === 0) return fail('zero-detect-multiplier', 'Detect Mult is zero');
  if ((b1 & 0x01) !== 0) return fail('multipoint', 'the Multipoint (M) bit is set');
  const myDiscriminator = readU32(buf, offset + 4);
  if (myDiscriminator === 0) return fail('zero-my-discriminator', 'My Discriminator is zero');
  if (auth)
    return fail(
      'authentication-not-supported',
      'the Authentication Present (A) bit is set; no session uses authentication',
    );
  const poll = (b1 & 0x20) !== 0;
  const final = (b1 & 0x10) !== 0;
  if (poll && final) return fail('poll-and-final', 'Poll and Final are both set');
  const diagnostic = BFD_DIAGNOSTICS[b0 & 0x1f];
  if (diagnostic === undefined) return fail('bad-diagnostic', `diagnostic ${b0 & 0x1f} is not defined`);
  return {
    ok: true,
    packet: {
      diagnostic,
      state: BFD_STATES[b1 >> 6] as BfdControlPacket['state'],
      poll,
      final,
      controlPlaneIndependent: (b1 & 0x08) !== 0,
      demand: (b1 & 0x02) !== 0,
      detectMultiplier,
      myDiscriminator,
      yourDiscriminator: readU32(buf, offset + 8),
      desiredMinTxUs: readU32(buf, offset + 12),
      requiredMinRxUs: readU32(buf, offset + 16),
      requiredMinEchoRxUs: readU32(buf, offset + 20),
    },
  };
}
