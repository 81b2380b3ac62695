import { FLOATING_IP_ANNOTATION, FLOATING_IP_LEASE_LABEL } from '@bgplb/api-types';
import { leaseFreshness } from '@bgplb/floating-ip-allocator';
import { FakeClock } from '@bgplb/kube-runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../shared/index.js';
import { captureLogger } from '../test-support/log-capture.js';
import { FloatingIPLeases } from './floating-ip-leases.js';
import { AgentMetrics } from './metrics.js';
import { MemoryLeaseStore } from './test-support/memory-leases.js';

const IP = '10.0.1.100';
const NAME = 'bgplb-fip-10.0.1.100';
const NS = 'kube-system';

/** Lets the store's promises and the renewals they schedule run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

function setup(node = 'node-a', clock = new FakeClock(Date.parse('2026-12-05T00:00:00Z'))) {
  const store = new MemoryLeaseStore(clock);
  const metrics = new AgentMetrics(createRegistry());
  let changes = 0;
  const logs = captureLogger('debug');
  const leases = new FloatingIPLeases({
    node,
    namespace: NS,
    renewMs: 1000,
    expiryMs: 3000,
    store,
    clock,
    logger: logs.log,
    metrics,
    onChange: () => changes++,
  });
  /** Advances the fake clock in 100 ms steps, letting the async renewals run between steps. */
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(Math.min(100, ms - t));
      await flush();
    }
  };
  return { clock, store, metrics, leases, logs, advance, changes: () => changes };
}

