import { describe, expect, it } from 'vitest';
import { nsName } from './topology.js';

describe('nsName', () => {
  it('stays within 15 characters', () => {
    expect(nsName('abc', 'tor1')).toBe('bl-abc-tor1');
    expect(nsName('abcdef', 'control-plane-1').length).toBe(15);
  });
});
