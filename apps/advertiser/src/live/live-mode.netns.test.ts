/**
 * Live mode as an operator runs it (needs root and FRR; skipped elsewhere): three control-plane
 * nodes run `bgpadvertiser --kubeconfig ... --cluster cluster-bm/bm` against the test API server
 * (reached from each node's namespace at 127.0.0.1:6443), with the Cluster of examples/02; three
 * FRR routers. Real kubectl reads and edits the objects, as in the "recover access to the
 * control-plane VIP" procedure (docs/operations.md). FRR's own counters (connectionsEstablished,
 * connectionsDropped) prove that unchanged sessions never flapped.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LabProcess, labSkipReason, waitFor } from '@bgplb/netns-lab';
import type { KubeObject } from '@bgplb/test-apiserver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentLab } from '../agent/test-support/agent-lab.js';
import { exampleCluster } from './test-cluster.js';

const skip = labSkipReason();
if (skip) console.warn(`live mode netns tests skipped: ${skip}`);

const CLI = new URL('../cli.ts', import.meta.url).pathname;
const REPO = new URL('../../../../', import.meta.url).pathname;
const KUBECTL = existsSync(join(REPO, '.tools/bin/kubectl')) ? join(REPO, '.tools/bin/kubectl') : 'kubectl';
const NS = 'cluster-bm';
const VIP = '10.0.0.8/32';

const NODES = [
  { name: 'cp1', ip: '10.0.1.10' },
  { name: 'cp2', ip: '10.0.1.11' },
  { name: 'cp3', ip: '10.0.2.10' },
] as const;
type NodeName = (typeof NODES)[number]['name'];

interface Neighbor {
  bgpState?: string;
  connectionsEstablished?: number;
  connectionsDropped?: number;
  lastNotificationReason?: string;
  lastErrorCodeSubcode?: string;
}

/** Which node peers with which router in examples/02 (before the test adds tor3). */
const BASE_SESSIONS: Array<[router: string, node: string]> = [
  ['tor1', '10.0.1.10'],
  ['tor1', '10.0.1.11'],
  ['tor2', '10.0.2.10'],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip)(
  'live mode: the control-plane speakers follow the Cluster (netns, FRR; needs root)',
  () => {
    let lab: AgentLab;
    const advertisers = new Map<NodeName, LabProcess>();
    let kubeconfigRoot = '';

    const kubectl = async (...args: Array<string | Record<string, string>>): Promise<string> => {
      const env = args.find((a): a is Record<string, string> => typeof a !== 'string') ?? {};
      const { stdout } = await promisify(execFile)(
        KUBECTL,
        [
          '--kubeconfig',
          kubeconfigRoot,
          '--cache-dir',
          join(lab.lab.workDir, 'kube-cache'),
          ...args.filter((a): a is string => typeof a === 'string'),
        ],
        { timeout: 30_000, env: { ...process.env, ...env } },
      );
      return stdout;
    };
    const neighbor = async (router: string, ip: string): Promise<Neighbor> =>
      (await lab.frrs.get(router)!.json<Record<string, Neighbor>>(`show bgp neighbors ${ip} json`))[ip] ?? {};
    const counters = async (sessions: Array<[string, string]>) =>
      Promise.all(
        sessions.map(async ([router, ip]) => {
          const n = await neighbor(router, ip);
          return { router, ip, state: n.bgpState, up: n.connectionsEstablished, down: n.connectionsDropped };
        }),
      );
    const vipNextHops = async (router: string) => (await lab.paths(VIP, router)).map((p) => p.nextHop).sort();
    const cluster = () =>
      lab.server.store.get('baremetal.cluster.gke.io/v1', 'Cluster', 'bm', NS) as KubeObject & {
        status?: { conditions?: Array<Record<string, unknown>> };
      };
    const refusedCondition = () => cluster().status?.conditions?.find((c) => c.type === 'BGPConfigRefused');

    function startAdvertiser(node: NodeName, extra: string[] = []): LabProcess {
      const host = lab.nodes.get(node)!;
      const child = host.spawnNode(CLI, [
        '--kubeconfig',
        lab.kubeconfig,
        '--cluster',
        `${NS}/bm`,
        '--node-name',
        node,
        '--last-good-config',
        join(lab.lab.workDir, `${node}-last-good.yaml`),
        '--no-check',
        ...extra,
      ]);
      const p = new LabProcess(
        `advertiser on ${node}`,
        child,
        join(lab.lab.workDir, `advertiser-${node}.log`),
      );
      advertisers.set(node, p);
      return p;
    }

    async function controlPlaneSessions(): Promise<
      Array<{ name: string; state: string | undefined; node: string; peer: string }>
    > {
      const out = JSON.parse(
        await kubectl(
          '-n',
          'kube-system',
          'get',
          'bgpsessions',
          '-l',
          'bgplb.io/session-kind=control-plane',
          '-o',
          'json',
        ),
      ) as {
        items: Array<{
          metadata: { name: string };
          spec: { localIP: string; peerIP: string };
          status?: { state?: string };
        }>;
      };
      return out.items
        .map((o) => ({
          name: o.metadata.name,
          state: o.status?.state,
          node: o.spec.localIP,
          peer: o.spec.peerIP,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    }

    beforeAll(async () => {
      const { AgentLab } = await import('../agent/test-support/agent-lab.js');
      lab = await AgentLab.create(
        'livecp',
        NODES.map((n) => ({ name: n.name, address: `${n.ip}/16` })),
        [
          { name: 'tor1', address: '10.0.1.254/16' },
          { name: 'tor2', address: '10.0.2.254/16' },
          { name: 'tor3', address: '10.0.1.253/16' },
        ],
      );
      const frr = (asn: number, id: string, neighbors: string[]) =>
        [
          `router bgp ${asn}`,
          ` bgp router-id ${id}`,
          ' no bgp ebgp-requires-policy',
          ...neighbors.flatMap((n) => [` neighbor ${n} remote-as 65001`, ` neighbor ${n} timers connect 1`]),
        ].join('\n');
      await lab.startFrr(frr(65002, '10.0.1.254', ['10.0.1.10', '10.0.1.11']), 'tor1');
      await lab.startFrr(frr(65002, '10.0.2.254', ['10.0.2.10']), 'tor2');
      await lab.startFrr(
        frr(
          65003,
          '10.0.1.253',
          NODES.map((n) => n.ip),
        ),
        'tor3',
      );
      lab.server.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
      lab.server.store.create(exampleCluster() as KubeObject);
      kubeconfigRoot = join(lab.lab.workDir, 'kubeconfig-root.yaml');
      writeFileSync(kubeconfigRoot, lab.server.kubeconfig());
    }, 180_000);

    afterAll(async () => {
      for (const a of advertisers.values()) if (a.running) a.child.kill('SIGKILL');
      await lab?.destroy();
    });

    it('three nodes open exactly the sessions of the Cluster; kubectl lists them Established', async () => {
      for (const n of NODES) startAdvertiser(n.name);
      await waitFor(
        'three control-plane BGPSessions Established',
        async () => {
          const s = await controlPlaneSessions();
          return s.length === 3 && s.every((x) => x.state === 'Established');
        },
        90_000,
      );
      expect((await controlPlaneSessions()).map(({ name, node, peer }) => ({ name, node, peer }))).toEqual([
        { name: 'cp.10.0.1.10.peer.10.0.1.254', node: '10.0.1.10', peer: '10.0.1.254' },
        { name: 'cp.10.0.1.11.peer.10.0.1.254', node: '10.0.1.11', peer: '10.0.1.254' },
        { name: 'cp.10.0.2.10.peer.10.0.2.254', node: '10.0.2.10', peer: '10.0.2.254' },
      ]);
      // The printer columns of every BGPSession, as `kubectl get` prints them.
      const table = await kubectl(
        '-n',
        'kube-system',
        'get',
        'bgpsessions',
        '-l',
        'bgplb.io/session-kind=control-plane',
      );
      expect(table.split('\n')[0]).toMatch(
        /^NAME\s+LOCAL ASN\s+PEER ASN\s+LOCAL IP\s+PEER IP\s+STATE\s+LAST REPORT/,
      );
      expect(table).toMatch(
        /cp\.10\.0\.2\.10\.peer\.10\.0\.2\.254\s+65001\s+65002\s+10\.0\.2\.10\s+10\.0\.2\.254\s+Established/,
      );
      await waitFor(
        'VIP at tor1 from cp1 and cp2',
        async () => (await vipNextHops('tor1')).join() === '10.0.1.10,10.0.1.11',
        15_000,
      );
      await waitFor(
        'VIP at tor2 from cp3',
        async () => (await vipNextHops('tor2')).join() === '10.0.2.10',
        15_000,
      );
      // tor3 is not in the Cluster yet: nobody opened a session to it.
      for (const n of NODES) expect((await neighbor('tor3', n.ip)).bgpState).not.toBe('Established');
    }, 150_000);

    it('a patch adding a peer brings its sessions up within 5 s; unchanged sessions do not flap', async () => {
      const before = await counters(BASE_SESSIONS);
      expect(before.every((c) => c.state === 'Established')).toBe(true);
      // FRR's counters are there to compare (a missing field would make every comparison pass).
      expect(before.every((c) => typeof c.up === 'number' && c.up >= 1 && typeof c.down === 'number')).toBe(
        true,
      );
      await sleep(1_000);
      // The 5 s is the target from the edit to the sessions: the clock starts when the API
      // server receives the patch (a request hook that fails nothing), not when kubectl starts (its
      // start-up on a loaded machine is not the product's), and stops at the last of the three
      // advertisers' own log lines for Established with tor3 (not at the end of a round of vtysh
      // polls, which a loaded machine can make take seconds).
      let patchedAt: number | undefined;
      const unhook = lab.server.addFault((r) => {
        if (r.verb === 'patch' && r.resource === 'clusters') patchedAt ??= Date.now();
        return undefined;
      });
      try {
        await kubectl(
          '-n',
          NS,
          'patch',
          'cluster',
          'bm',
          '--type=json',
          '-p',
          JSON.stringify([
            { op: 'add', path: '/spec/loadBalancer/bgpPeers/-', value: { ip: '10.0.1.253', asn: 65003 } },
          ]),
        );
      } finally {
        unhook();
      }
      expect(patchedAt, 'the API server saw the patch').toBeDefined();
      await waitFor(
        'tor3 Established with all three nodes',
        async () =>
          (await Promise.all(NODES.map((n) => neighbor('tor3', n.ip)))).every(
            (x) => x.bgpState === 'Established',
          ),
        15_000,
      );
      const establishedAt = NODES.map((n) => {
        const line = advertisers
          .get(n.name)!
          .lines.find((l) => l.peer === '10.0.1.253' && /new=BGP_FSM_ESTABLISHED/.test(String(l.msg)));
        expect(line, `${n.name}'s log line for Established with tor3`).toBeDefined();
        return Date.parse(String(line!.time));
      });
      const upMs = Math.max(...establishedAt) - patchedAt!;
      console.log(`live mode: peer added by kubectl patch; its 3 sessions Established after ${upMs} ms`);
      expect(upMs).toBeGreaterThan(0);
      expect(upMs).toBeLessThanOrEqual(5_000);
      console.log(
        `live mode: unchanged sessions at FRR before/after: ${JSON.stringify(before)} / ${JSON.stringify(await counters(BASE_SESSIONS))}`,
      );
      await waitFor(
        'VIP at tor3 from all three',
        async () => (await vipNextHops('tor3')).length === 3,
        10_000,
      );
      expect(await counters(BASE_SESSIONS)).toEqual(before);
      for (const n of NODES)
        expect(
          advertisers.get(n.name)!.lines.find((l) => l.msg === 'Configuration applied from the Cluster'),
        ).toMatchObject({
          added: ['10.0.1.253'],
          removed: [],
          changed: [],
        });
    }, 60_000);

    it('removing the peer closes only its sessions (Cease/Peer De-configured)', async () => {
      const before = await counters(BASE_SESSIONS);
      await kubectl(
        '-n',
        NS,
        'patch',
        'cluster',
        'bm',
        '--type=json',
        '-p',
        JSON.stringify([{ op: 'remove', path: '/spec/loadBalancer/bgpPeers/2' }]),
      );
      await waitFor(
        'tor3 sessions closed',
        async () =>
          (await Promise.all(NODES.map((n) => neighbor('tor3', n.ip)))).every(
            (x) => x.bgpState !== 'Established',
          ),
        15_000,
      );
      for (const n of NODES)
        expect(await neighbor('tor3', n.ip)).toMatchObject({
          lastErrorCodeSubcode: '0603',
          lastNotificationReason: 'Cease/Peer De-configured',
        });
      expect(await vipNextHops('tor3')).toEqual([]);
      expect(await counters(BASE_SESSIONS)).toEqual(before);
      await waitFor(
        'its BGPSessions deleted',
        async () => (await controlPlaneSessions()).length === 3,
        15_000,
      );
    }, 60_000);

    it('an invalid edit is refused whole: no session change, Warning Event, condition, VIP still announced', async () => {
      const before = await counters(BASE_SESSIONS);
      // cp3 (10.0.2.10) left without a peer.
      await kubectl(
        '-n',
        NS,
        'patch',
        'cluster',
        'bm',
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'replace', path: '/spec/loadBalancer/bgpPeers/1/controlPlaneNodes', value: ['10.0.1.11'] },
        ]),
      );
      await waitFor('condition BGPConfigRefused=True', () => refusedCondition()?.status === 'True', 15_000);
      expect(String(refusedCondition()?.message)).toContain('control-plane node 10.0.2.10 has no BGP peer');
      // The Event is a write of its own (the recorder's), in no fixed order with the condition's.
      await waitFor(
        'a BGPConfigRefused Event',
        () =>
          lab.server.store
            .list('v1', 'Event', { namespace: NS })
            .some((e) => (e as { reason?: string }).reason === 'BGPConfigRefused'),
        15_000,
      );
      const events = JSON.parse(
        await kubectl('-n', NS, 'get', 'events', '--field-selector', 'reason=BGPConfigRefused', '-o', 'json'),
      ) as {
        items: Array<{ type: string; message: string; involvedObject: { kind: string; name: string } }>;
      };
      expect(events.items.length).toBeGreaterThanOrEqual(1);
      expect(events.items[0]).toMatchObject({
        type: 'Warning',
        involvedObject: { kind: 'Cluster', name: 'bm' },
      });
      for (const n of NODES)
        await waitFor(
          `refusal logged on ${n.name}`,
          () => advertisers.get(n.name)!.logged(/^Cluster change refused; keeping the running configuration/),
          10_000,
        );
      await sleep(2_000);
      expect(await counters(BASE_SESSIONS)).toEqual(before);
      expect(await vipNextHops('tor1')).toEqual(['10.0.1.10', '10.0.1.11']);
      expect(await vipNextHops('tor2')).toEqual(['10.0.2.10']);
      for (const a of advertisers.values()) expect(a.logged(/Route withdrawn/)).toBe(false);
      const readyz = JSON.parse(
        await lab.nodes
          .get('cp3')!
          .exec(process.execPath, [
            '-e',
            "fetch('http://127.0.0.1:8080/readyz').then(r => r.text()).then(t => process.stdout.write(t))",
          ]),
      ) as { ready: boolean; live?: { refused?: { problems: string[] } } };
      expect(readyz.ready).toBe(true);
      expect(readyz.live?.refused?.problems.join()).toContain('control-plane node 10.0.2.10 has no BGP peer');

      // The recovery procedure: `kubectl edit` the Cluster back (the editor is a script here).
      const fix = join(lab.lab.workDir, 'fix-peers.cjs');
      writeFileSync(
        fix,
        `const fs = require('node:fs');
const file = process.argv[2];
const text = fs.readFileSync(file, 'utf8').split('\\n').filter((l) => !l.startsWith('#')).join('\\n');
const cluster = JSON.parse(text);
cluster.spec.loadBalancer.bgpPeers.find((p) => p.ip === '10.0.2.254').controlPlaneNodes = ['10.0.2.10'];
fs.writeFileSync(file, JSON.stringify(cluster, null, 2));
`,
      );
      const editor = join(lab.lab.workDir, 'editor.sh');
      writeFileSync(editor, `#!/bin/sh\nexec ${process.execPath} ${fix} "$1"\n`, { mode: 0o755 });
      await kubectl('-n', NS, 'edit', 'cluster', 'bm', '-o', 'json', { KUBE_EDITOR: editor });
      await waitFor('condition BGPConfigRefused=False', () => refusedCondition()?.status === 'False', 15_000);
      expect(await counters(BASE_SESSIONS)).toEqual(before);
    }, 90_000);

    it('the API server stops: speakers keep announcing; a restarted advertiser starts from the last good config', async () => {
      const before = await counters(BASE_SESSIONS);
      await lab.apiDown();
      await sleep(3_000);
      expect(await counters(BASE_SESSIONS)).toEqual(before);
      expect(await vipNextHops('tor1')).toEqual(['10.0.1.10', '10.0.1.11']);

      const old = advertisers.get('cp1')!;
      old.child.kill('SIGTERM');
      expect(await old.exited).toBe(0);
      const restarted = startAdvertiser('cp1');
      await waitFor(
        'restarted from the last good configuration',
        () => restarted.logged(/^API server unreachable .*; starting from the last good configuration$/),
        30_000,
      );
      await waitFor(
        'cp1 back at tor1 with the VIP',
        async () =>
          (await neighbor('tor1', '10.0.1.10')).bgpState === 'Established' &&
          (await vipNextHops('tor1')).includes('10.0.1.10'),
        30_000,
      );
      // The others never noticed.
      const others = BASE_SESSIONS.filter(([, ip]) => ip !== '10.0.1.10');
      expect(await counters(others)).toEqual(before.filter((c) => c.ip !== '10.0.1.10'));

      // The API server comes back: the restarted speaker follows it again (it reconnects with back-off).
      await lab.apiUp();
      await waitFor(
        'cp1 follows the API server again',
        () => restarted.logged(/^the API server is back: following the Cluster again$/),
        60_000,
      );
    }, 150_000);
  },
);
