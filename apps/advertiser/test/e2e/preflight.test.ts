/**
 * `bgpadvertiser preflight` against FRR with a one-node cluster, the node reached through
 * `--exec 'ip netns exec {name}'` from this (root) namespace: a good peer passes; a peer with the
 * wrong ASN (FRR sends OPEN Message Error/Bad Peer AS), an address with no BGP listener and a
 * peer that stops answering are each reported with their reason; a peer that filters the VIP
 * passes with "echoed: no" (with no other node, nothing can check reachability: topology 02 in
 * e2e/src/preflight.netns.test.ts does); --probe runs on the workstation. Needs root and FRR.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Host, Lab, labSkipReason } from '@bgplb/netns-lab';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, writeConfig } from './harness.js';

const skip = labSkipReason();
if (skip) console.warn(`advertiser e2e (preflight) skipped: ${skip}`);

const PEERS = {
  good: { ip: '10.0.1.251', asn: 65002 },
  badAsn: { ip: '10.0.1.252', asn: 65003 },
  noListener: { ip: '10.0.1.253', asn: 65004 },
  filters: { ip: '10.0.1.254', asn: 65005 },
} as const;
type PeerName = keyof typeof PEERS;

function clusterConfig(peers: PeerName[]): string {
  return `apiVersion: baremetal.cluster.gke.io/v1
kind: Cluster
metadata:
  name: pf
  namespace: cluster-pf
spec:
  controlPlane:
    nodePoolSpec:
      nodes:
      - address: 10.0.1.10
  loadBalancer:
    mode: bundled
    type: bgp
    localASN: 65001
    bgpPeers:
${peers.map((p) => `    - ip: ${PEERS[p].ip}\n      asn: ${PEERS[p].asn}\n`).join('')}    vips:
      controlPlaneVIP: 10.0.0.8
    addressPools:
    - name: pool1
      addresses:
      - 10.0.0.1-10.0.0.4
---
apiVersion: networking.gke.io/v1
kind: NetworkGatewayGroup
metadata:
  name: default
  namespace: cluster-pf
spec:
  floatingIPs:
  - 10.0.1.100
`;
}

/** Runs preflight from this namespace against the node's namespace; exit code, output, duration. */
function preflight(
  node: Host,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        CLI,
        'preflight',
        '--exec',
        'ip netns exec {name}',
        '--node-name',
        `10.0.1.10=${node.ns}`,
        '--no-copy-binary',
        '--remote-command',
        `${process.execPath} ${CLI}`,
        '--log-dir',
        join(node.lab.workDir, `log-${t0}`),
        ...args,
      ],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - t0 });
      },
    );
  });
}

/** bgpd's pid in a lab host (from FRR's pid file in its pathspace). */
async function frrPid(host: Host): Promise<number> {
  return Number(readFileSync(`/var/run/frr/${host.ns}/bgpd.pid`, 'utf8').trim());
}

/** The table line of one peer and the reasons under it. */
function row(out: string, peer: string): { cols: string[]; reasons: string[] } {
  const lines = out.split('\n');
  const i = lines.findIndex((l) => l.includes(` ${peer} AS`));
  if (i < 0) return { cols: [], reasons: [] };
  const reasons: string[] = [];
  for (const l of lines.slice(i + 1)) {
    if (!l.startsWith('    ')) break;
    reasons.push(l.trim());
  }
  return { cols: (lines[i] as string).split(/\s{2,}/), reasons };
}

