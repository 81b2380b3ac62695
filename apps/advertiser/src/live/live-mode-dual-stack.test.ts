/**
 * Live mode with a control-plane VIP of each family (test API server, fake speaker behind the real
 * ControlPlaneAdvertiser; no root): the node's IPv6 address comes from the host, and when the host
 * has another one at the next Cluster version, only the next hop of the IPv6 VIP moves, as any
 * applied change (the IPv4 session is not touched). Several addresses refuse the version whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crdDirectory } from '@bgplb/api-types';
import { waitFor } from '@bgplb/netns-lab';
import { type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigChange, ControlPlaneAdvertiser } from '../advertiser.js';
import type { HostAddress } from '../shared/host-addresses.js';
import { FakeSpeaker } from '../test-support/fake-speaker.js';
import { captureLogger } from '../test-support/log-capture.js';
import { LiveMode } from './live-mode.js';
import { type ClusterObject, exampleCluster } from './test-cluster.js';

const CV = 'baremetal.cluster.gke.io/v1';
const NS = 'cluster-bm';
const VIP6 = '2001:db8::8';

describe('live mode, a control-plane VIP of each family (test API server, fake speaker)', () => {
  let server: TestApiServer;
  const dir = mkdtempSync(join(tmpdir(), 'live-dual-'));
  let live: LiveMode | undefined;

  const edit = (change: (c: ClusterObject) => void): void => {
    const c = structuredClone(server.store.get(CV, 'Cluster', 'bm', NS) as ClusterObject);
    change(c);
    server.store.update(c as KubeObject);
  };

  beforeAll(async () => {
    server = await startTestApiServer({ crds: [crdDirectory], namespaces: ['default', 'kube-system', NS] });
    const cluster = exampleCluster();
    cluster.spec.loadBalancer.vips.controlPlaneVIPOtherFamily = VIP6;
    server.store.create(cluster as KubeObject);
  });
  afterAll(async () => {
    await live?.stop('test over', 500);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("announces the IPv6 VIP via the host's IPv6 address, moves it with the host, refuses ambiguity", async () => {
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    server.writeKubeconfig(kubeconfig);
    let v6 = ['2001:db8:1::10'];
    const host = (): HostAddress[] => [
      { ifname: 'eth0', ip: '10.0.1.10' },
      ...v6.map((ip) => ({ ifname: 'eth0', ip })),
    ];
    const { log, lines } = captureLogger();
    const opened = LiveMode.open(
      {
        kind: 'live',
        kubeconfig,
        namespace: NS,
        name: 'bm',
        nodeName: 'cp-a',
        lastGoodPath: join(dir, 'last-good.yaml'),
      },
      { log, hostAddresses: host, startupTimeoutMs: 1_000, resyncMs: 500, backoffMaxMs: 500 },
    );
    if (!opened.ok) throw new Error(opened.message);
    live = opened.live;
    const start = await live.start();
    expect(start).toMatchObject({
      node: '10.0.1.10',
      vips: ['10.0.0.8', VIP6],
      config: { localIP: '10.0.1.10', localIPOtherFamily: '2001:db8:1::10' },
      unannounced: {},
    });
    const speaker = new FakeSpeaker();
    const adv = new ControlPlaneAdvertiser({ speaker, log, vips: start.vips });
    await adv.applyConfig(start.config, start.unannounced);
    const changes: ConfigChange[] = [];
    live.attach(async (c, unannounced) => {
      const change = await adv.applyConfig(c, unannounced);
      changes.push(change);
      return change;
    }, speaker);
    expect(speaker.paths.get('10.0.0.8/32')?.[0]?.nextHop).toBe('10.0.1.10');
    expect(speaker.paths.get(`${VIP6}/128`)?.[0]?.nextHop).toBe('2001:db8:1::10');

    // The interface renumbered; the next Cluster version applies the new next hop, no session reset.
    v6 = ['2001:db8:1::20'];
    edit((c) => {
      c.spec.loadBalancer.drainDelay = 20;
    });
    await waitFor(
      'the IPv6 VIP via the new address',
      () => speaker.paths.get(`${VIP6}/128`)?.[0]?.nextHop === '2001:db8:1::20',
      10_000,
    );
    expect(changes).toEqual([{ added: [], removed: [], changed: [], unchanged: ['10.0.1.254'] }]);
    expect(speaker.paths.get('10.0.0.8/32')?.[0]?.nextHop).toBe('10.0.1.10');

    // Two IPv6 addresses: the version is refused whole; the running next hop stays.
    v6 = ['2001:db8:1::20', '2001:db8:1::21'];
    edit((c) => {
      c.spec.loadBalancer.drainDelay = 25;
    });
    await waitFor(
      'the refusal',
      () =>
        lines.some((l) => l.msg === 'Cluster change refused; keeping the running configuration (10.0.1.254)'),
      10_000,
    );
    const refused = lines.find(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('Cluster change refused'),
    );
    expect(refused?.problems).toEqual([
      'eth0 (the interface of the node address 10.0.1.10) has several global IPv6 addresses (2001:db8:1::20, 2001:db8:1::21): pass --node-ip-other-family with the one the routers reach this node at (the next hop of the control-plane VIP 2001:db8::8)',
    ]);
    expect(live.readiness()).toMatchObject({ refused: { problems: refused?.problems } });
    expect(changes).toHaveLength(1);
    expect(speaker.paths.get(`${VIP6}/128`)?.[0]?.nextHop).toBe('2001:db8:1::20');
  }, 30_000);
});
