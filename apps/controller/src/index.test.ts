import { describe, expect, it } from 'vitest';
import { sessionName } from './index.js';

describe('sessionName', () => {
  it('joins peer and node', () => {
    expect(sessionName('10.0.1.254', 'node-01')).toBe('10.0.1.254-node-01');
  });
});