describe.skipIf(skip)('bgpadvertiser preflight against FRR (needs root and FRR)', () => {
  const lab = Lab.create('advpf');
  let node: Host;

  beforeAll(async () => {
    ensureBuilt();
    const sw = await lab.addSwitch('rack');
    node = await lab.addHost('cp1');
    await lab.attach(node, sw, '10.0.1.10/24');
    for (const name of Object.keys(PEERS) as PeerName[]) {
      const { ip, asn } = PEERS[name];
      const tor = await lab.addHost(name.toLowerCase());
      await lab.attach(tor, sw, `${ip}/24`);
      if (name === 'noListener') continue;
      const lines = [
        `router bgp ${asn}`,
        ` bgp router-id ${ip}`,
        ' no bgp ebgp-requires-policy',
        // The wrong-ASN peer expects AS 65099 from us, and refuses our OPEN (AS 65001).
        ` neighbor 10.0.1.10 remote-as ${name === 'badAsn' ? 65099 : 65001}`,
      ];
      if (name === 'filters') {
        lines.push(
          ' address-family ipv4 unicast',
          '  neighbor 10.0.1.10 route-map REFUSE in',
          ' exit-address-family',
        );
        lines.push('route-map REFUSE deny 10');
      }
      await tor.startFrr(lines.join('\n'));
    }
  }, 120_000);
  afterAll(() => lab.destroy());

  it('passes against a peer that accepts the VIP (no other node: reachable 0/0)', async () => {
    const file = writeConfig(join(lab.workDir, 'good.yaml'), clusterConfig(['good']));
    const r = await preflight(node, ['--cluster-config', file, '--session-timeout', '10s']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(row(r.stdout, PEERS.good.ip).cols.slice(2)).toEqual(['ok', 'ok', '0/0', 'yes', 'ok', 'PASS']);
    expect(r.stdout).toMatch(/preflight: PASS: all 1 node x peer check\(s\) passed/);
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);

  it('reports each failure with its reason; a filtering peer passes with "echoed: no"', async () => {
    const file = writeConfig(
      join(lab.workDir, 'all.yaml'),
      clusterConfig(['good', 'badAsn', 'noListener', 'filters']),
    );
    const r = await preflight(node, ['--cluster-config', file, '--session-timeout', '8s']);
    expect(r.code).toBe(1);
    expect(row(r.stdout, PEERS.good.ip).cols.at(-1)).toBe('PASS');
    expect(row(r.stdout, PEERS.badAsn.ip).reasons).toEqual([
      'session: OPEN rejected by the peer: NOTIFICATION 2/2 OPEN Message Error/Bad Peer AS',
    ]);
    expect(row(r.stdout, PEERS.noListener.ip).reasons).toEqual([
      'session: TCP connection refused by 10.0.1.253:179 (no BGP listener, or it refuses our address)',
    ]);
    expect(row(r.stdout, PEERS.filters.ip).cols.slice(2)).toEqual(['ok', 'ok', '0/0', 'no', 'ok', 'PASS']);
    expect(r.stdout).toMatch(
      /preflight: FAIL: 2 of 4 node x peer check\(s\) failed \(\S+\/10\.0\.1\.252, \S+\/10\.0\.1\.253\)/,
    );
  }, 60_000);

  it('reports a peer that accepts TCP but never sends its OPEN, within --session-timeout', async () => {
    const file = writeConfig(join(lab.workDir, 'stalled.yaml'), clusterConfig(['good']));
    const pid = await frrPid(lab.host('good'));
    process.kill(pid, 'SIGSTOP');
    try {
      // The kernel still completes the TCP handshake on the frozen bgpd's listening socket.
      const r = await preflight(node, ['--cluster-config', file, '--session-timeout', '4s']);
      expect(r.code).toBe(1);
      expect(row(r.stdout, PEERS.good.ip).reasons[0]).toMatch(
        /^session: TCP connected but no OPEN from the peer within [45](\.\d)?s$/,
      );
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 30_000);

  it('runs --probe on the workstation while the VIP is announced: a ping from the ToR reaches it', async () => {
    const file = writeConfig(join(lab.workDir, 'probe.yaml'), clusterConfig(['good']));
    const tor = lab.host('good');
    const probe = `ip netns exec ${tor.ns} ping -c 1 -W 1 -I 10.0.1.251 $VIP`;
    // The ToR (FRR without zebra) does not install routes in its kernel; give it a static route
    // to the VIP via the node so the ping tests the node's answer for the VIP it holds.
    await tor.ip('route', 'add', '10.0.0.8/32', 'via', '10.0.1.10');
    const r = await preflight(node, ['--cluster-config', file, '--probe', probe]);
    expect(r.code, r.stdout).toBe(0);
    expect(row(r.stdout, PEERS.good.ip).cols.slice(2)).toEqual([
      'ok',
      'ok',
      '0/0',
      'yes',
      'ok',
      'ok',
      'PASS',
    ]);
    const lo = await node.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo']);
    expect(lo).not.toContain('10.0.0.8');
  }, 30_000);
});
