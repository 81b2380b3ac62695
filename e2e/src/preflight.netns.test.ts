/**
 * `bgpadvertiser preflight` on topology 02, run from a "workstation" namespace that has no network
 * at all: it reaches the nodes only through `--exec 'ip netns exec <ns>'`, as an admin workstation
 * reaches them through ssh. First everything passes; then each fault, one at a time, is reported
 * with its own reason; a router that never sends routes back still passes ("echoed: no"); a run
 * killed with SIGINT cleans up. After every run nothing is left on any node: no VIP on lo, no
 * agent process, no copied binary, no session at the ToRs. Needs root and FRR.
 *
 * Topology 02 has no routing between the racks for a VIP (only static routes for the node
 * subnets); as a fabric would, the test lets tor1 and tor2 exchange routes over iBGP, so that a VIP
 * announced in one rack is reachable from the other.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSkipReason, waitFor } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsFresh } from './netns/dist-fresh.js';
import { E2eLab, REPO } from './netns/e2e-lab.js';

const skip = labSkipReason();
if (skip) console.warn(`e2e preflight skipped: ${skip}`);

const TOPOLOGY = '02-control-plane-nodes-per-peer';
const CLI = join(REPO, 'apps/advertiser/dist/cli.js');
const BINARY = join(REPO, `apps/advertiser/dist/bin/bgpadvertiser-${process.platform}-${process.arch}`);
const NODES = { cp1: '10.0.1.10', cp2: '10.0.1.11', cp3: '10.0.2.10' } as const;
const VIP = '10.0.0.8';

function build(): void {
  const run = (lock: string, cmd: string) =>
    execFileSync('flock', [lock, 'bash', '-c', `. ${REPO}/scripts/env.sh && cd ${REPO} && ${cmd}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
  if (!distIsFresh(REPO) || !existsSync(CLI)) {
    run(
      '/tmp/bgplb-advertiser-e2e-build.lock',
      'pnpm turbo run build --filter @bgplb/advertiser... --output-logs=errors-only',
    );
  }
  // The single-file binary (skips the work when its inputs did not change).
  run('/tmp/bgplb-advertiser-binary-build.lock', 'node apps/advertiser/scripts/build-binary.mjs');
}

/** `show bgp ipv4 unicast summary json` (peers at the top), or `show bgp summary json` (per family). */
type BgpSummary = {
  peers?: Record<string, { state: string }>;
  ipv4Unicast?: { peers?: Record<string, { state: string }> };
};
const peersOf = (s: BgpSummary) => s.peers ?? s.ipv4Unicast?.peers ?? {};

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  logDir: string;
}

