/**
 * Session selection for a received Control packet: the discard rules of RFC 5880 §6.8.6 that need
 * the session table (the packet-level ones are in codec.ts). Pure: the caller passes look-ups.
 */
import type { BfdControlPacket } from './packet.js';

export type BfdSelectErrorCode =
  | 'unknown-your-discriminator'
  | 'zero-your-discriminator-not-down'
  | 'no-session';

export type BfdSelectResult<S> =
  | { ok: true; session: S }
  | { ok: false; error: { code: BfdSelectErrorCode; message: string } };

/**
 * Picks the session a packet belongs to: by Your Discriminator when it is non-zero, else (only in
 * state Down or AdminDown) by the addresses it came from, through `byAddress`.
 */
export function selectSession<S>(
  packet: BfdControlPacket,
  byDiscriminator: (discriminator: number) => S | undefined,
  byAddress: () => S | undefined,
): BfdSelectResult<S> {
  if (packet.yourDiscriminator !== 0) {
    const session = byDiscriminator(packet.yourDiscriminator);
    if (session === undefined)
      return {
        ok: false,
        error: {
          code: 'unknown-your-discriminator',
          message: `no session has discriminator ${packet.yourDiscriminator}`,
        },
      };
    return { ok: true, session };
  }
  if (packet.state !== 'Down' && packet.state !== 'AdminDown')
    return {
      ok: false,
      error: {
        code: 'zero-your-discriminator-not-down',
        message: `Your Discriminator is zero in state ${packet.state} (allowed only in Down or AdminDown)`,
      },
    };
  const session = byAddress();
  if (session === undefined)
    return {
      ok: false,
      error: { code: 'no-session', message: 'no session is configured for this peer and port' },
    };
  return { ok: true, session };
}
