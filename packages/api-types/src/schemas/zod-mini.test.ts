import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AdvertiserConfig } from './advertiser-config.js';
import './zod-mini.js';

// Vitest runs each file in its own worker: nothing here loads zod's classic API, which would set the
// same defaults on its first schema and hide a missing one.
describe('zod-mini', () => {
  it("sets the classic API's defaults: English messages and the memoizer", () => {
    const config = z.config();
    expect(config.localeError).toBeTypeOf('function');
    expect(config.memoizer).toBeDefined();
    const r = z.safeParse(z.string(), 5);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('Invalid input: expected string, received number');
  });

  it('parses an advertiser config without the classic API', () => {
    const r = AdvertiserConfig.safeParse({ localIP: '10.0.0.1', localASN: 1.5, peers: [] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.code, i.path.join('.'), i.message])).toEqual([
      ['invalid_type', 'localASN', 'Invalid input: expected int, received number'],
      ['too_small', 'peers', 'Too small: expected array to have >=1 items'],
    ]);
  });
});
