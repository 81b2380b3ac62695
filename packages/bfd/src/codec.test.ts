import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, encodingLength } from './codec.js';
import { BFD_DIAGNOSTICS, BFD_STATES, type BfdControlPacket } from './packet.js';

const base: BfdControlPacket = {
  diagnostic: 'none',
  state: 'Down',
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMultiplier: 3,
  myDiscriminator: 0x01020304,
  yourDiscriminator: 0,
  desiredMinTxUs: 1_000_000,
  requiredMinRxUs: 300_000,
  requiredMinEchoRxUs: 0,
};

/** The bytes of `base` with `patch` applied to them. */
function bytes(patch: (b: Uint8Array) => void = () => {}): Uint8Array {
  const b = encode(base);
  patch(b);
  return b;
}

describe('encode', () => {
  it('lays out the fields of RFC 5880 §4.1', () => {
    const b = encode({
      ...base,
      diagnostic: 'control-detection-time-expired',
      state: 'Up',
      poll: true,
      yourDiscriminator: 7,
    });
    expect(Buffer.from(b).toString('hex')).toBe(
      // vers 1 diag 1 | Up, P | mult 3 | len 24 | my | your | tx 1s | rx 300ms | echo 0
      '21e00318' + '01020304' + '00000007' + '000f4240' + '000493e0' + '00000000',
    );
    expect(encodingLength(base)).toBe(24);
  });

  it('writes into a given buffer at an offset', () => {
    const buf = new Uint8Array(30);
    encode(base, buf, 4);
    const r = decode(buf.subarray(4, 28));
    expect(r).toEqual({ ok: true, packet: base });
  });

  it('refuses values that cannot be encoded', () => {
    expect(() => encode({ ...base, poll: true, final: true })).toThrow(/Poll and Final/);
    expect(() => encode({ ...base, detectMultiplier: 0 })).toThrow(/detectMultiplier/);
    expect(() => encode({ ...base, myDiscriminator: 0 })).toThrow(/myDiscriminator/);
    expect(() => encode({ ...base, desiredMinTxUs: 2 ** 32 })).toThrow(/desiredMinTxUs/);
    expect(() => encode({ ...base, diagnostic: 'bogus' as never })).toThrow(/diagnostic/);
    expect(() => encode({ ...base, state: 'Sleepy' as never })).toThrow(/state/);
    expect(() => encode(base, new Uint8Array(23))).toThrow(/need 24 bytes/);
  });
});

describe('decode: the discard rules of RFC 5880 §6.8.6, one by one', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['fewer than 4 bytes', bytes().subarray(0, 3), 'truncated'],
    [
      'version is not 1',
      bytes((b) => {
        b[0] = (2 << 5) | 0;
      }),
      'bad-version',
    ],
    [
      'Length below 24',
      bytes((b) => {
        b[3] = 23;
      }),
      'bad-length',
    ],
    [
      'Length below 26 with the A bit',
      bytes((b) => {
        b[1] = (b[1] as number) | 0x04;
        b[3] = 25;
      }),
      'bad-length',
    ],
    ['Length beyond the UDP payload', bytes().subarray(0, 20), 'length-exceeds-payload'],
    [
      'Detect Mult is zero',
      bytes((b) => {
        b[2] = 0;
      }),
      'zero-detect-multiplier',
    ],
    [
      'Multipoint bit set',
      bytes((b) => {
        b[1] = (b[1] as number) | 0x01;
      }),
      'multipoint',
    ],
    [
      'My Discriminator is zero',
      bytes((b) => {
        b.fill(0, 4, 8);
      }),
      'zero-my-discriminator',
    ],
    [
      'A bit set (no session uses authentication)',
      (() => {
        const b = new Uint8Array(33);
        b.set(bytes());
        b[1] = (b[1] as number) | 0x04;
        b[3] = 33;
        return b;
      })(),
      'authentication-not-supported',
    ],
    [
      'Poll and Final both set (RFC 5880 §6.5)',
      bytes((b) => {
        b[1] = (b[1] as number) | 0x30;
      }),
      'poll-and-final',
    ],
    [
      'an undefined diagnostic',
      bytes((b) => {
        b[0] = (1 << 5) | 9;
      }),
      'bad-diagnostic',
    ],
  ];
  for (const [name, input, code] of cases) {
    it(`discards: ${name}`, () => {
      const r = decode(input);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.message.length).toBeGreaterThan(5);
      }
    });
  }

  it('accepts trailing bytes beyond Length (they are not part of the packet)', () => {
    const b = new Uint8Array(28);
    b.set(bytes());
    expect(decode(b)).toEqual({ ok: true, packet: base });
  });

  it('reads every flag', () => {
    const r = decode(
      bytes((b) => {
        b[1] = (3 << 6) | 0x10 | 0x08 | 0x02;
      }),
    );
    expect(r).toMatchObject({
      ok: true,
      packet: { state: 'Up', final: true, poll: false, controlPlaneIndependent: true, demand: true },
    });
  });
});

const packetArb: fc.Arbitrary<BfdControlPacket> = fc
  .record({
    diagnostic: fc.constantFrom(...BFD_DIAGNOSTICS),
    state: fc.constantFrom(...BFD_STATES),
    pf: fc.constantFrom([false, false], [true, false], [false, true]),
    controlPlaneIndependent: fc.boolean(),
    demand: fc.boolean(),
    detectMultiplier: fc.integer({ min: 1, max: 255 }),
    myDiscriminator: fc.integer({ min: 1, max: 0xffff_ffff }),
    yourDiscriminator: fc.nat({ max: 0xffff_ffff }),
    desiredMinTxUs: fc.nat({ max: 0xffff_ffff }),
    requiredMinRxUs: fc.nat({ max: 0xffff_ffff }),
    requiredMinEchoRxUs: fc.nat({ max: 0xffff_ffff }),
  })
  .map(({ pf, ...rest }) => ({ ...rest, poll: pf[0] as boolean, final: pf[1] as boolean }));

describe('properties', () => {
  it('decode(encode(p)) is p for every valid packet', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        expect(decode(encode(p))).toEqual({ ok: true, packet: p });
      }),
    );
  });

  it('a decoded packet re-encodes to the same 24 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), (raw) => {
        const b = Uint8Array.from(raw);
        b[0] = (1 << 5) | ((b[0] as number) & 0x1f);
        b[3] = 24;
        const r = decode(b);
        if (r.ok) expect(Buffer.from(encode(r.packet))).toEqual(Buffer.from(b));
      }),
      { numRuns: 2000 },
    );
  });
});