describe('FloatingIPLeases (fake time, in-memory API)', () => {
  it('claims the Lease of an assigned floating IP (labelled, annotated) and renews it every period', async () => {
    const { store, leases, clock, advance } = setup();
    expect(leases.standing(IP)).toEqual({
      held: false,
      reason: `floating IP ${IP} is not assigned to this node`,
    });
    await leases.setAssigned([IP]);
    expect(leases.standing(IP)).toEqual({ held: true });
    const lease = store.lease(NS, NAME)!;
    expect(lease.metadata.labels).toEqual({ [FLOATING_IP_LEASE_LABEL]: 'true' });
    expect(lease.metadata.annotations).toEqual({ [FLOATING_IP_ANNOTATION]: IP });
    expect(lease.spec).toMatchObject({
      holderIdentity: 'node-a',
      leaseDurationSeconds: 3,
      leaseTransitions: 0,
    });
    const start = clock.now();
    await advance(5000);
    // One write at the claim, then one per second.
    expect(store.writes.map((w) => w.at - start)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(store.writes.every((w) => w.lease.spec.holderIdentity === 'node-a')).toBe(true);
    leases.stop();
    await advance(3000);
    expect(store.writes).toHaveLength(6);
  });

  it('takes over a Lease another node held (a move), counting the transition', async () => {
    const { store, leases } = setup('node-b');
    store.put({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: NAME, namespace: NS },
      spec: { holderIdentity: 'node-a', leaseTransitions: 4 },
    });
    await leases.setAssigned([IP]);
    expect(leases.standing(IP)).toEqual({ held: true });
    expect(store.lease(NS, NAME)!.spec).toMatchObject({ holderIdentity: 'node-b', leaseTransitions: 5 });
    expect(store.lease(NS, NAME)!.metadata.annotations).toEqual({ [FLOATING_IP_ANNOTATION]: IP });
  });

  it('fences: API unreachable -> still held until exactly the expiry after the last successful renewal, then dropped', async () => {
    const { store, leases, clock, advance, changes, metrics } = setup();
    await leases.setAssigned([IP]);
    await advance(1000); // renewed at +1000
    const lastOk = clock.now();
    store.unreachable = true;
    const before = changes();
    await advance(2900);
    expect(leases.standing(IP)).toEqual({ held: true });
    expect(changes()).toBe(before);
    await advance(100);
    expect(clock.now() - lastOk).toBe(3000);
    const s = leases.standing(IP);
    expect(s.held).toBe(false);
    expect(!s.held && s.reason).toMatch(/could not be renewed for 3.0 s \(expiry 3.0 s\): fenced/);
    expect(changes()).toBe(before + 1); // the agent reconciles: sessions closed, address removed
    expect((await metrics.leaseFenced.get()).values[0]?.value).toBe(1);
    const failures = (await metrics.leaseRenewFailures.get()).values.find((v) => v.labels.reason === 'error');
    expect(failures?.value).toBeGreaterThanOrEqual(2);
    // The API comes back: the next renewal holds it again (the controller decides whether it moved).
    store.unreachable = false;
    await advance(1000);
    expect(leases.standing(IP)).toEqual({ held: true });
    expect(changes()).toBe(before + 2);
  });

  it('a renewal that finds another node holding the Lease drops the floating IP at once and does not take it back', async () => {
    const { store, leases, advance, changes } = setup();
    await leases.setAssigned([IP]);
    const cur = store.lease(NS, NAME)!;
    store.put({ ...cur, spec: { ...cur.spec, holderIdentity: 'node-b' } });
    await advance(1000);
    expect(leases.standing(IP)).toEqual({
      held: false,
      reason: `the Lease of floating IP ${IP} is held by node node-b`,
    });
    expect(changes()).toBeGreaterThanOrEqual(1);
    const writes = store.writes.length;
    await advance(5000);
    expect(store.writes.length).toBe(writes); // no tug of war
    // The same assignment again (no newer NetworkGatewayGroup): still not ours.
    await leases.setAssigned([IP]);
    expect(leases.standing(IP).held).toBe(false);
    // Assigned again (after the assignment changed): claimed again.
    await leases.setAssigned([]);
    await leases.setAssigned([IP]);
    expect(leases.standing(IP)).toEqual({ held: true });
  });

  it('a Lease lost to a node acting on an older assignment is claimed again on a newer one', async () => {
    const { store, leases, advance } = setup();
    await leases.setAssigned([IP], 1);
    const cur = store.lease(NS, NAME)!;
    store.put({ ...cur, spec: { ...cur.spec, holderIdentity: 'node-b' } });
    await advance(1000);
    expect(leases.standing(IP).held).toBe(false);
    await leases.setAssigned([IP], 1); // the same version: nothing new
    expect(leases.standing(IP).held).toBe(false);
    await leases.setAssigned([IP], 2); // a newer NetworkGatewayGroup still names this node
    expect(leases.standing(IP)).toEqual({ held: true });
    expect(store.lease(NS, NAME)!.spec.holderIdentity).toBe('node-a');
  });

  it('an IP no longer assigned is no longer renewed', async () => {
    const { store, leases, advance } = setup();
    await leases.setAssigned([IP, '10.0.1.101']);
    await leases.setAssigned(['10.0.1.101']);
    const n = store.writes.filter((w) => w.lease.metadata.name === NAME).length;
    await advance(3000);
    expect(store.writes.filter((w) => w.lease.metadata.name === NAME)).toHaveLength(n);
    expect(leases.standing(IP).held).toBe(false);
    expect(leases.standing('10.0.1.101').held).toBe(true);
  });

  it('a first claim that fails is not held, and is retried every period', async () => {
    const { store, leases, advance } = setup();
    store.unreachable = true;
    await leases.setAssigned([IP]);
    expect(leases.standing(IP)).toEqual({
      held: false,
      reason: `the Lease of floating IP ${IP} could not be claimed yet`,
    });
    store.unreachable = false;
    await advance(1000);
    expect(leases.standing(IP)).toEqual({ held: true });
  });

  it('stop: release clears the holder (the controller moves at once); a graceful restart asks it to wait', async () => {
    const a = setup();
    await a.leases.setAssigned([IP]);
    await a.leases.stop('release');
    expect(a.store.lease(NS, NAME)!.spec.holderIdentity).toBeNull();
    const b = setup();
    await b.leases.setAssigned([IP]);
    await b.leases.stop({ holdSeconds: 120 });
    expect(b.store.lease(NS, NAME)!.spec).toMatchObject({
      holderIdentity: 'node-a',
      leaseDurationSeconds: 120,
    });
    // Unreachable at stop: logged, nothing thrown; the Lease expires on its own.
    const c = setup();
    await c.leases.setAssigned([IP]);
    c.store.unreachable = true;
    await expect(c.leases.stop('release')).resolves.toBeUndefined();
    expect(c.logs.lines.some((l) => /could not release the Lease/.test(String(l.msg)))).toBe(true);
  });

  it('property: no two holders beyond the bound — the holder has dropped the IP before the controller may move it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 8000 }), // when the partition starts, ms after the claim
        fc.integer({ min: 0, max: 400 }), // API write latency (request sent -> committed)
        fc.integer({ min: 0, max: 900 }), // watch delay (committed -> the controller sees it)
        async (partitionAt, writeLatency, watchDelay) => {
          const { store, leases, clock, advance } = setup();
          const t0 = clock.now();
          await leases.setAssigned([IP]);
          await advance(partitionAt);
          store.unreachable = true;
          // The last write that reached the API server was sent at its `at` (the fake store
          // commits at send time); the real commit and the controller's view come later.
          const lastSent = store.writes.at(-1)!.at;
          const seenAt = lastSent + writeLatency + watchDelay;
          let fencedAt: number | undefined;
          let movableAt: number | undefined;
          for (let t = clock.now(); t < lastSent + 8000; t += 100) {
            if (fencedAt === undefined && !leases.standing(IP).held) fencedAt = clock.now();
            const f = leaseFreshness({
              holders: { [IP]: 'node-a' },
              leases: {
                [IP]: { holder: 'node-a', renewedAt: Math.min(seenAt, clock.now()), durationSeconds: 3 },
              },
              heldSince: { [IP]: t0 },
              expirySeconds: 3,
              now: clock.now(),
            });
            if (movableAt === undefined && f.expired.size > 0) movableAt = clock.now();
            await advance(100);
          }
          expect(fencedAt).toBeDefined();
          expect(movableAt).toBeDefined();
          // The holder stops at most one check step (100 ms) after its expiry...
          expect(fencedAt! - lastSent).toBeLessThanOrEqual(3100);
          // ...and never after the controller may move the floating IP.
          expect(fencedAt!).toBeLessThanOrEqual(movableAt!);
          leases.stop();
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe('monotonicClock', () => {
  it('moves with performance.now(), starts near the wall clock, and runs timers', async () => {
    const { monotonicClock } = await import('./floating-ip-leases.js');
    const a = monotonicClock.now();
    expect(Math.abs(a - Date.now())).toBeLessThan(60_000);
    await new Promise<void>((resolve) => monotonicClock.setTimeout(resolve, 5));
    expect(monotonicClock.now()).toBeGreaterThan(a);
    const t = monotonicClock.setTimeout(() => {
      throw new Error('cleared timers never fire');
    }, 1);
    monotonicClock.clearTimeout(t);
    await new Promise((r) => setTimeout(r, 10));
  });
});
