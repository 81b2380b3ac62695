/**
 * The event-loop budget (hardening issue): FRR runs `timers 3 9` with the advertiser while a second
 * peer feeds a 200k-prefix table and 4 x 2,000 concurrent `GET /metrics` hit the health server.
 * FRR must see no hold-timer expiry (no dropped connection), the VIP stays announced, and the
 * feeder's session stays up too. The event-loop delay it reads is printed, not asserted: the
 * benchmark (`bench/event-loop.ts`) records it. Needs root and FRR.
 */
import { Lab, labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdvertiserProcess } from './harness.js';
import { ensureBuilt } from './harness.js';
import { buildLoadTopology, type LoadTopology, runLoad, startAdvertiserUnderTest } from './load-scenario.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (event-loop budget) skipped: ${skip}`);

describe.skipIf(skip)('keepalives under HTTP load and a large ingest (needs root and FRR)', () => {
  const lab = Lab.create('advload');
  let topo: LoadTopology;
  let adv: AdvertiserProcess;

  beforeAll(async () => {
    ensureBuilt();
    topo = await buildLoadTopology(lab);
    adv = await startAdvertiserUnderTest(topo, lab.workDir);
  }, 180_000);
  afterAll(async () => {
    adv?.signal('SIGTERM');
    await adv?.exited;
    lab.destroy();
  });

  it('FRR at timers 3 9 sees no hold-timer expiry; the VIP stays', async () => {
    const r = await runLoad(topo);
    console.log(
      `event-loop budget: ${r.http.ok} x 200 of ${JSON.stringify(r.http.status)}, ${r.http.errors} errors, ` +
        `${r.http.renders} renders, event-loop delay p99 <= ${(r.http.p99Max * 1000).toFixed(1)} ms, ` +
        `max ${(r.http.max * 1000).toFixed(1)} ms, ${r.prefixesReceived} prefixes`,
    );
    expect(r.after.bgpState).toBe('Established');
    expect(r.after.connectionsDropped).toBe(r.before.connectionsDropped);
    expect(r.after.connectionsEstablished).toBe(r.before.connectionsEstablished);
    expect(r.vipAtTor).toBe(true);
    expect(r.prefixesReceived).toBe(200_000);
    // The server caps its connections (evicting idle ones, 503 when all are busy), so not every
    // request is answered; what matters is that the scrapes that were answered came from a
    // process whose timers kept running.
    expect(r.http.ok).toBeGreaterThan(0);
    expect(adv.find(/Hold Timer|hold timer/i)).toBeUndefined();
  }, 240_000);
});
