import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findOverlaps } from './overlaps.js';
import type { NumericRange } from './pool-entry.js';

/** The definition, in O(n^2): each range overlapping an earlier one, with the first it overlaps. */
function bruteForce(ranges: readonly NumericRange[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  ranges.forEach((r, i) => {
    const j = ranges.findIndex(
      (o, k) => k < i && o.family === r.family && o.first <= r.last && r.first <= o.last,
    );
    if (j >= 0) out.push([j, i]);
  });
  return out;
}

const range = fc.tuple(fc.constantFrom<4 | 6>(4, 6), fc.nat(60), fc.nat(12)).map(
  ([family, start, length]): NumericRange => ({
    family,
    first: BigInt(start),
    last: BigInt(start + length),
  }),
);

describe('findOverlaps', () => {
  it('agrees with the O(n^2) definition on random ranges of both families', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 40 }), (ranges) => {
        expect(findOverlaps(ranges)).toEqual(bruteForce(ranges));
      }),
      { numRuns: 2000 },
    );
  });

  it('reports every later overlapping entry, naming the first one it overlaps', () => {
    // [1,5] idx 0, [5,6] idx 1, [2,10] idx 2: idx 1 overlaps idx 0 although idx 2 is wider.
    const r = (first: number, last: number): NumericRange => ({
      family: 4,
      first: BigInt(first),
      last: BigInt(last),
    });
    expect(findOverlaps([r(1, 5), r(5, 6), r(2, 10)])).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(findOverlaps([r(1, 1)])).toEqual([]);
    expect(
      findOverlaps([
        { family: 4, first: 0n, last: 0xffffffffn },
        { family: 6, first: 0n, last: 5n },
      ]),
    ).toEqual([]);
  });

  it('handles 100k disjoint ranges quickly (O(n log n))', () => {
    const ranges: NumericRange[] = Array.from({ length: 100_000 }, (_, i) => ({
      family: 4,
      first: BigInt((99_999 - i) * 4),
      last: BigInt((99_999 - i) * 4 + 3),
    }));
    ranges.push({ family: 4, first: 7n, last: 7n });
    expect(findOverlaps(ranges)).toEqual([[99_998, 100_000]]);
  });
});
