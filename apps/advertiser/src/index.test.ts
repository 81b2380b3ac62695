import { describe, expect, it } from 'vitest';
import { USAGE } from './index.js';

describe('usage', () => {
  it('documents the spec command line', () => {
    expect(USAGE).toContain('--config FILE');
    expect(USAGE).toContain('--advertise-ip IP');
  });
});
