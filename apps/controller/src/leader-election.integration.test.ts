import { afterEach, describe, expect, it } from 'vitest';
import type { Controller } from './controller.js';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import { createService, get, type Harness, startHarness, waitFor } from './test-support/harness.js';

const LEASE = { leaseDurationSeconds: 1.5, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.1 };

describe('two replicas with leader election on a Lease', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  const start = (identity: string) =>
    h.startController({
      leaderElection: {
        enabled: true,
        namespace: 'kube-system',
        name: 'bgplb-controller',
        identity,
        ...LEASE,
      },
    });

  it('exactly one leads and writes; when it dies the other takes over within the lease duration', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    // Every Lease write, timed as it reaches the server, from the first: the failover below is
    // measured from the leader's last renewal as the server saw it (on a loaded machine the last
    // renewal may lie well before the stop() call, or land during it).
    const writes: number[] = [];
    h.server.addFault((info) => {
      if (info.resource === 'leases' && (info.verb === 'update' || info.verb === 'create'))
        writes.push(Date.now());
      return undefined;
    });
    const a = await start('replica-a');
    const b = await start('replica-b');
    const leader = await waitFor('a leader', () => [a, b].find((c) => c.isLeader));
    // Both keep running for several renewals: never two leaders at once. (None for a moment is
    // allowed: a leader whose renewal misses the 1 s deadline on a loaded machine steps down.)
    for (let i = 0; i < 20; i++) {
      expect([a, b].filter((c) => c.isLeader).length).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 25));
    }
    const standby: Controller = leader === a ? b : a;
    const lease = get(h.server, 'Lease', 'bgplb-controller', 'kube-system') as unknown as {
      spec: { holderIdentity: string };
    };
    expect(lease.spec.holderIdentity).toBe(leader === a ? 'replica-a' : 'replica-b');
    createService(h.server, { name: 'svc' });
    await waitFor(
      'VIP written by the leader',
      () =>
        (
          get(h.server, 'Service', 'svc', 'default') as {
            status?: { loadBalancer?: { ingress?: unknown[] } };
          }
        ).status?.loadBalancer?.ingress,
    );
    expect((await standby.metrics.leader.get()).values[0]?.value).toBe(0);
    expect((await leader.metrics.leader.get()).values[0]?.value).toBe(1);

    // The leader dies without releasing the lease (a crash): the standby must wait it out, no longer.
    await leader.stop({ releaseLease: false }); // waits for a renewal in flight: none comes later
    const renewals = writes.length;
    const lastRenewal = writes[renewals - 1];
    expect(lastRenewal).toBeDefined();
    await waitFor('standby takes over', () => standby.isLeader, 5000);
    const takeover = writes[renewals];
    expect(takeover).toBeDefined();
    const failoverMs = takeover! - lastRenewal!;
    // Never before a lease duration since the last renewal: the standby counts it from when it
    // received that record (after the server had the renewal), on the same clock as these times.
    expect(failoverMs).toBeGreaterThanOrEqual(LEASE.leaseDurationSeconds * 1000);
    // Within a lease duration and two retry periods, with a loaded machine's margin (1 s).
    expect(failoverMs).toBeLessThanOrEqual(
      LEASE.leaseDurationSeconds * 1000 + 2 * LEASE.retryPeriodSeconds * 1000 + 1000,
    );
    // The new leader reconciles: a new Service gets its VIP.
    createService(h.server, { name: 'svc2' });
    await waitFor(
      'VIP written by the new leader',
      () =>
        (
          get(h.server, 'Service', 'svc2', 'default') as {
            status?: { loadBalancer?: { ingress?: unknown[] } };
          }
        ).status?.loadBalancer?.ingress,
    );
  }, 30_000); // two controllers and a lease duration: ~3 s alone, over 5 s on a loaded machine

  it('a leader that stops cleanly releases the lease: the standby takes over at once', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    const a = await start('replica-a');
    await waitFor('a leads', () => a.isLeader);
    const b = await start('replica-b');
    await new Promise((r) => setTimeout(r, 200));
    expect(b.isLeader).toBe(false);
    await a.stop({ releaseLease: true });
    // Released when stop() returns (holder cleared, or b already took it): no lease duration to wait.
    const lease = get(h.server, 'Lease', 'bgplb-controller', 'kube-system') as unknown as {
      spec: { holderIdentity: string | null };
    };
    expect([null, 'replica-b']).toContain(lease.spec.holderIdentity);
    await waitFor('b leads', () => b.isLeader, 3000);
  }, 30_000);
});
