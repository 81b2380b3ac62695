/**
 * A drain survives a controller leader failover: the drain's start is kept on the Node
 * (`bgplb.io/drain-started`), so the new leader continues the GRACEFUL_SHUTDOWN phase for the rest
 * of drainDelay — it neither withdraws the node at once nor starts the delay again. Two controller
 * replicas against the test API server; the leader dies (without releasing its Lease) mid-drain.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Controller } from './controller.js';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import {
  CLUSTER_NS,
  createService,
  get,
  type Harness,
  startHarness,
  waitFor,
} from './test-support/harness.js';

const LEASE = { leaseDurationSeconds: 1.5, renewDeadlineSeconds: 1, retryPeriodSeconds: 0.1 };
/**
 * Long enough that "restarted by the new leader" and "continued" end seconds apart, and that the
 * takeover (the Lease's 1.5 s to expire, then the new leader's first reconcile: 1.45 s measured)
 * ends well inside the drain. At 8 s that left about 3.5 s of margin, which a loaded CI machine
 * could use up, failing the "else the test proves nothing" check for no product reason; now 7.5 s.
 */
const DRAIN_DELAY_S = 12;
/** The leader dies this long into the drain. */
const KILL_AFTER_MS = 3_000;
const ROUTE = 'default-default-load-balancer-example';

interface RouteSpec {
  nextHops: string[];
  drain?: { nextHops: string[] };
}

describe('graceful drain across a controller leader failover (example 03)', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('the new leader continues the drain from the Node annotation: withdrawn at start + drainDelay', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    const lb = get(h.server, 'BGPLoadBalancer', 'default', CLUSTER_NS)!;
    h.server.store.update({ ...lb, spec: { ...(lb.spec as object), drainDelay: DRAIN_DELAY_S } } as never);
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
    const a = await start('replica-a');
    const b = await start('replica-b');
    const leader = await waitFor('a leader', () => [a, b].find((c) => c.isLeader));
    const standby: Controller = leader === a ? b : a;
    createService(h.server, { namespace: 'default', name: 'load-balancer-example' });
    const route = () =>
      (get(h.server, 'BGPAdvertisedRoute', ROUTE, 'kube-system') as { spec?: RouteSpec } | undefined)?.spec;
    const node = () =>
      get(h.server, 'Node', 'node-04') as {
        metadata: { annotations?: Record<string, string> };
        spec?: Record<string, unknown>;
      };
    const drainStarted = () => node().metadata.annotations?.['bgplb.io/drain-started'];
    await waitFor('route with both next hops', () => route()?.nextHops.length === 2);

    const cordonedAt = Date.now();
    h.server.store.update({ ...node(), spec: { unschedulable: true } } as never);
    const written = await waitFor('drain-started annotation', drainStarted);
    const startedAt = Date.parse(written);
    // Written by the leader when it saw the cordon (its clock and ours are the same here).
    expect(startedAt).toBeGreaterThanOrEqual(cordonedAt - 5);
    expect(startedAt).toBeLessThanOrEqual(Date.now());
    await waitFor('drain marking', () => route()?.drain?.nextHops.includes('10.0.3.10'));

    // The leader crashes mid-drain, keeping its Lease until it expires.
    await waitFor('the drain has run a while', () => Date.now() >= startedAt + KILL_AFTER_MS, 10_000);
    // Its first full reconcile as leader (a standby's reconciles are skipped): asked for before the
    // crash, so that it cannot be missed.
    const firstAsLeader = standby.nextReconcile((r) => 'desired' in r && r.desired !== undefined);
    await leader.stop({ releaseLease: false });
    await waitFor('standby takes over', () => standby.isLeader, 10_000);
    const tookOverAt = Date.now();
    // Not a withdrawal, and the same drain start (not restarted).
    await firstAsLeader;
    const takeoverMs = Date.now() - startedAt - KILL_AFTER_MS;
    console.log(
      `drain failover: the leader died ${KILL_AFTER_MS} ms into the drain; the new leader's first reconcile ${takeoverMs} ms later`,
    );
    expect(Date.now()).toBeLessThan(startedAt + DRAIN_DELAY_S * 1000); // else the test proves nothing
    expect(route()).toMatchObject({
      nextHops: ['10.0.3.10', '10.0.3.11'],
      drain: { nextHops: ['10.0.3.10'] },
    });
    expect(drainStarted()).toBe(written);

    const withdrawn = await waitFor(
      'withdrawal by the new leader',
      () => (route()?.nextHops.length === 1 ? Date.now() : undefined),
      30_000,
    );
    expect(route()).toMatchObject({ nextHops: ['10.0.3.11'] });
    expect(route()?.drain).toBeUndefined();
    // Not early: the full delay from the original start; not restarted: a restart would end at
    // tookOverAt + delay, at least 1.5 s (the Lease) after this bound.
    expect(withdrawn).toBeGreaterThanOrEqual(startedAt + DRAIN_DELAY_S * 1000);
    expect(withdrawn).toBeLessThan(tookOverAt + DRAIN_DELAY_S * 1000);
    expect(drainStarted()).toBe(written); // kept while cordoned: a later failover knows it is drained

    // Uncordon: the annotation goes and the node is announced plainly again.
    h.server.store.update({ ...node(), spec: {} } as never);
    await waitFor('annotation removed', () => drainStarted() === undefined);
    await waitFor('announced again', () => route()?.nextHops.length === 2);
    expect(route()?.drain).toBeUndefined();
  }, 90_000);
});
