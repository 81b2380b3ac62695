/**
 * The floating-IP Lease fast path against the test API server: holders renew their floating IPs'
 * Leases (written here the way the node agent writes them); one holder stops, and its floating IP
 * moves within the expiry plus a reconcile, though its Node stays Ready (the NotReady grace is
 * 30 s, so only the Lease path can do it).
 */
import { FLOATING_IP_ANNOTATION, FLOATING_IP_LEASE_LABEL, floatingIPLeaseName } from '@bgplb/api-types';
import { afterEach, describe, expect, it } from 'vitest';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import {
  CLUSTER_NS,
  createService,
  get,
  type Harness,
  list,
  startHarness,
  waitFor,
} from './test-support/harness.js';

const EXPIRY_S = 1.5;

async function histogramCount(metric: {
  get(): Promise<{ values: { value: number; labels: Record<string, unknown>; metricName?: string }[] }>;
}): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => v.metricName?.endsWith('_count')).reduce((s, v) => s + v.value, 0);
}

describe('floating-IP Leases: the fast path of the controller', () => {
  let h: Harness;
  let renewer: NodeJS.Timeout | undefined;
  afterEach(async () => {
    if (renewer) clearInterval(renewer);
    await h?.close();
  });

  const ngg = () =>
    (
      get(h.server, 'NetworkGatewayGroup', 'default', CLUSTER_NS) as {
        status?: { floatingIPs?: Record<string, string> };
      }
    ).status?.floatingIPs ?? {};

  /** When each holder's Lease was last written (epoch ms). */
  const renewedAt = new Map<string, number>();

  /** Renews, every 200 ms, the Lease of each floating IP for its holder, unless the holder is dead. */
  function renewLeases(dead: Set<string>): void {
    const renew = () => {
      for (const [ip, holder] of Object.entries(ngg())) {
        if (dead.has(holder)) continue;
        renewedAt.set(holder, Date.now());
        h.server.store.upsert({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: floatingIPLeaseName(ip),
            namespace: 'kube-system',
            labels: { [FLOATING_IP_LEASE_LABEL]: 'true' },
            annotations: { [FLOATING_IP_ANNOTATION]: ip },
          },
          spec: { holderIdentity: holder, leaseDurationSeconds: 1, renewTime: new Date().toISOString() },
        } as never);
      }
    };
    renew();
    renewer = setInterval(renew, 200);
  }

  it('a holder that stops renewing loses its floating IP within expiry + a reconcile; the other stays', async () => {
    const nodes = [...CLUSTER_NODES, { name: 'node-06', ip: '10.0.3.12' }];
    h = await startHarness(EXAMPLE_FILES[2], nodes);
    const c = await h.startController({
      graceSeconds: 30,
      floatingIPLeases: { namespace: 'kube-system', expirySeconds: EXPIRY_S },
    });
    createService(h.server, { name: 'web' });
    await waitFor('two floating IPs assigned', () => Object.keys(ngg()).length === 2);
    // The Leases appear only after the controller went idle: no full reconcile follows them, so
    // the Lease watch alone must arm the expiry timer (a reconcile that saw no Lease armed none).
    await c.idle();
    const dead = new Set<string>();
    renewLeases(dead);
    // Renewing holders keep their floating IPs across several expiry periods.
    const before = { ...ngg() };
    await new Promise((r) => setTimeout(r, EXPIRY_S * 2000));
    expect(ngg()).toEqual(before);
    // The floating IP of a load-balancer node (node-04/05 are next hops; node-06 is not).
    const lb: Record<string, string> = { 'node-04': '10.0.3.10', 'node-05': '10.0.3.11' };
    const entries = Object.entries(before).sort(([, a], [, b]) => Number(!(a in lb)) - Number(!(b in lb)));
    const [ip, holder] = entries[0]!;
    const [otherIp, otherHolder] = entries[1]!;
    expect(holder in lb).toBe(true);
    const hops = () =>
      (
        get(h.server, 'BGPAdvertisedRoute', 'default-default-web', 'kube-system') as {
          spec?: { nextHops?: string[] };
        }
      )?.spec?.nextHops;
    await waitFor('both next hops', () => hops()?.length === 2);
    dead.add(holder);
    const to = await waitFor('moved', () => (ngg()[ip] !== holder ? ngg()[ip] : undefined), 10_000);
    // From the holder's last renewal, as written (the store write is synchronous): "at most 200 ms
    // before we stopped" assumed the renewal timer ran on time, which a loaded machine breaks.
    const took = Date.now() - renewedAt.get(holder)!;
    // Not before the expiry (50 ms for the renewTime's and the timers' rounding)...
    expect(took).toBeGreaterThanOrEqual(EXPIRY_S * 1000 - 50);
    // ...and within expiry + one reconcile (a generous margin for a loaded machine).
    expect(took).toBeLessThan(EXPIRY_S * 1000 + 2500);
    expect(to).not.toBe(otherHolder); // spread: the node that holds nothing
    expect(ngg()[otherIp]).toBe(otherHolder);
    // The dead holder is not a next hop any more either (its Node is still Ready).
    await waitFor('the dead holder left the next hops', () => hops()?.length === 1);
    expect(hops()).toEqual(Object.values(lb).filter((a) => a !== lb[holder]));
    // The Node never went NotReady: the Lease did it.
    const ready = (get(h.server, 'Node', holder)!.status as { conditions: { status: string }[] })
      .conditions[0]!;
    expect(ready.status).toBe('True');
    await c.idle();
    const moves = await c.metrics.floatingIPMoves.get();
    expect(moves.values.find((v) => v.labels.reason === 'lease-expired')?.value).toBe(1);
    expect(await histogramCount(c.metrics.floatingIPMoveDuration)).toBe(0);

    // The new holder's session reports Established: the move's clock stops.
    const session = await waitFor('session re-homed', () =>
      list(h.server, 'BGPSession', 'kube-system').find(
        (s) => (s as { spec?: { nodeName?: string } }).spec?.nodeName === to,
      ),
    );
    h.server.store.updateStatus({ ...session, status: { state: 'Established' } } as never);
    const end = Date.now() + 5000;
    while ((await histogramCount(c.metrics.floatingIPMoveDuration)) !== 1) {
      if (Date.now() > end) throw new Error('timed out waiting for the move duration to be observed');
      await new Promise((r) => setTimeout(r, 20));
    }
    const sum = (await c.metrics.floatingIPMoveDuration.get()).values.find((v) =>
      v.metricName?.endsWith('_sum'),
    )?.value;
    // Timed from the Lease expiry, not from the reconcile that noticed it.
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(10);
  }, 30_000);

  it('without Leases (agents that do not renew), nothing moves on the fast path', async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    await h.startController({
      graceSeconds: 30,
      floatingIPLeases: { namespace: 'kube-system', expirySeconds: 0.5 },
    });
    await waitFor('two floating IPs assigned', () => Object.keys(ngg()).length === 2);
    const before = { ...ngg() };
    await new Promise((r) => setTimeout(r, 1500));
    expect(ngg()).toEqual(before);
  }, 30_000);
});
