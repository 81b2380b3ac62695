import { describe, expect, it } from 'vitest';
import { decode } from './codec.js';

/** A small fast PRNG (mulberry32) so that a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('decode fuzz', () => {
  it('never throws on 100k random inputs (half of them shaped like a v1 packet)', () => {
    const seed = Number(process.env.BFD_FUZZ_SEED ?? 0x5eed);
    const rand = prng(seed);
    const buf = new Uint8Array(64);
    let accepted = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const len = Math.floor(rand() * 40);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(rand() * 256);
      if (i % 2 === 0 && len >= 4) {
        // Mostly valid headers reach the later rules instead of failing on the version.
        buf[0] = (1 << 5) | ((buf[0] as number) & 0x1f);
        buf[3] = 24 + Math.floor(rand() * 4) - 1;
      }
      const input = buf.subarray(0, len);
      let r: ReturnType<typeof decode>;
      try {
        r = decode(input);
      } catch (err) {
        throw new Error(`seed ${seed} input ${i} (${Buffer.from(input).toString('hex')}) threw: ${err}`);
      }
      if (r.ok) accepted++;
      else codes.add(r.error.code);
    }
    // The generator reaches both accepted packets and many distinct discard rules.
    expect(accepted).toBeGreaterThan(100);
    expect(codes.size).toBeGreaterThanOrEqual(8);
  });
});
