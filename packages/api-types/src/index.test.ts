import { describe, expect, it } from 'vitest';
import { asnSchema } from './index.js';

describe('asnSchema', () => {
  it('accepts 4-octet ASNs and refuses reserved ones', () => {
    expect(asnSchema.safeParse(4273481990).success).toBe(true);
    expect(asnSchema.safeParse(0).success).toBe(false);
    expect(asnSchema.safeParse(23456).success).toBe(false);
    expect(asnSchema.safeParse(4294967295).success).toBe(false);
  });
});
