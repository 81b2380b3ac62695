/**
 * The bounded fuzz run of the normal test suite: mutations of valid messages through every
 * oracle of test/fuzz-target.ts, plus every saved crasher as a regression fixture. The long,
 * coverage-guided run is `pnpm --filter @bgplb/bgp-wire fuzz` (fuzz/run.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzOne, generatedSeeds, mutate, mutationArb } from '../test/fuzz-target.js';

const CRASHERS = join(import.meta.dirname, '../test/fixtures/fuzz-crashers');
const FRR = join(import.meta.dirname, '../test/fixtures/frr');

function fixtureSeeds(): Uint8Array[] {
  try {
    return readdirSync(FRR)
      .filter((f) => f.endsWith('.bin'))
      .map((f) => new Uint8Array(readFileSync(join(FRR, f))));
  } catch {
    return [];
  }
}

describe('fuzz (bounded run)', () => {
  it('replays every saved crasher without a failure', () => {
    const files = readdirSync(CRASHERS).filter((f) => f.endsWith('.bin'));
    for (const f of files)
      expect(() => fuzzOne(new Uint8Array(readFileSync(join(CRASHERS, f)))), f).not.toThrow();
  });

  it('survives mutations of valid messages', () => {
    const corpus = [...generatedSeeds(200), ...fixtureSeeds()];
    fc.assert(
      fc.property(fc.nat(corpus.length - 1), fc.nat(corpus.length - 1), mutationArb, (i, j, mutations) => {
        fuzzOne(mutate(corpus[i]!, mutations, corpus[j]!));
      }),
      { numRuns: 10000, seed: Number(process.env.FUZZ_SEED ?? 1) },
    );
  });

  it('survives arbitrary bytes behind a valid header', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 200 }), (type, body) => {
        const d = new Uint8Array(19 + body.length);
        d.fill(0xff, 0, 16);
        d[16] = d.length >>> 8;
        d[17] = d.length & 255;
        d[18] = type;
        d.set(body, 19);
        fuzzOne(d);
      }),
      { numRuns: 2000 },
    );
  });
});
