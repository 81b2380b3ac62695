import { ApiError as ServerError } from '@bgplb/test-apiserver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
import { type Api, silent, startApi, waitFor } from './test-support/api.js';

interface Lease {
  spec: { holderIdentity?: string | null; leaseTransitions?: number; renewTime?: string };
}

describe('LeaderElector on a coordination.k8s.io Lease', () => {
  let api: Api;
  const electors: LeaderElector[] = [];
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(async () => {
    for (const e of electors.splice(0)) await e.stop(false);
    await api.close();
  });
  const lease = () =>
    api.server.store.get('coordination.k8s.io/v1', 'Lease', 'lb', 'kube-system') as unknown as Lease;

  function elector(identity: string, extra: Partial<LeaderElectionOptions> = {}) {
    const changes: string[] = [];
    const e = new LeaderElector(api.client, {
      namespace: 'kube-system',
      name: 'lb',
      identity,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      log: silent,
      onStartedLeading: () => changes.push('started'),
      onStoppedLeading: () => changes.push('stopped'),
      ...extra,
    });
    electors.push(e);
    return { e, changes };
  }

  it('the first candidate creates the Lease; the other takes over only after a whole lease duration without renewals', async () => {
    const clock = new FakeClock(1_000_000);
    const a = elector('a', { clock }).e;
    const b = elector('b', { clock }).e;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(lease().spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0 });
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(10_000);
    expect(await a.tryAcquireOrRenew()).toBe(true); // renewal: the record changes
    clock.advance(10_000);
    expect(await b.tryAcquireOrRenew()).toBe(false); // b saw the renewal 0 s ago by its own clock
    clock.advance(14_000);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(1_001);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(lease().spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it("a standby counts the lease duration from when it received the holder's record, not from when it asked", async () => {
    const clock = new FakeClock(1_000_000);
    const a = elector('a', { clock }).e;
    const b = elector('b', { clock }).e;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    // b's GET is answered 3 s after b sent it (a loaded server or process), with a's record: the
    // holder may have renewed just before the answer, so b's 15 s start when the answer came.
    let slow = true;
    const remove = api.server.addFault((info) => {
      if (slow && info.resource === 'leases' && info.verb === 'get') {
        slow = false;
        clock.advance(3_000);
      }
      return undefined;
    });
    expect(await b.tryAcquireOrRenew()).toBe(false);
    remove();
    clock.advance(12_500); // 15.5 s after b asked, 12.5 s after the answer
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.advance(2_501);
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });

  it('two candidates racing for an expired Lease: exactly one wins (resourceVersion conflict)', async () => {
    const clock = new FakeClock(0);
    const a = elector('a', { clock }).e;
    expect(await a.tryAcquireOrRenew()).toBe(true);
    const b = elector('b', { clock }).e;
    const c = elector('c', { clock }).e;
    await b.tryAcquireOrRenew();
    await c.tryAcquireOrRenew();
    clock.advance(16_000);
    const won = await Promise.all([b.tryAcquireOrRenew(), c.tryAcquireOrRenew()]);
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('runs the loop: leads, releases on stop so that a standby takes over at once', async () => {
    const fast = { leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 0.05 };
    const a = elector('a', fast);
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader);
    const b = elector('b', fast);
    b.e.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(b.e.isLeader).toBe(false);
    await a.e.stop(true);
    expect(a.changes).toEqual(['started', 'stopped']);
    // Released (holder cleared), unless b already took it in the meantime.
    expect([null, 'b']).toContain(lease().spec.holderIdentity);
    await waitFor('b leads', () => b.e.isLeader, 2000);
    expect(b.changes).toEqual(['started']);
  });

  it('stop during a renewal in flight still releases the Lease', async () => {
    // The renewal's GET is on the wire when stop() starts: before, stop's release read the same
    // resourceVersion, the renewal's PUT landed first and the release's PUT lost on 409, silently:
    // the Lease stayed held by a stopped leader and a standby waited a whole lease duration.
    for (let i = 0; i < 5; i++) {
      const clock = new FakeClock(1_000_000 + i * 100_000);
      const a = elector(`a${i}`, { clock, leaseDurationSeconds: 30, retryPeriodSeconds: 2 });
      a.e.start();
      await waitFor('a leads', () => a.e.isLeader);
      clock.advance(2_000); // the renewal round starts: its GET is sent now
      await a.e.stop(true);
      expect(a.changes).toEqual(['started', 'stopped']);
      expect(lease().spec.holderIdentity).toBeNull();
    }
  });

  it('a leader that cannot renew within the renew deadline stops leading', async () => {
    const a = elector('a', { leaseDurationSeconds: 2, renewDeadlineSeconds: 0.3, retryPeriodSeconds: 0.05 });
    // When the last renewal reached the server: the leader's own last success is no earlier.
    let failing = false;
    let lastRenewal = 0;
    api.server.addFault((info) => {
      if (info.resource !== 'leases') return undefined;
      if (failing) return new ServerError(500, 'InternalError', 'etcd timeout');
      if (info.verb === 'update' || info.verb === 'create') lastRenewal = Date.now();
      return undefined;
    });
    a.e.start();
    await waitFor('a leads', () => a.e.isLeader);
    failing = true;
    await waitFor('a stops leading', () => !a.e.isLeader, 3000);
    // Not before the renew deadline since its last renewal (on a loaded machine the last renewal
    // may lie well before the fault began, so time since the fault proves nothing).
    expect(Date.now() - lastRenewal).toBeGreaterThanOrEqual(300);
    expect(a.changes).toEqual(['started', 'stopped']);
  });
});
