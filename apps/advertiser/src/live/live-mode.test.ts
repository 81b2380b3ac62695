/**
 * Live mode against the in-memory API server, with a fake speaker behind the real
 * ControlPlaneAdvertiser: start from the API server, follow edits peer by peer, refuse an invalid
 * edit whole (log, Warning Event, condition, readiness), clear the refusal, write the
 * control-plane BGPSessions, and start from the last good file when the API server is away.
 * No root needed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crdDirectory } from '@bgplb/api-types';
import { waitFor } from '@bgplb/netns-lab';
import { type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneAdvertiser } from '../advertiser.js';
import { FakeSpeaker } from '../test-support/fake-speaker.js';
import { captureLogger } from '../test-support/log-capture.js';
import { LiveMode, type LiveSource } from './live-mode.js';
import { type ClusterObject, exampleCluster } from './test-cluster.js';

const CV = 'baremetal.cluster.gke.io/v1';
const NS = 'cluster-bm';

describe('live mode (test API server, fake speaker)', () => {
  let server: TestApiServer;
  const dir = mkdtempSync(join(tmpdir(), 'live-mode-'));
  let kubeconfig = '';
  const running: LiveMode[] = [];

  const cluster = (): ClusterObject => server.store.get(CV, 'Cluster', 'bm', NS) as ClusterObject;
  const edit = (change: (c: ClusterObject) => void): void => {
    const c = structuredClone(cluster());
    change(c);
    server.store.update(c as KubeObject);
  };
  const condition = () =>
    (cluster().status?.conditions as Array<Record<string, unknown>> | undefined)?.find(
      (c) => c.type === 'BGPConfigRefused',
    );
  const events = (reason: string) =>
    server.store
      .list('v1', 'Event', { namespace: NS })
      .filter((e) => (e as { reason?: string }).reason === reason);

  beforeAll(async () => {
    server = await startTestApiServer({ crds: [crdDirectory], namespaces: ['default', 'kube-system', NS] });
    kubeconfig = join(dir, 'kubeconfig.yaml');
    server.writeKubeconfig(kubeconfig);
    server.store.create(exampleCluster() as KubeObject);
  });
  afterAll(async () => {
    for (const l of running) await l.stop('test over', 500);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function source(extra: Partial<LiveSource> = {}): LiveSource {
    return {
      kind: 'live',
      kubeconfig,
      namespace: NS,
      name: 'bm',
      nodeIp: '10.0.1.10',
      nodeName: 'cp-a',
      lastGoodPath: join(dir, 'last-good.yaml'),
      ...extra,
    };
  }

  /** `observe` sees every configuration handed to the advertiser and every drain change. */
  async function startLive(src: LiveSource, observe: { applied?: unknown[]; drains?: unknown[] } = {}) {
    const { log, lines } = captureLogger();
    const opened = LiveMode.open(src, {
      log,
      hostAddresses: () => [],
      startupTimeoutMs: 1_000,
      resyncMs: 500,
      backoffMaxMs: 500,
    });
    if (!opened.ok) throw new Error(opened.message);
    const live = opened.live;
    running.push(live);
    const start = await live.start();
    const speaker = new FakeSpeaker();
    const adv = new ControlPlaneAdvertiser({ speaker, log, vips: [start.vip] });
    await adv.applyConfig(start.config);
    live.attach(
      (c) => {
        observe.applied?.push(c);
        return adv.applyConfig(c);
      },
      speaker,
      observe.drains === undefined ? undefined : (d) => observe.drains?.push(d),
    );
    return { live, start, speaker, adv, lines };
  }

  it('starts from the API server, follows edits, refuses a bad one whole and clears the refusal', async () => {
    const { live, start, speaker, lines } = await startLive(source());
    expect(start).toMatchObject({ from: 'api', node: '10.0.1.10', vip: '10.0.0.8' });
    expect([...speaker.configs.keys()]).toEqual(['10.0.1.254']);

    // The BGPSession of the one session, labelled, with its status once the speaker reports.
    const name = 'cp.10.0.1.10.peer.10.0.1.254';
    await waitFor(
      'BGPSession created',
      () => server.store.get('networking.gke.io/v1', 'BGPSession', name, 'kube-system') !== undefined,
      5_000,
    );
    const session = server.store.get('networking.gke.io/v1', 'BGPSession', name, 'kube-system')!;
    expect(session.metadata.labels).toMatchObject({ 'bgplb.io/session-kind': 'control-plane' });
    expect(session.spec).toEqual({
      floatingIP: '10.0.1.10',
      localASN: 65001,
      localIP: '10.0.1.10',
      nodeName: 'cp-a',
      peerASN: 65002,
      peerIP: '10.0.1.254',
    });
    speaker.setState('10.0.1.254', 'Established');
    await waitFor(
      'status Established',
      () =>
        (
          server.store.get('networking.gke.io/v1', 'BGPSession', name, 'kube-system')?.status as
            | { state?: string }
            | undefined
        )?.state === 'Established',
      5_000,
    );
    await waitFor('condition False', () => condition()?.status === 'False', 5_000);

    // A peer for every node: added, the existing session untouched.
    edit((c) => {
      c.spec.loadBalancer.bgpPeers.push({ ip: '10.0.1.253', asn: 65003 });
    });
    await waitFor('peer added', () => speaker.configs.has('10.0.1.253'), 5_000);
    expect(speaker.calls.filter((c) => c.startsWith('removePeer'))).toEqual([]);
    expect(lines.find((l) => l.msg === 'Configuration applied from the Cluster')).toMatchObject({
      added: ['10.0.1.253'],
      unchanged: ['10.0.1.254'],
      removed: [],
    });
    await waitFor(
      'second BGPSession',
      () =>
        server.store.get(
          'networking.gke.io/v1',
          'BGPSession',
          'cp.10.0.1.10.peer.10.0.1.253',
          'kube-system',
        ) !== undefined,
      5_000,
    );

    // Invalid: node 10.0.2.10 is left without a peer. Nothing changes here.
    const callsBefore = speaker.calls.length;
    edit((c) => {
      c.spec.loadBalancer.bgpPeers[1].controlPlaneNodes = ['10.0.1.11'];
      c.spec.loadBalancer.bgpPeers.pop();
    });
    const refusedLine =
      'control-plane node 10.0.2.10 has no BGP peer: every entry of spec.loadBalancer.bgpPeers lists controlPlaneNodes and none includes it';
    await waitFor('condition True', () => condition()?.status === 'True', 5_000);
    expect(String(condition()?.message)).toContain(refusedLine);
    expect(condition()).toMatchObject({
      reason: 'InvalidConfiguration',
      observedGeneration: cluster().metadata.generation,
    });
    await waitFor('Warning Event', () => events('BGPConfigRefused').length === 1, 5_000);
    expect(events('BGPConfigRefused')[0]).toMatchObject({
      type: 'Warning',
      involvedObject: { kind: 'Cluster', name: 'bm', namespace: NS },
    });
    const refusal = lines.find(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('Cluster change refused'),
    );
    expect(refusal).toMatchObject({
      level: 'error',
      msg: 'Cluster change refused; keeping the running configuration (10.0.1.254, 10.0.1.253)',
    });
    expect(live.readiness()).toMatchObject({
      source: 'api-server',
      refused: { problems: [expect.stringContaining(refusedLine)] },
    });
    expect(speaker.calls.slice(callsBefore)).toEqual([]);
    expect(speaker.paths.get('10.0.0.8/32')).toEqual([{ nextHop: '10.0.1.10', origin: 'igp' }]);

    // Fixed by removing the extra peer properly: applied, the refusal cleared.
    edit((c) => {
      c.spec.loadBalancer.bgpPeers[1].controlPlaneNodes = ['10.0.2.10'];
    });
    await waitFor('peer removed', () => !speaker.configs.has('10.0.1.253'), 5_000);
    expect(speaker.calls.filter((c) => c.startsWith('removePeer'))).toEqual([
      'removePeer 10.0.1.253 bgpadvertiser: peer removed from configuration',
    ]);
    await waitFor('condition False again', () => condition()?.status === 'False', 5_000);
    expect(live.readiness()).not.toHaveProperty('refused');
    await waitFor(
      'BGPSession of the removed peer deleted',
      () =>
        server.store.get(
          'networking.gke.io/v1',
          'BGPSession',
          'cp.10.0.1.10.peer.10.0.1.253',
          'kube-system',
        ) === undefined,
      5_000,
    );
    await waitFor('Normal Event', () => events('BGPConfigApplied').length >= 1, 5_000);
    // The last good file holds the version applied last (written after the apply).
    await waitFor(
      'last good file updated',
      () => {
        const text = existsSync(join(dir, 'last-good.yaml'))
          ? readFileSync(join(dir, 'last-good.yaml'), 'utf8')
          : '';
        return text.includes('10.0.2.254') && !text.includes('10.0.1.253');
      },
      5_000,
    );
  }, 30_000);

  it("applies a change of only the Cluster's drain settings without touching a session or a path", async () => {
    const applied: unknown[] = [];
    const drains: unknown[] = [];
    const { start, speaker } = await startLive(source({ nodeIp: '10.0.1.11', nodeName: 'cp-b' }), {
      applied,
      drains,
    });
    expect(start.drain).toEqual({});
    const callsBefore = speaker.calls.length;
    edit((c) => {
      c.spec.loadBalancer.drainDelay = 45;
      c.spec.loadBalancer.drainASPathPrepend = 1;
    });
    await waitFor('drain settings applied', () => drains.length > 0, 5_000);
    expect(drains).toEqual([{ drainDelay: 45, drainASPathPrepend: 1 }]);
    expect(applied).toEqual([]);
    expect(speaker.calls.slice(callsBefore)).toEqual([]);
    // A later change elsewhere does not hand the same drain settings over again.
    edit((c) => {
      c.spec.loadBalancer.bgpPeers.push({ ip: '10.0.1.252', asn: 65004 });
    });
    await waitFor('peer added', () => speaker.configs.has('10.0.1.252'), 5_000);
    expect(drains).toHaveLength(1);
    edit((c) => {
      c.spec.loadBalancer.bgpPeers.pop();
      delete c.spec.loadBalancer.drainDelay;
      delete c.spec.loadBalancer.drainASPathPrepend;
    });
    await waitFor('drain settings removed', () => drains.length === 2, 5_000);
    expect(drains[1]).toEqual({});
  }, 30_000);

  it('with the API server unreachable, starts from the last good file the first run wrote', async () => {
    const dead = join(dir, 'dead-kubeconfig.yaml');
    // Port 1 (tcpmux): nothing listens there; an ephemeral port freed by a throwaway server could be
    // taken again by a parallel test's server.
    const port = 1;
    writeFileSync(dead, server.kubeconfig().replaceAll(`:${server.port}`, `:${port}`));
    const { live, start, speaker, lines } = await startLive(source({ kubeconfig: dead }));
    expect(start).toMatchObject({
      from: 'last-good',
      vip: '10.0.0.8',
      config: { peers: [{ peerIP: '10.0.1.254' }] },
    });
    expect([...speaker.configs.keys()]).toEqual(['10.0.1.254']);
    expect(
      lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('API server unreachable')),
    ).toBeDefined();
    expect(live.readiness()).toMatchObject({ source: 'last-good-config', apiServerSynced: false });
  }, 30_000);

  it('without the API server and without a last good file, start() waits (nothing to announce)', async () => {
    const { log } = captureLogger();
    const dead = join(dir, 'dead-kubeconfig.yaml');
    const opened = LiveMode.open(source({ kubeconfig: dead, lastGoodPath: join(dir, 'none.yaml') }), {
      log,
      hostAddresses: () => [],
      startupTimeoutMs: 300,
      backoffMaxMs: 300,
    });
    if (!opened.ok) throw new Error(opened.message);
    running.push(opened.live);
    const outcome = await Promise.race([
      opened.live.start().then(() => 'started'),
      new Promise((r) => setTimeout(() => r('waiting'), 1_500)),
    ]);
    expect(outcome).toBe('waiting');
  });

  it('a missing kubeconfig is an error message, not a crash', () => {
    const { log } = captureLogger();
    const opened = LiveMode.open(source({ kubeconfig: join(dir, 'nope.yaml') }), {
      log,
      hostAddresses: () => [],
    });
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.message).toContain('nope.yaml');
  });
});
