/**
 * Dual stack on topology 04 (issue 20, SPEC section 13 extension): the agents hold the IPv4 and
 * the IPv6 floating IPs, tor1 has sessions from both families, and a RequireDualStack Service
 * answers a client behind tor1 over IPv4 and over IPv6 (real TCP/HTTP requests to each VIP,
 * ECMP over both load-balancer nodes). Then a load-balancer node dies (links down, processes
 * killed) while the client requests each VIP every 20 ms: both families keep answering, and each
 * family's loss window is printed and checked. Needs root and FRR; skipped with the reason
 * otherwise.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { E2eLab, REPO, V1 } from './netns/e2e-lab.js';
import { lossWindow } from './netns/loss-window.js';

const skip = labSkipReason();
if (skip) console.warn(`dual-stack e2e skipped: ${skip}`);

const TOR = 'tor1';
const INTERVAL_MS = 20;
const LB = {
  lb1: { v4: '10.0.3.10', v6: '2001:db8:3::10' },
  lb2: { v4: '10.0.3.11', v6: '2001:db8:3::11' },
} as const;
const FLOATING = ['10.0.3.100', '10.0.3.101', '2001:db8:3::100', '2001:db8:3::101'];
/**
 * No next-hop liveness or BFD here: the controller drops the dead node as a next hop when its
 * floating-IP Lease expires (3 s; measured ~3 s per family), at the latest at NotReady (5 s) +
 * grace (2 s); its floating IPs move to w1, whose new sessions replace the dead ones' paths
 * (End-of-RIB), else tor1's hold time (9 s). The budget is the slowest of these plus a margin for
 * this loaded machine.
 */
const LOSS_BUDGET_MS = 15_000;

