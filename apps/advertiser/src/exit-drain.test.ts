import { describe, expect, it } from 'vitest';
import { resolveExitDrain, sameExitDrain } from './exit-drain.js';

describe('resolveExitDrain', () => {
  it('defaults to 15 s with nothing added when neither the flags nor the Cluster set anything', () => {
    expect(resolveExitDrain({}, undefined)).toEqual({ delayMs: 15_000, medIncrease: 0, asPathPrepend: 0 });
    expect(resolveExitDrain({}, {})).toEqual({ delayMs: 15_000, medIncrease: 0, asPathPrepend: 0 });
  });

  it("takes the Cluster's settings (seconds to ms), a 0 included", () => {
    expect(resolveExitDrain({}, { drainDelay: 0, drainMEDIncrease: 500, drainASPathPrepend: 2 })).toEqual({
      delayMs: 0,
      medIncrease: 500,
      asPathPrepend: 2,
    });
  });

  it('lets each flag given override its Cluster field, and only that one', () => {
    const cluster = { drainDelay: 30, drainMEDIncrease: 500, drainASPathPrepend: 2 };
    expect(resolveExitDrain({ delayMs: 0 }, cluster)).toEqual({
      delayMs: 0,
      medIncrease: 500,
      asPathPrepend: 2,
    });
    expect(resolveExitDrain({ medIncrease: 0, asPathPrepend: 5 }, cluster)).toEqual({
      delayMs: 30_000,
      medIncrease: 0,
      asPathPrepend: 5,
    });
  });
});

describe('sameExitDrain', () => {
  it('compares every field', () => {
    const a = { delayMs: 1, medIncrease: 2, asPathPrepend: 3 };
    expect(sameExitDrain(a, { ...a })).toBe(true);
    expect(sameExitDrain(a, { ...a, delayMs: 0 })).toBe(false);
    expect(sameExitDrain(a, { ...a, medIncrease: 0 })).toBe(false);
    expect(sameExitDrain(a, { ...a, asPathPrepend: 0 })).toBe(false);
  });
});
