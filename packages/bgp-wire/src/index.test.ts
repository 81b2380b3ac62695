import { describe, expect, it } from 'vitest';
import { encodeKeepalive, MessageType } from './index.js';

describe('encodeKeepalive', () => {
  it('writes the marker, length 19 and type KEEPALIVE', () => {
    const bytes = encodeKeepalive();
    expect(Array.from(bytes)).toEqual([...new Array(16).fill(0xff), 0, 19, MessageType.KEEPALIVE]);
  });
});
