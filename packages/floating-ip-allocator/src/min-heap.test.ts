import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BigIntMinHeap } from './min-heap.js';

describe('BigIntMinHeap', () => {
  it('pops in ascending order, whatever the order of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.bigInt({ min: 0n, max: 50n }), { nil: undefined })), (ops) => {
        const heap = new BigIntMinHeap();
        const model: bigint[] = [];
        for (const v of ops) {
          if (v === undefined) {
            model.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
            expect(heap.peek()).toBe(model[0]);
            expect(heap.pop()).toBe(model.shift());
          } else {
            heap.push(v);
            model.push(v);
          }
          expect(heap.size).toBe(model.length);
        }
      }),
    );
  });
});