describe.skipIf(skip !== undefined)(
  'bgpadvertiser preflight on topology 02 from a workstation (needs root and FRR)',
  () => {
    let lab: E2eLab;
    let work: string;
    let workstation: string;
    /** The latest run (expectNothingLeft checks its copies). */
    let lastRun: Run | undefined;

    beforeAll(async () => {
      build();
      lab = await E2eLab.up({ topology: TOPOLOGY, launch: 'network', name: 'prepf' });
      workstation = (await lab.lab.addHost('workstation')).ns;
      work = mkdtempSync(join(tmpdir(), 'prepf-'));
      for (const [tor, other] of [
        ['tor1', '10.255.0.1'],
        ['tor2', '10.255.0.0'],
      ] as const) {
        await lab
          .router(tor)
          .configure(
            'router bgp 65002',
            `neighbor ${other} remote-as 65002`,
            `neighbor ${other} timers connect 1`,
            `neighbor ${other} timers 10 60`,
            'address-family ipv4 unicast',
            `neighbor ${other} next-hop-self`,
          );
      }
      await ibgpUp();
    }, 600_000);
    afterAll(async () => {
      await lab?.down();
    });

    /** The cluster file: topology 02's, optionally edited. */
    function clusterFile(edit: (text: string) => string = (t) => t): string {
      const file = join(work, `cluster-${Math.random().toString(36).slice(2, 8)}.yaml`);
      writeFileSync(file, edit(readFileSync(join(lab.topo.dir, 'cluster.yaml'), 'utf8')));
      return file;
    }

    /** tor1 and tor2 exchange routes (their iBGP session is Established). */
    const ibgpUp = () =>
      lab.waitFor(
        'the iBGP session between the ToRs',
        async () => {
          const sum = await lab.router('tor1').json<BgpSummary>('show bgp ipv4 unicast summary json');
          return peersOf(sum)['10.255.0.1']?.state === 'Established';
        },
        60_000,
        200,
      );

    /** Runs preflight in the workstation namespace; `onStart` sees the process (for SIGINT). */
    async function preflight(
      file: string,
      extra: string[],
      onStart?: (pid: number, logDir: string) => void,
      { needIbgp = true } = {},
    ): Promise<Run> {
      if (needIbgp) await ibgpUp();
      const logDir = mkdtempSync(join(work, 'log-'));
      const prefix = lab.lab.nsName('');
      const args = [
        'netns',
        'exec',
        workstation,
        process.execPath,
        CLI,
        'preflight',
        '--cluster-config',
        file,
        '--exec',
        `ip netns exec ${prefix}{name}`,
        ...Object.entries(NODES).flatMap(([name, ip]) => ['--node-name', `${ip}=${name}`]),
        '--session-timeout',
        '15s',
        '--reach-timeout',
        '8s',
        '--log-dir',
        logDir,
        ...extra,
      ];
      const t0 = Date.now();
      return new Promise((resolve) => {
        const child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
        child.on('close', (code, signal) => {
          clearTimeout(killer);
          // The table of every run, for whoever reads the test output (docs/advertiser.md shows some).
          console.log(`$ bgpadvertiser preflight ... (exit ${code ?? signal})\n${stdout}`);
          lastRun = { code, signal, stdout, stderr, ms: Date.now() - t0, logDir };
          resolve(lastRun);
        });
        if (onStart && child.pid !== undefined) onStart(child.pid, logDir);
      });
    }

    /** Without copying: the built CLI, run by this Node on the nodes (the namespaces share the file system). */
    const noCopy = ['--no-copy-binary', '--remote-command', `${process.execPath} ${CLI}`];

    const row = (r: Run, node: keyof typeof NODES) => {
      const lines = r.stdout.split('\n');
      const i = lines.findIndex((l) => l.startsWith(`${node} (${NODES[node]})`));
      if (i < 0) return { line: '', reasons: [] as string[] };
      const reasons: string[] = [];
      for (const l of lines.slice(i + 1)) {
        if (!l.startsWith('    ')) break;
        reasons.push(l.trim());
      }
      return { line: lines[i] as string, reasons };
    };
    const cols = (r: Run, node: keyof typeof NODES) => row(r, node).line.split(/\s{2,}/);

    /** Nothing of preflight on any node: VIP, agent processes, copied binaries, sessions at the ToRs. */
    async function expectNothingLeft(tors = ['tor1', 'tor2'], r: Run | undefined = lastRun): Promise<void> {
      for (const name of Object.keys(NODES)) {
        const host = lab.host(name);
        expect(await host.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo']), `${name} lo`).not.toContain(VIP);
        const pids = (await host.exec('ip', ['netns', 'pids', host.ns]).catch(() => ''))
          .trim()
          .split('\n')
          .filter(Boolean);
        for (const pid of pids) {
          const cmd = (() => {
            try {
              return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            } catch {
              return '';
            }
          })();
          expect(cmd, `process left on ${name}`).not.toContain('preflight-agent');
        }
      }
      // This run's copies (named in its log): other worktrees may run preflight at the same time.
      const plan = readFileSync(join(r?.logDir ?? '', 'preflight.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"plan"'))
        .map((l) => JSON.parse(l) as { copy: { to: string[] } | null })[0];
      expect((plan?.copy?.to ?? []).filter((f) => existsSync(f))).toEqual([]);
      for (const tor of tors) {
        await lab.waitFor(
          `${tor}: no session with a node and no route to the VIP`,
          async () => {
            const sum = await lab.router(tor).json<BgpSummary>('show bgp ipv4 unicast summary json');
            const up = Object.entries(peersOf(sum)).filter(
              ([ip, p]) => !ip.startsWith('10.255.') && p.state === 'Established',
            );
            const route = await lab.router(tor).vtysh(`show ip route ${VIP}/32`);
            return up.length === 0 && !route.includes(`Routing entry for ${VIP}/32`);
          },
          15_000,
          200,
        );
      }
    }

    it('passes everywhere, with the single-file binary copied to every node and removed', async () => {
      const r = await preflight(clusterFile(), ['--agent-binary', BINARY]);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      for (const node of ['cp1', 'cp2', 'cp3'] as const) {
        expect(cols(r, node).slice(2), r.stdout).toEqual(['ok', 'ok', '2/2', 'yes', 'ok', 'PASS']);
      }
      expect(r.stdout).toMatch(/preflight: PASS: all 3 node x peer check\(s\) passed/);
      const log = readFileSync(join(r.logDir, 'preflight.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string });
      expect(log.filter((e) => e.type === 'copy')).toHaveLength(3);
      expect(log.filter((e) => e.type === 'row')).toHaveLength(3);
      await expectNothingLeft();
    }, 300_000);

    it('a router that sends nothing back to our AS: PASS with "echoed: no"', async () => {
      const tor1 = lab.router('tor1');
      await tor1.configure(
        'route-map DENY-ALL deny 10',
        'router bgp 65002',
        'address-family ipv4 unicast',
        'neighbor CP route-map DENY-ALL out',
      );
      try {
        const r = await preflight(clusterFile(), noCopy);
        expect(r.code, r.stdout).toBe(0);
        expect(cols(r, 'cp1').slice(2), r.stdout).toEqual(['ok', 'ok', '2/2', 'no', 'ok', 'PASS']);
        expect(cols(r, 'cp2').slice(2)).toEqual(['ok', 'ok', '2/2', 'no', 'ok', 'PASS']);
        expect(cols(r, 'cp3').slice(2)).toEqual(['ok', 'ok', '2/2', 'yes', 'ok', 'PASS']);
      } finally {
        await tor1.configure(
          'router bgp 65002',
          'address-family ipv4 unicast',
          'no neighbor CP route-map DENY-ALL out',
        );
      }
      await expectNothingLeft();
    }, 120_000);

    it('wrong peer ASN: OPEN rejected with NOTIFICATION 2/2, whichever side notices', async () => {
      // The Cluster names the wrong ASN for tor1: we refuse tor1's OPEN.
      const wrongPeer = clusterFile((t) =>
        t.replace(/- ip: 10\.0\.1\.254\n(\s+)asn: 65002/, '- ip: 10.0.1.254\n$1asn: 65003'),
      );
      const r = await preflight(wrongPeer, noCopy);
      expect(r.code).toBe(1);
      for (const node of ['cp1', 'cp2'] as const) {
        expect(cols(r, node).slice(1, 3), r.stdout).toEqual(['10.0.1.254 AS65003', 'FAIL']);
        expect(row(r, node).reasons).toEqual([
          "session: the peer's OPEN was refused by us: NOTIFICATION 2/2 OPEN Message Error/Bad Peer AS (bad peer AS 65002 (my AS field 65002), expected 65003)",
        ]);
      }
      expect(cols(r, 'cp3').at(-1)).toBe('PASS');
      // The ToRs expect another ASN from us: they refuse our OPEN.
      const wrongLocal = clusterFile((t) => t.replace('localASN: 65001', 'localASN: 65009'));
      const l = await preflight(wrongLocal, noCopy);
      expect(l.code).toBe(1);
      for (const node of ['cp1', 'cp2', 'cp3'] as const) {
        expect(row(l, node).reasons, l.stdout).toEqual([
          'session: OPEN rejected by the peer: NOTIFICATION 2/2 OPEN Message Error/Bad Peer AS',
        ]);
      }
      await expectNothingLeft();
    }, 120_000);

    it('the router filtering the VIP: reachable 0/2', async () => {
      const tor1 = lab.router('tor1');
      await tor1.configure(
        `ip prefix-list CP-VIP seq 5 permit ${VIP}/32`,
        'route-map NO-VIP deny 10',
        'match ip address prefix-list CP-VIP',
        'route-map NO-VIP permit 20',
        'router bgp 65002',
        'address-family ipv4 unicast',
        'neighbor CP route-map NO-VIP in',
      );
      try {
        const r = await preflight(clusterFile(), noCopy);
        expect(r.code).toBe(1);
        for (const node of ['cp1', 'cp2'] as const) {
          expect(cols(r, node).slice(2), r.stdout).toEqual(['ok', 'ok', '0/2', 'no', 'ok', 'FAIL']);
          expect(row(r, node).reasons).toHaveLength(1);
          expect(row(r, node).reasons[0]).toMatch(
            new RegExp(
              `^reachable: ${VIP.replaceAll('.', '\\.')}:443 not reachable from 2 of 2 node\\(s\\): `,
            ),
          );
        }
        expect(cols(r, 'cp3').at(-1)).toBe('PASS');
      } finally {
        await tor1.configure(
          'router bgp 65002',
          'address-family ipv4 unicast',
          'no neighbor CP route-map NO-VIP in',
        );
      }
      await expectNothingLeft();
    }, 120_000);

    it('one node without a route to the ToR: reachable 1/2, naming it', async () => {
      const cp3 = lab.host('cp3');
      await cp3.ip('route', 'del', '10.0.0.0/8', 'via', '10.0.2.254');
      try {
        const r = await preflight(clusterFile(), noCopy);
        expect(r.code).toBe(1);
        for (const node of ['cp1', 'cp2'] as const) {
          expect(cols(r, node).slice(2), r.stdout).toEqual(['ok', 'ok', '1/2', 'yes', 'ok', 'FAIL']);
          expect(row(r, node).reasons[0]).toMatch(
            /^reachable: 10\.0\.0\.8:443 not reachable from 1 of 2 node\(s\): cp3 \(10\.0\.2\.10\): no route \(ENETUNREACH\) \(\d+ attempts?\)$/,
          );
        }
      } finally {
        await cp3.ip('route', 'add', '10.0.0.0/8', 'via', '10.0.2.254');
      }
      await expectNothingLeft();
    }, 120_000);

    it('SIGINT during a step: exit 130, nothing left on any node', async () => {
      let pid = 0;
      let logDir = '';
      const running = preflight(clusterFile(), ['--agent-binary', BINARY], (p, d) => {
        pid = p;
        logDir = d;
      });
      // Interrupt once cp1 announces the VIP (its agent has bound it and runs the responder).
      await waitFor(
        'cp1 to hold the VIP',
        async () => (await lab.host('cp1').exec('ip', ['-4', 'addr', 'show', 'dev', 'lo'])).includes(VIP),
        120_000,
        50,
      );
      process.kill(pid, 'SIGINT');
      const r = await running;
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(130);
      expect(r.stderr).toContain('preflight: SIGINT: stopping, cleaning up the nodes');
      expect(row(r, 'cp1').reasons).toContain('interrupted (SIGINT)');
      expect(row(r, 'cp3').reasons).toEqual(['not run: interrupted (SIGINT)']);
      expect(existsSync(join(logDir, 'preflight.jsonl'))).toBe(true);
      await expectNothingLeft();
    }, 300_000);

    it('peer down: TCP connection refused (and the VIP no longer routed through that router)', async () => {
      const pid = lab.router('tor2').bgpdPid;
      expect(pid).toBeDefined();
      process.kill(pid as number, 'SIGKILL');
      const r = await preflight(clusterFile(), noCopy, undefined, { needIbgp: false });
      expect(r.code).toBe(1);
      expect(cols(r, 'cp3').slice(2, 3), r.stdout).toEqual(['FAIL']);
      expect(row(r, 'cp3').reasons).toEqual([
        'session: TCP connection refused by 10.0.2.254:179 (no BGP listener, or it refuses our address)',
      ]);
      // tor2 routes nothing now: rack 2 cannot reach the VIP announced in rack 1.
      for (const node of ['cp1', 'cp2'] as const) {
        expect(cols(r, node).slice(2), r.stdout).toEqual(['ok', 'ok', '1/2', 'yes', 'ok', 'FAIL']);
        expect(row(r, node).reasons[0]).toMatch(
          /not reachable from 1 of 2 node\(s\): cp3 \(10\.0\.2\.10\): /,
        );
      }
      await expectNothingLeft(['tor1']);
    }, 120_000);
  },
);
