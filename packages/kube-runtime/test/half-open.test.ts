/**
 * Issue 21's acceptance case: 2,000 idle, half-sent HTTP connections against a server whose
 * process may open only 1,024 descriptors; /healthz must still answer (within 100 ms: a timing
 * target, measured by `pnpm --filter @bgplb/kube-runtime bench:half-open` against the same
 * server's idle probe time; here with a loaded CI machine's margin). The server runs in a child
 * process so that its fd limit is its own. Loopback only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanUp, halfOpen, probe, startChild } from './fixtures/half-open.js';

afterEach(cleanUp);

describe('health server under 2,000 half-open connections (fd limit 1024)', () => {
  it('still answers /healthz (every probe, the median within 1 s on a loaded machine)', async () => {
    const port = await startChild();
    // The first fetch of a process pays for loading its HTTP client; that is not the server's time.
    expect(typeof (await probe(port, 2_000))).toBe('number');
    await halfOpen(port, 2_000);
    // Let the server accept everything queued before the probes.
    await new Promise((r) => setTimeout(r, 1_000));
    const times: Array<number | string> = [];
    for (let i = 0; i < 5; i++) times.push(await probe(port, 2_000));
    const why = `probe results (ms) ${JSON.stringify(times)}`;
    // Every probe answered (a locked-out server answers none: the control below).
    for (const t of times) expect(typeof t, why).toBe('number');
    // The 100 ms target is the bench's; CI measured medians of 35 ms alone and 322 ms with the
    // whole suite on 2 loaded cores, so the test allows 1 s: a server stuck behind the half-open
    // connections does not answer within the 2 s probe timeout at all.
    const sorted = (times as number[]).toSorted((a, b) => a - b);
    expect(sorted[2], why).toBeLessThan(1_000);
  });

  it('(control) without the cap, the same load locks the probe out', async () => {
    // The server as it was before the hardening: no cap, Node's default backlog (511).
    const port = await startChild({ MAX_CONNECTIONS: '1000000', BACKLOG: '511' });
    expect(typeof (await probe(port, 2_000))).toBe('number');
    await halfOpen(port, 2_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // Descriptors run out: the kernel's queue is drained by closing connections, probes included.
    // Three probes (once, under the full suite's load, a single one got through).
    const times: Array<number | string> = [];
    for (let i = 0; i < 3; i++) times.push(await probe(port, 2_000));
    expect(
      times.filter((t) => typeof t === 'string'),
      `probe results ${JSON.stringify(times)}`,
    ).not.toEqual([]);
  });
});
