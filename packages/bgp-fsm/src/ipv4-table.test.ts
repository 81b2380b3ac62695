import { describe, expect, it } from 'vitest';
import { Ipv4Table } from './ipv4-table.js';

describe('Ipv4Table', () => {
  it('behaves like a Map over many keys, with deletes and re-inserts', () => {
    const t = new Ipv4Table();
    const m = new Map<number, number>();
    let seed = 1;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    for (let i = 0; i < 20000; i++) {
      // /24-like keys (low bits zero) plus random ones, including 0 and 0xffffffff.
      const key = i % 3 === 0 ? (i << 8) >>> 0 : i % 3 === 1 ? rand() : i % 2 ? 0 : 0xffffffff;
      if (rand() % 4 === 0) {
        expect(t.delete(key)).toBe(m.get(key));
        m.delete(key);
      } else {
        expect(t.set(key, i)).toBe(m.get(key));
        m.set(key, i);
      }
      expect(t.size).toBe(m.size);
    }
    for (const [k, v] of m) expect(t.get(k)).toBe(v);
    expect(new Map(t.entries())).toEqual(m);
    expect(t.get(123457)).toBe(m.get(123457));
    t.clear();
    expect(t.size).toBe(0);
    expect(t.get(0)).toBeUndefined();
    expect(t.delete(0)).toBeUndefined();
  });
});
