import { describe, expect, it } from 'vitest';
import { parseEqualitySelector } from './index.js';

describe('parseEqualitySelector', () => {
  it('parses equality terms', () => {
    expect(parseEqualitySelector('a=b,c=d')).toEqual(
      new Map([
        ['a', 'b'],
        ['c', 'd'],
      ]),
    );
    expect(() => parseEqualitySelector('a')).toThrow(/unsupported/);
  });
});
