import { describe, expect, it } from 'vitest';
import { MetricsCache } from './metrics-cache.js';

function deferred(): { promise: Promise<string>; resolve: (t: string) => void; reject: (e: Error) => void } {
  let resolve!: (t: string) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('MetricsCache', () => {
  it('renders at most once per interval', async () => {
    let t = 0;
    let n = 0;
    const cache = new MetricsCache({ render: async () => `render ${++n}`, now: () => t });
    expect(await cache.get()).toBe('render 1');
    t = 999;
    expect(await cache.get()).toBe('render 1');
    t = 1000;
    expect(await cache.get()).toBe('render 2');
    expect(cache.renders).toBe(2);
  });

  it('lets concurrent requests share one render', async () => {
    const d = deferred();
    let calls = 0;
    const cache = new MetricsCache({
      render: () => {
        calls++;
        return d.promise;
      },
      now: () => 0,
    });
    const all = Promise.all(Array.from({ length: 100 }, () => cache.get()));
    d.resolve('text');
    expect(new Set(await all)).toEqual(new Set(['text']));
    expect(calls).toBe(1);
  });

  it('does not cache a failed render', async () => {
    let fail = true;
    const cache = new MetricsCache({
      render: async () => {
        if (fail) throw new Error('collect failed');
        return 'ok';
      },
      now: () => 0,
    });
    await expect(cache.get()).rejects.toThrow('collect failed');
    fail = false;
    expect(await cache.get()).toBe('ok');
  });

  it('measures the age from the start of the render', async () => {
    let t = 0;
    const cache = new MetricsCache({
      render: async () => {
        t += 600; // a slow render
        return `at ${t}`;
      },
      now: () => t,
    });
    expect(await cache.get()).toBe('at 600');
    t = 999;
    expect(await cache.get()).toBe('at 600');
    t = 1000;
    expect(await cache.get()).toBe('at 1600');
  });
});
