import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('deduplicates a key and never runs it twice at once; a key added while running runs again', async () => {
    let running = 0;
    let maxRunning = 0;
    const seen: string[] = [];
    let release: () => void = () => {};
    const q = new WorkQueue(async (key) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      seen.push(key);
      if (seen.length === 1) await new Promise<void>((r) => (release = r));
      running--;
    });
    q.start();
    q.add('a');
    q.add('a'); // processing: marks dirty
    q.add('a');
    await tick();
    expect(seen).toEqual(['a']);
    release();
    await tick(5);
    await q.idle();
    expect(seen).toEqual(['a', 'a']);
    expect(maxRunning).toBe(1);
  });

  it('queues a key only once while it waits', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (k) => {
      seen.push(k);
    });
    q.add('x');
    q.add('x');
    q.add('y');
    expect(q.depth).toBe(2);
    q.start();
    await q.idle();
    expect(seen).toEqual(['x', 'y']);
  });

  it('retries failures with per-key exponential backoff and resets it after a success', async () => {
    let calls = 0;
    const delays: number[] = [];
    const q = new WorkQueue(
      async () => {
        calls++;
        if (calls < 4) throw new Error('boom');
      },
      { baseDelayMs: 2, maxDelayMs: 100 },
      (_k, _e, delay) => delays.push(delay),
    );
    q.start();
    q.add('k');
    for (let i = 0; i < 50 && calls < 4; i++) await tick(5);
    expect(calls).toBe(4);
    expect(delays).toEqual([2, 4, 8]);
    expect(q.retries('k')).toBe(0);
  });

  it('caps the backoff and applies the overall token bucket', () => {
    const clock = new FakeClock();
    const q = new WorkQueue(async () => {}, {
      baseDelayMs: 10,
      maxDelayMs: 50,
      qps: 1,
      burst: 2,
      clock,
    });
    expect(q.addRateLimited('a')).toBe(10);
    expect(q.addRateLimited('a')).toBe(20);
    // Bucket empty now: the third retry waits for a token (1 qps) even for a fresh key.
    expect(q.addRateLimited('b')).toBe(1000);
    clock.advance(10_000);
    for (let i = 0; i < 5; i++) q.addRateLimited('a');
    expect(q.backoff('a')).toBeGreaterThanOrEqual(50);
    void q.stop();
  });

  it('addAfter keeps the earliest schedule and stop cancels it', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(async (k) => {
      seen.push(k);
    });
    q.start();
    q.addAfter('late', 10_000);
    q.addAfter('late', 5);
    q.addAfter('late', 20_000);
    await tick(30);
    expect(seen).toEqual(['late']);
    q.addAfter('never', 20);
    await q.stop();
    await tick(40);
    expect(seen).toEqual(['late']);
  });
});

describe('WorkQueue workers', () => {
  it('runs at most `workers` keys at once; the rest wait their turn', async () => {
    let running = 0;
    let maxRunning = 0;
    const q = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(2);
        running--;
      },
      { workers: 2 },
    );
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    q.start();
    await tick(1);
    expect(running).toBe(2);
    await q.idle();
    expect(maxRunning).toBe(2);
    expect(q.depth).toBe(0);
  });

  it('a delayed key fires on the injected clock', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
      },
      { clock },
    );
    q.start();
    q.addAfter('k', 1000);
    clock.advance(999);
    expect(seen).toEqual([]);
    clock.advance(1);
    await q.idle();
    expect(seen).toEqual(['k']);
  });
});

describe('WorkQueue.stop', () => {
  it('resolves while a key re-added during processing waits (no hang on shutdown)', async () => {
    let release: () => void = () => {};
    const q = new WorkQueue(async () => {
      await new Promise<void>((r) => (release = r));
    });
    q.start();
    q.add('a');
    await tick();
    q.add('a'); // dirty: would run again after this one
    const stopped = q.stop();
    release();
    await stopped;
    expect(q.depth).toBe(1);
  });
});
