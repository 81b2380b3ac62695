/**
 * externalTrafficPolicy: Local on topology 03 (issue 19), in network namespaces with FRR (bgpd +
 * zebra) as the ToR; needs root and FRR, skipped with the reason otherwise. Its own lab (namespace
 * prefix `local`): a Local Service with 3 ready endpoints on lb1 and 1 on lb2 must be installed by
 * FRR as a weighted multipath route (link-bandwidth extended community -> kernel nexthop weights),
 * 2,000 new connections must split 75/25 within 5 points, the backend must see the client's own
 * address, and scaling lb2 to zero must withdraw lb2's path within 1 s with no failed request.
 * Then the same without ADD-PATH: one endpoint node per session, every VIP reachable.
 *
 * The lab has no real Pods: an EndpointSlice is written as the EndpointSlice controller would, and
 * each load-balancer node's simulated kubelet answers on the VIP (as kube-proxy would deliver to a
 * local endpoint) with its node name and the client address it saw.
 */
import { labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { E2eLab, type ProbeResult, REPO } from './netns/e2e-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`e2e externalTrafficPolicy: Local skipped: ${skip}`);

const TOR = 'tor1';
const CLIENT_IP = '192.168.10.100';
const measured: { what: string; ms: number; budgetMs: number }[] = [];

function record(what: string, ms: number, budgetMs: number): void {
  measured.push({ what, ms, budgetMs });
  expect(ms, `${what} took ${ms} ms (budget ${budgetMs} ms)`).toBeLessThanOrEqual(budgetMs);
}

type Counts = Record<string, number>;

describe.skipIf(skip !== undefined)(
  'externalTrafficPolicy: Local on topology 03 (netns + FRR + zebra)',
  () => {
    let lab: E2eLab;
    const ip = (node: string): string => lab.node(node).internalIP ?? '';
    const sliceVersions = new Map<string, string>();

    /** Writes the Service's one EndpointSlice: `counts` ready endpoints per node (0: one terminating). */
    function setEndpoints(service: string, counts: Counts): void {
      const endpoints: unknown[] = [];
      let i = 0;
      for (const [node, n] of Object.entries(counts)) {
        const ready = n > 0;
        for (let k = 0; k < Math.max(n, 1); k++) {
          i++;
          endpoints.push({
            addresses: [`10.244.${i}.${k + 10}`],
            nodeName: node,
            conditions: { ready, serving: ready, terminating: !ready },
            targetRef: {
              kind: 'Pod',
              namespace: 'default',
              name: `${service}-${node}-${k}`,
              uid: `${service}-${node}-${k}`,
            },
          });
        }
      }
      const object = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${service}-x1`,
          namespace: 'default',
          labels: { 'kubernetes.io/service-name': service },
          ...(sliceVersions.has(service) ? { resourceVersion: sliceVersions.get(service) } : {}),
        },
        addressType: 'IPv4',
        endpoints,
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      };
      const store = lab.server.store;
      const written = sliceVersions.has(service)
        ? store.update(object as never)
        : store.create(object as never);
      sliceVersions.set(
        service,
        String((written as { metadata: { resourceVersion?: string } }).metadata.resourceVersion),
      );
    }

    function createLocalService(name: string): void {
      lab.createService(name, 'default', { externalTrafficPolicy: 'Local' });
    }

    /** The ToR's kernel route: next hop -> weight (ip -j route show). */
    async function fibWeights(prefix: string): Promise<Record<string, number>> {
      const routes = await lab
        .host(TOR)
        .ipJson<{ gateway?: string; nexthops?: { gateway: string; weight?: number }[] }[]>(
          'route',
          'show',
          prefix,
        );
      const out: Record<string, number> = {};
      for (const r of routes) {
        if (r.gateway) out[r.gateway] = 1;
        for (const h of r.nexthops ?? []) out[h.gateway] = (out[h.gateway] ?? 0) + (h.weight ?? 1);
      }
      return out;
    }

    /** BGP paths at the ToR with the link bandwidth FRR decoded (extended community text). */
    async function torPathsWithBandwidth(
      prefix: string,
    ): Promise<{ nextHop: string; peer: string; ext: string }[]> {
      const r = await lab.router(TOR).json<{
        paths?: {
          nexthops?: { ip: string }[];
          peer?: { peerId?: string };
          extendedCommunity?: { string?: string };
        }[];
      }>(`show bgp ipv4 unicast ${prefix} json`);
      return (r.paths ?? []).map((p) => ({
        nextHop: p.nexthops?.[0]?.ip ?? '',
        peer: p.peer?.peerId ?? '',
        ext: p.extendedCommunity?.string ?? '',
      }));
    }

    /**
     * Waits for a change at the ToR and records how long after `since` its BGP table (RIB) and its
     * kernel FIB each first showed it, against the 1 s (E2eLab.msUntilEach: each clock stops
     * at its own first observation).
     */
    async function recordRibAndFib(
      what: string,
      since: number,
      rib: () => Promise<boolean>,
      fib: () => Promise<boolean>,
    ): Promise<void> {
      const ms = await lab.msUntilEach(what, since, { RIB: rib, FIB: fib });
      record(`${what} (RIB)`, ms.RIB, 1_000);
      record(`${what} (FIB)`, ms.FIB, 1_000);
    }

    beforeAll(async () => {
      const t0 = Date.now();
      lab = await E2eLab.up({
        topology: '03-separate-control-and-data-plane',
        name: 'local',
        dist: process.env.BGPLB_E2E_SOURCES !== '1' && distIsFresh(REPO),
        log: (l) => console.log(`[e2e-local] ${l}`),
      });
      measured.push({ what: 'lab up', ms: Date.now() - t0, budgetMs: 180_000 });
    }, 240_000);

    afterAll(async () => {
      await lab?.down();
      const rows = measured.map((m) => `| ${m.what} | ${m.ms} | ${m.budgetMs} |`);
      console.log(['e2e-local measured:', '| what | ms | budget ms |', '|---|---|---|', ...rows].join('\n'));
    }, 60_000);

    let vip = '';

    it('a Local Service with 3 endpoints on lb1 and 1 on lb2: weighted multipath, 75/25, client address kept, lb2 to zero withdrawn within 1 s', async () => {
      createLocalService('local');
      vip = await lab.waitFor('a VIP for default/local', () => lab.serviceVIP('local'), 15_000, 20);
      const prefix = `${vip}/32`;
      setEndpoints('local', { lb1: 3, lb2: 1 });
      const lb1 = ip('lb1');
      const lb2 = ip('lb2');
      const weights = await lab.waitFor(
        `${TOR} FIB for ${prefix}: lb1 and lb2 with weights`,
        async () => {
          const w = await fibWeights(prefix);
          return Object.keys(w).sort().join() === [lb1, lb2].sort().join() ? w : undefined;
        },
        30_000,
        100,
      );
      const routeText = await lab.torRouteText(TOR, prefix);
      const frrRoute = await lab.router(TOR).vtysh(`show ip route ${prefix}`);
      console.log(`[e2e-local] ${TOR} ip route show ${prefix}:\n${routeText}\n[e2e-local] FRR:\n${frrRoute}`);
      // FRR turns the link bandwidth (lb1 3 x 1 Mbit/s, lb2 1 x 1 Mbit/s) into weight = 100 x bw / total.
      const ratio = weights[lb1]! / weights[lb2]!;
      expect(ratio, `kernel weights ${JSON.stringify(weights)}`).toBeGreaterThan(2.5);
      expect(ratio).toBeLessThan(3.5);
      const paths = await torPathsWithBandwidth(prefix);
      for (const p of paths) {
        const perEndpoint = p.nextHop === lb1 ? 3 : 1;
        expect(p.ext, `path via ${p.nextHop} from ${p.peer}`).toMatch(
          new RegExp(`LB:\\d+:${perEndpoint * 125_000}\\b`),
        );
      }

      const r = await lab.probe(vip, 80, 2000);
      expect(r.failed, r.errors.join('; ')).toBe(0);
      const share = (100 * (r.responders.lb1 ?? 0)) / r.ok;
      console.log(
        `[e2e-local] 2,000 connections: ${JSON.stringify(r.responders)} (lb1 ${share.toFixed(1)} %)`,
      );
      expect(share).toBeGreaterThanOrEqual(70);
      expect(share).toBeLessThanOrEqual(80);
      expect(Object.keys(r.responders).sort()).toEqual(['lb1', 'lb2']);
      // The backends saw the client's own address (no SNAT on the way).
      expect(r.sources).toEqual({ [CLIENT_IP]: r.ok });

      // lb2 scaled to zero (its endpoint terminating): lb2's path goes within 1 s; nothing fails.
      const traffic = lab.probeEvery(vip, 80, 20);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const scaled = Date.now();
      setEndpoints('local', { lb1: 3, lb2: 0 });
      await recordRibAndFib(
        'lb2 scaled to zero -> the ToR has lb1 only',
        scaled,
        async () => {
          const p = await torPathsWithBandwidth(prefix);
          return p.length > 0 && p.every((x) => x.nextHop === lb1);
        },
        async () => Object.keys(await fibWeights(prefix)).join() === lb1,
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const results = (await traffic.stop()) as ProbeResult[];
      const failed = results.filter((x) => !x.ok);
      console.log(
        `[e2e-local] requests every 20 ms across the scale-down: ${results.length}, failed ${failed.length}, ` +
          `lb1 ${results.filter((x) => x.ok && x.node === 'lb1').length}`,
      );
      expect(results.length).toBeGreaterThan(20);
      expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);

      // lb2 gains an endpoint again: added within 1 s.
      const gained = Date.now();
      setEndpoints('local', { lb1: 3, lb2: 1 });
      await recordRibAndFib(
        'lb2 gains an endpoint -> its path back at the ToR',
        gained,
        async () => (await torPathsWithBandwidth(prefix)).some((x) => x.nextHop === lb2),
        async () => lb2 in (await fibWeights(prefix)),
      );

      // No ready endpoint anywhere: the route is withdrawn, and an Event says why.
      const emptied = Date.now();
      setEndpoints('local', { lb1: 0, lb2: 0 });
      await recordRibAndFib(
        'no ready endpoint -> route withdrawn at the ToR',
        emptied,
        async () => (await torPathsWithBandwidth(prefix)).length === 0,
        async () => Object.keys(await fibWeights(prefix)).length === 0,
      );
      const event = await lab.waitFor('a NoLocalEndpoints Event', () =>
        lab.server.store
          .list('v1', 'Event', { namespace: 'default' })
          .find((e) => (e as { reason?: string }).reason === 'NoLocalEndpoints'),
      );
      expect((event as { message?: string }).message).toContain(`VIP ${vip} is not announced`);
      expect(lab.serviceVIP('local')).toBe(vip);
      setEndpoints('local', { lb1: 3, lb2: 1 });
    }, 180_000);

    it('without ADD-PATH: one endpoint node per session and VIP, every VIP reachable', async () => {
      const frr = lab.router(TOR);
      const fips = Object.keys(lab.floatingIPs());
      expect(fips.length).toBe(2);
      await frr.configure(
        'router bgp 65002',
        'address-family ipv4 unicast',
        'neighbor LB disable-addpath-rx',
      );
      await frr.vtysh(...fips.map((f) => `clear bgp ipv4 unicast ${f}`));
      try {
        createLocalService('local2');
        createLocalService('local3');
        const vips: Record<string, string> = { local: vip };
        for (const s of ['local2', 'local3'])
          vips[s] = await lab.waitFor(`VIP of ${s}`, () => lab.serviceVIP(s), 15_000);
        setEndpoints('local2', { lb1: 1, lb2: 1 });
        setEndpoints('local3', { lb1: 2, w1: 1 });
        const endpointNodes: Record<string, string[]> = {
          local: [ip('lb1'), ip('lb2')],
          local2: [ip('lb1'), ip('lb2')],
          local3: [ip('lb1')],
        };
        const t0 = Date.now();
        await lab.waitFor(
          'one path per session for every Local VIP, on an endpoint node',
          async () => {
            for (const [s, v] of Object.entries(vips)) {
              const paths = await torPathsWithBandwidth(`${v}/32`);
              for (const f of fips) {
                const mine = paths.filter((p) => p.peer === f);
                if (mine.length !== 1 || !endpointNodes[s]!.includes(mine[0]!.nextHop)) return false;
              }
            }
            return true;
          },
          45_000,
          200,
        );
        measured.push({
          what: 'without ADD-PATH: sessions renegotiated -> one endpoint node per session',
          ms: Date.now() - t0,
          budgetMs: 45_000,
        });
        const perVip: Record<string, string[]> = {};
        for (const [s, v] of Object.entries(vips)) {
          const paths = await torPathsWithBandwidth(`${v}/32`);
          perVip[s] = paths.map((p) => `${p.peer}->${p.nextHop} ${p.ext}`);
          const r = await lab.probe(v, 80, 20);
          expect(r.failed, `${s}: ${r.errors.join('; ')}`).toBe(0);
          for (const who of Object.keys(r.responders)) expect(endpointNodes[s]).toContain(ip(who));
        }
        console.log(`[e2e-local] without ADD-PATH, session -> next hop per VIP: ${JSON.stringify(perVip)}`);
        // Two endpoint nodes and two sessions: the sessions announce different ones (the ToR still
        // spreads over both, weighted); one endpoint node: both sessions announce it.
        for (const s of ['local', 'local2'])
          expect(new Set((await torPathsWithBandwidth(`${vips[s]}/32`)).map((p) => p.nextHop)).size, s).toBe(
            2,
          );
      } finally {
        await frr.configure(
          'router bgp 65002',
          'address-family ipv4 unicast',
          'no neighbor LB disable-addpath-rx',
        );
        await frr.vtysh(...fips.map((f) => `clear bgp ipv4 unicast ${f}`));
      }
    }, 180_000);
  },
);