describe.skipIf(skip !== undefined)('e2e dual stack on topology 04 (netns + FRR)', () => {
  let lab: E2eLab;
  let v4 = '';
  let v6 = '';

  const sessions = () =>
    lab.server.store.list(V1, 'BGPSession', { namespace: 'kube-system' }) as {
      spec?: { peerIP?: string; localIP?: string };
      status?: { state?: string };
    }[];
  const fibIs = async (prefix: string, hops: readonly string[]) =>
    (await lab.torFib(TOR, prefix)).join() === [...hops].sort().join();

  beforeAll(async () => {
    lab = await E2eLab.up({
      topology: '04-dual-stack',
      name: 'v6e2e',
      dist: process.env.BGPLB_E2E_SOURCES !== '1' && distIsFresh(REPO),
      log: (l) => console.log(`[e2e 04] ${l}`),
    });
  }, 300_000);

  afterAll(async () => {
    await lab?.down();
  }, 60_000);

  it('holds floating IPs of both families and has sessions of both families Established', async () => {
    await lab.waitFor(
      'every floating IP assigned',
      () => FLOATING.every((ip) => lab.floatingIPs()[ip] !== undefined),
      30_000,
      200,
    );
    await lab.waitFor(
      'four BGPSessions Established (two to 10.0.3.254, two to 2001:db8:3::fe)',
      () => {
        const s = sessions();
        const up = s.filter((x) => x.status?.state === 'Established');
        return (
          up.length === 4 &&
          up.filter((x) => x.spec?.peerIP === '10.0.3.254').length === 2 &&
          up.filter((x) => x.spec?.peerIP === '2001:db8:3::fe').length === 2
        );
      },
      90_000,
      200,
    );
    // Each IPv6 floating IP is a /128 on its holder's LB interface, reachable from tor1.
    for (const ip of FLOATING.filter((x) => x.includes(':'))) {
      const holder = lab.floatingIPs()[ip] as string;
      const addrs = await lab
        .host(holder)
        .ipJson<{ addr_info: { local: string; prefixlen: number }[] }[]>('-6', 'addr', 'show');
      expect(addrs.flatMap((l) => l.addr_info).find((a) => a.local === ip)?.prefixlen).toBe(128);
      await lab.host(TOR).exec('ping', ['-6', '-c', '1', '-W', '3', ip]);
    }
  }, 120_000);

  it('a RequireDualStack Service answers the client over IPv4 and over IPv6 through tor1', async () => {
    lab.createService('web', 'default', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    const vips = await lab.waitFor(
      'two VIPs, one per family, in status.loadBalancer.ingress',
      () => {
        const all = lab.serviceVIPs('web');
        return all.length === 2 && all.some((x) => x.includes(':')) ? all : undefined;
      },
      30_000,
      200,
    );
    v4 = vips.find((x) => !x.includes(':')) as string;
    v6 = vips.find((x) => x.includes(':')) as string;
    expect(v6).toMatch(/^2001:db8:100::[1-4]$/);
    await lab.waitFor(
      `tor1 FIB: ${v4}/32 via both load-balancer nodes`,
      () => fibIs(`${v4}/32`, [LB.lb1.v4, LB.lb2.v4]),
      60_000,
      200,
    );
    await lab.waitFor(
      `tor1 FIB: ${v6}/128 via both load-balancer nodes' IPv6 addresses`,
      () => fibIs(`${v6}/128`, [LB.lb1.v6, LB.lb2.v6]),
      60_000,
      200,
    );
    // Every IPv6 session carries the /128 with one path per load-balancer node (ADD-PATH).
    await lab.waitFor(
      `tor1 BGP paths for ${v6}/128 from both IPv6 sessions, next hops lb1 and lb2`,
      async () => {
        const paths = await lab.torPaths(TOR, `${v6}/128`);
        const peers = new Set(paths.map((p) => p.peer));
        const hops = new Set(paths.map((p) => p.nextHop));
        return peers.size === 2 && hops.has(LB.lb1.v6) && hops.has(LB.lb2.v6);
      },
      20_000,
      200,
    );
    for (const vip of [v4, v6]) {
      const r = await lab.probe(vip, 80, 40);
      expect(r.failed, `${vip}: ${r.errors.join('; ')}`).toBe(0);
      expect(Object.keys(r.responders).sort(), `${vip} responders`).toEqual(['lb1', 'lb2']);
    }
  }, 150_000);

  it('a load-balancer node dies: both families keep answering (loss window per family)', async () => {
    expect(v4 && v6, 'the dual-stack Service of the previous test').toBeTruthy();
    const victim = 'lb1';
    const survivor = LB.lb2;
    const probes = { v4: lab.probeEvery(v4, 80, INTERVAL_MS), v6: lab.probeEvery(v6, 80, INTERVAL_MS) };
    await new Promise((r) => setTimeout(r, 1_000));
    const t0 = Date.now();
    await lab.nodeDown(victim);
    await Promise.all([
      lab.proc(`agent/${victim}`).stop('SIGKILL'),
      lab.proc(`kubelet/${victim}`).stop('SIGKILL'),
    ]);
    const fibMs = { v4: 0, v6: 0 };
    await Promise.all([
      lab
        .waitFor(
          `${victim} gone from tor1's FIB for ${v4}`,
          () => fibIs(`${v4}/32`, [survivor.v4]),
          60_000,
          20,
        )
        .then(() => {
          fibMs.v4 = Date.now() - t0;
        }),
      lab
        .waitFor(
          `${victim} gone from tor1's FIB for ${v6}`,
          () => fibIs(`${v6}/128`, [survivor.v6]),
          60_000,
          20,
        )
        .then(() => {
          fibMs.v6 = Date.now() - t0;
        }),
    ]).catch(async (err: Error) => {
      const routes = lab.server.store.list(V1, 'BGPAdvertisedRoute', { namespace: 'kube-system' });
      throw new Error(
        `${err.message}\nBGPAdvertisedRoutes: ${JSON.stringify(routes.map((r) => [r.metadata.name, r.spec]))}\ntor1 paths: ${JSON.stringify([await lab.torPaths(TOR, `${v4}/32`), await lab.torPaths(TOR, `${v6}/128`)])}\nfloating IPs: ${JSON.stringify(lab.floatingIPs())}`,
      );
    });
    // Requests after the FIB change must all succeed: keep probing a while longer.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const family of ['v4', 'v6'] as const) {
      const samples = await probes[family].stop();
      const lw = lossWindow(samples, INTERVAL_MS);
      console.log(
        `[e2e 04] dual-stack failover, ${family === 'v4' ? 'IPv4' : 'IPv6'} VIP: ${victim} died; tor1 FIB without it after ${fibMs[family]} ms; loss window ${lw.windowMs} ms (${lw.failed}/${lw.total} requests failed)`,
      );
      expect(lw.total).toBeGreaterThan(100);
      expect(lw.windowMs, `${family} loss window`).toBeLessThanOrEqual(LOSS_BUDGET_MS);
      const after = samples.filter((s) => s.t > t0 + fibMs[family] + 200);
      expect(after.length).toBeGreaterThan(20);
      expect(
        after.filter((s) => !s.ok),
        `${family}: requests after the FIB change`,
      ).toEqual([]);
    }
  }, 180_000);
});
