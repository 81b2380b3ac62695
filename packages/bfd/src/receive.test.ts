import { describe, expect, it } from 'vitest';
import type { BfdControlPacket } from './packet.js';
import { selectSession } from './receive.js';

const packet = (p: Partial<BfdControlPacket>): BfdControlPacket => ({
  diagnostic: 'none',
  state: 'Down',
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMultiplier: 3,
  myDiscriminator: 5,
  yourDiscriminator: 0,
  desiredMinTxUs: 1_000_000,
  requiredMinRxUs: 300_000,
  requiredMinEchoRxUs: 0,
  ...p,
});
const sessions = new Map([[7, 'seven']]);
const byDiscr = (d: number) => sessions.get(d);

describe('selectSession (RFC 5880 §6.8.6 session rules)', () => {
  it('selects by Your Discriminator when it is non-zero', () => {
    expect(selectSession(packet({ yourDiscriminator: 7, state: 'Up' }), byDiscr, () => 'other')).toEqual({
      ok: true,
      session: 'seven',
    });
  });

  it('discards an unknown Your Discriminator', () => {
    const r = selectSession(packet({ yourDiscriminator: 8, state: 'Up' }), byDiscr, () => 'other');
    expect(r).toMatchObject({ ok: false, error: { code: 'unknown-your-discriminator' } });
  });

  it('discards a zero Your Discriminator outside Down and AdminDown', () => {
    for (const state of ['Init', 'Up'] as const) {
      expect(selectSession(packet({ state }), byDiscr, () => 'x')).toMatchObject({
        ok: false,
        error: { code: 'zero-your-discriminator-not-down' },
      });
    }
  });

  it('selects by address with a zero Your Discriminator in Down or AdminDown, else discards', () => {
    expect(selectSession(packet({ state: 'Down' }), byDiscr, () => 'by-addr')).toEqual({
      ok: true,
      session: 'by-addr',
    });
    expect(selectSession(packet({ state: 'AdminDown' }), byDiscr, () => 'by-addr')).toEqual({
      ok: true,
      session: 'by-addr',
    });
    expect(selectSession(packet({ state: 'Down' }), byDiscr, () => undefined)).toMatchObject({
      ok: false,
      error: { code: 'no-session' },
    });
  });
});
