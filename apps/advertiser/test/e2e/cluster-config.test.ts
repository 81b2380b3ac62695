/**
 * The control-plane speakers from ONE Cluster file, as an operator runs them (needs root and FRR;
 * skipped elsewhere). The topology of examples/02: three control-plane nodes, cp1 and cp2 peer
 * with tor1, cp3 with tor2 (`controlPlaneNodes`). Both routers are configured for all three nodes,
 * so a node that opened a session the Cluster does not give it would show up at FRR.
 *
 * Each node runs what `bgpadvertiser static-pod --cluster-config FILE --node ADDRESS` prints for it
 * (the container args of its manifest), against a local HTTPS /readyz on the Cluster's
 * controlPlaneLBPort (443) standing in for the API server, verified with its CA as the manifest
 * does. Then SIGHUP applies an edited Cluster file, and a speaker started by hand without
 * --node-ip finds its node among the host's addresses.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FrrRouter, type Host, Lab, labSkipReason, run, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type AdvertiserProcess, CLI, ensureBuilt, frrNextHops, startAdvertiser } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (--cluster-config) skipped: ${skip}`);

const EXAMPLE = new URL('../../../../examples/02-control-plane-nodes-per-peer.yaml', import.meta.url);
const VIP = '10.0.0.8/32';
const NODES = { cp1: '10.0.1.10', cp2: '10.0.1.11', cp3: '10.0.2.10' } as const;
type NodeName = keyof typeof NODES;
const TORS = { tor1: '10.0.1.254', tor2: '10.0.2.254' } as const;
type TorName = keyof typeof TORS;

interface Neighbor {
  bgpState?: string;
  connectionsEstablished?: number;
  connectionsDropped?: number;
}

/** A stand-in for the API server's /readyz: HTTPS on 127.0.0.1:443 of the node's namespace. */
const READYZ_SERVER = `
const { readFileSync } = require('node:fs');
const https = require('node:https');
const [key, cert] = process.argv.slice(1);
https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
  res.writeHead(req.url === '/readyz' ? 200 : 404);
  res.end('ok');
}).listen(443, '127.0.0.1', () => console.log('listening'));
`;

