import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash53 } from './hash.js';

describe('hash53', () => {
  it('is a safe integer, the same for the same text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = hash53(s);
        expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
        expect(hash53(s)).toBe(h);
      }),
    );
  });

  it('tells apart texts that differ in one character (no collision over 20k route signatures)', () => {
    const seen = new Map<number, string>();
    for (let i = 0; i < 20_000; i++) {
      const text = JSON.stringify([
        1,
        { 'networking.gke.io/service-name': `svc-${i}` },
        undefined,
        `uid-${i}`,
      ]);
      const h = hash53(text);
      expect(seen.get(h)).toBeUndefined();
      seen.set(h, text);
    }
    expect(hash53('[1,{"a":"b"}]')).not.toBe(hash53('[2,{"a":"b"}]'));
  });
});
