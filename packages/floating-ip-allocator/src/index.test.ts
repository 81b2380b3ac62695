import { describe, expect, it } from 'vitest';
import { inSubnet } from './index.js';

describe('inSubnet', () => {
  it('matches addresses inside and outside a /24', () => {
    expect(inSubnet('10.0.1.100', '10.0.1.0/24')).toBe(true);
    expect(inSubnet('10.0.2.100', '10.0.1.0/24')).toBe(false);
  });
});