describe.skipIf(skip)(
  'control-plane speakers from one Cluster file (examples/02; netns, FRR; needs root)',
  () => {
    const lab = Lab.create('cpclus');
    const hosts = new Map<NodeName, Host>();
    const frrs = new Map<TorName, FrrRouter>();
    const speakers = new Map<NodeName, AdvertiserProcess>();
    let clusterFile = '';
    let caFile = '';

    const neighbor = async (tor: TorName, ip: string): Promise<Neighbor> =>
      (await frrs.get(tor)!.json<Record<string, Neighbor>>(`show bgp neighbors ${ip} json`))[ip] ?? {};
    /** Every (router, node) pair FRR has Established, sorted. */
    const established = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const tor of Object.keys(TORS) as TorName[])
        for (const ip of Object.values(NODES))
          if ((await neighbor(tor, ip)).bgpState === 'Established') out.push(`${tor}-${ip}`);
      return out.sort();
    };
    const counters = async () => {
      const out: Record<string, [number | undefined, number | undefined]> = {};
      for (const tor of Object.keys(TORS) as TorName[])
        for (const ip of Object.values(NODES)) {
          const n = await neighbor(tor, ip);
          out[`${tor}-${ip}`] = [n.connectionsEstablished, n.connectionsDropped];
        }
      return out;
    };
    const diagnose = async () =>
      [...speakers].map(([n, s]) => `--- ${n}\n${s.tail(12)}\n${s.stderr.slice(-300)}`).join('\n');

    /** What `bgpadvertiser static-pod` prints for `node`: the manifest's container args. */
    const manifestArgs = async (node: NodeName): Promise<string[]> => {
      const { stdout } = await promisify(execFile)(process.execPath, [
        CLI,
        'static-pod',
        '--cluster-config',
        clusterFile,
        '--node',
        NODES[node],
      ]);
      const pod = parse(stdout) as { spec: { containers: Array<{ args: string[] }> } };
      return pod.spec.containers[0]?.args ?? [];
    };

    beforeAll(async () => {
      ensureBuilt();
      const sw = await lab.addSwitch('fabric');
      clusterFile = join(lab.workDir, 'cluster.yaml');
      // The manifests drain on SIGTERM (--on-exit drain): a 1 s drainDelay from the Cluster keeps
      // the stop below short and shows the Cluster's setting reaching the process.
      writeFileSync(
        clusterFile,
        readFileSync(EXAMPLE, 'utf8').replace('    vips:', '    drainDelay: 1\n    vips:'),
      );
      const key = join(lab.workDir, 'readyz.key');
      caFile = join(lab.workDir, 'readyz.crt');
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        caFile,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]);
      for (const [name, ip] of Object.entries(NODES) as Array<[NodeName, string]>) {
        const host = await lab.addHost(name);
        await lab.attach(host, sw, `${ip}/16`);
        hosts.set(name, host);
        const readyz = host.spawn(process.execPath, ['-e', READYZ_SERVER, key, caFile]);
        await new Promise<void>((resolve, reject) => {
          readyz.stdout?.once('data', () => resolve());
          readyz.once('exit', (code) => reject(new Error(`readyz server on ${name} exited ${code}`)));
        });
      }
      for (const [name, ip] of Object.entries(TORS) as Array<[TorName, string]>) {
        const tor = await lab.addHost(name);
        await lab.attach(tor, sw, `${ip}/16`);
        frrs.set(
          name,
          await tor.startFrr(
            [
              'router bgp 65002',
              ` bgp router-id ${ip}`,
              ' no bgp ebgp-requires-policy',
              ...Object.values(NODES).flatMap((n) => [
                ` neighbor ${n} remote-as 65001`,
                ` neighbor ${n} timers connect 1`,
              ]),
            ].join('\n'),
          ),
        );
      }
    }, 180_000);

    afterAll(async () => {
      for (const s of speakers.values()) if (s.child.exitCode === null) s.signal('SIGKILL');
      await lab.destroy();
    });

    it("each node runs its static-pod manifest: exactly the Cluster's sessions, the VIP from each", async () => {
      for (const node of Object.keys(NODES) as NodeName[]) {
        const args = await manifestArgs(node);
        expect(args).toContain(`--cluster-config=${clusterFile}`);
        expect(args).toContain(`--node-ip=${NODES[node]}`);
        // The kubeadm CA is not on this machine: our stand-in's certificate is its own CA.
        const local = args.map((a) => (a.startsWith('--check-ca=') ? `--check-ca=${caFile}` : a));
        speakers.set(node, startAdvertiser(hosts.get(node)!, local));
      }
      await waitFor(
        'the three sessions of the Cluster Established',
        async () => (await established()).length === 3,
        60_000,
        200,
        diagnose,
      );
      expect(await established()).toEqual(['tor1-10.0.1.10', 'tor1-10.0.1.11', 'tor2-10.0.2.10']);
      // Gated on https://127.0.0.1:443/readyz (the Cluster's controlPlaneLBPort), verified with the CA.
      for (const s of speakers.values()) await s.waitLog('Route added', { prefix: VIP }, 30_000);
      await waitFor(
        'the VIP at tor1 from cp1 and cp2, at tor2 from cp3',
        async () =>
          (await frrNextHops(frrs.get('tor1')!, VIP)).join() === '10.0.1.10,10.0.1.11' &&
          (await frrNextHops(frrs.get('tor2')!, VIP)).join() === '10.0.2.10',
        20_000,
      );
      const cp3 = speakers.get('cp3')!;
      expect(cp3.find('BGP advertiser started')).toMatchObject({
        cluster: 'Cluster/bm',
        node: '10.0.2.10',
        localIP: '10.0.2.10',
        localASN: 65001,
        advertiseIP: '10.0.0.8',
        peers: 1,
      });
      expect(cp3.find('health check failed')).toBeUndefined();
      // Nothing else was tried: the other router never saw a connection from these nodes.
      expect((await neighbor('tor2', NODES.cp1)).connectionsEstablished ?? 0).toBe(0);
      expect((await neighbor('tor1', NODES.cp3)).connectionsEstablished ?? 0).toBe(0);
    }, 120_000);

    it('logs the per-peer state line operators grep for (every 30 s and on change)', async () => {
      const cp1 = speakers.get('cp1')!;
      const onChange = await cp1.waitLog(/^peer 10\.0\.1\.254 state BGP_FSM_ESTABLISHED /);
      expect(onChange.msg).toMatch(
        /^peer 10\.0\.1\.254 state BGP_FSM_ESTABLISHED uptime \d+s prefixes sent [01]$/,
      );
      // The periodic line, with the VIP counted.
      const periodic = await cp1.waitLog(
        /^peer 10\.0\.1\.254 state BGP_FSM_ESTABLISHED uptime \d+s prefixes sent 1$/,
        { prefixesSent: 1 },
        40_000,
      );
      expect(periodic).toMatchObject({ level: 'info', peer: '10.0.1.254', state: 'BGP_FSM_ESTABLISHED' });
    }, 60_000);

    it('SIGHUP applies an edited Cluster file: the new session comes up, the others do not flap', async () => {
      const before = await counters();
      // cp2 now also peers with tor2.
      const text = readFileSync(clusterFile, 'utf8');
      const edited = text.replace(
        '      controlPlaneNodes:\n      - 10.0.2.10',
        '      controlPlaneNodes:\n      - 10.0.2.10\n      - 10.0.1.11',
      );
      expect(edited).not.toBe(text);
      writeFileSync(clusterFile, edited);
      for (const s of speakers.values()) s.signal('SIGHUP');
      const cp2 = speakers.get('cp2')!;
      expect(await cp2.waitLog('Configuration reloaded')).toMatchObject({
        added: ['10.0.2.254'],
        removed: [],
        changed: [],
        unchanged: ['10.0.1.254'],
      });
      for (const node of ['cp1', 'cp3'] as const)
        expect(await speakers.get(node)!.waitLog('Configuration reloaded')).toMatchObject({
          added: [],
          removed: [],
          changed: [],
        });
      await waitFor('cp2 Established with tor2', async () => (await established()).length === 4, 15_000);
      expect(await established()).toEqual([
        'tor1-10.0.1.10',
        'tor1-10.0.1.11',
        'tor2-10.0.1.11',
        'tor2-10.0.2.10',
      ]);
      await waitFor(
        'the VIP at tor2 from cp2 and cp3',
        async () => (await frrNextHops(frrs.get('tor2')!, VIP)).join() === '10.0.1.11,10.0.2.10',
        15_000,
      );
      const after = await counters();
      for (const pair of ['tor1-10.0.1.10', 'tor1-10.0.1.11', 'tor2-10.0.2.10']) {
        expect(typeof before[pair]?.[0]).toBe('number');
        expect(after[pair]).toEqual(before[pair]);
      }
    }, 60_000);

    it('without --node-ip, a speaker finds its node among the host addresses', async () => {
      const cp3 = speakers.get('cp3')!;
      expect(await cp3.waitLog('on SIGTERM: drain')).toMatchObject({ delayMs: 1000, medIncrease: 0 });
      cp3.signal('SIGTERM');
      expect((await cp3.exited).code).toBe(0);
      expect(await cp3.waitLog(/^draining: VIP re-announced with GRACEFUL_SHUTDOWN/)).toMatchObject({
        delayMs: 1000,
      });
      await waitFor(
        'tor2 has only cp2',
        async () => (await frrNextHops(frrs.get('tor2')!, VIP)).join() === '10.0.1.11',
        15_000,
      );
      // The manual command line on a node (no health gate before the cluster exists).
      const byHand = startAdvertiser(hosts.get('cp3')!, ['--cluster-config', clusterFile, '--no-check']);
      speakers.set('cp3', byHand);
      expect(await byHand.waitLog('BGP advertiser started')).toMatchObject({ node: '10.0.2.10', peers: 1 });
      await waitFor(
        'the VIP at tor2 from cp2 and cp3 again',
        async () => (await frrNextHops(frrs.get('tor2')!, VIP)).join() === '10.0.1.11,10.0.2.10',
        20_000,
      );
      // In the root namespace none of the node addresses is local: refused, candidates named.
      const refused = await promisify(execFile)(process.execPath, [
        CLI,
        '--cluster-config',
        clusterFile,
      ]).catch((err: { code: number; stderr: string }) => err);
      expect('code' in refused && refused.code).toBe(2);
      expect(String(refused.stderr)).toContain(
        'none of the control-plane node addresses of Cluster/bm (10.0.1.10, 10.0.1.11, 10.0.2.10) is an address of this host',
      );
    }, 60_000);
  },
);
