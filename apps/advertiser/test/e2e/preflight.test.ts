/**
 * `bgpadvertiser preflight` against FRR: a good peer passes; a peer with the wrong ASN (FRR sends
 * OPEN Message Error/Bad Peer AS), an address with no BGP listener and a peer that filters the
 * VIP are each reported with their reason, and the run stays within --timeout. Needs root and FRR.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Host, Lab, labSkipReason, waitFor } from '@bgplb/netns-lab';
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

/** Runs the built binary in the node's namespace; resolves with exit code, output and duration. */
function preflight(
  node: Host,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', node.ns, process.execPath, CLI, 'preflight', ...args],
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

/** UPDATEs the peer's bgpd has received from the node. */
async function updatesReceived(host: Host): Promise<number> {
  const out = await host.exec('vtysh', ['-N', host.ns, '-c', 'show bgp neighbors 10.0.1.10 json']);
  const n = (JSON.parse(out) as Record<string, { messageStats?: { updatesRecv?: number } }>)['10.0.1.10'];
  return n?.messageStats?.updatesRecv ?? 0;
}

const row = (out: string, peer: string, check: string): string =>
  out
    .split('\n')
    .find((l) =>
      new RegExp(`^10\\.0\\.1\\.10\\s+${peer.replace(/\./g, '\\.')}\\s+\\d+\\s+${check}\\s`).test(l),
    ) ?? '';

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

  it('passes against a peer that accepts the VIP', async () => {
    const file = writeConfig(join(lab.workDir, 'good.yaml'), clusterConfig(['good']));
    const r = await preflight(node, ['--cluster-config', file, '--timeout', '10s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const check of ['session', 'announce', 'accepted', 'withdraw']) {
      expect(row(r.stdout, PEERS.good.ip, check)).toMatch(/\sok\s/);
    }
    expect(row(r.stdout, PEERS.good.ip, 'accepted')).toContain('the peer advertised 10.0.0.8/32 back');
    expect(r.stdout).toMatch(/preflight: PASS: all 1 peer\(s\) of node 10\.0\.1\.10 passed/);
    expect(r.ms).toBeLessThan(10_000);
  }, 30_000);

  it('reports each failure with its reason, and stays within --timeout', async () => {
    const file = writeConfig(
      join(lab.workDir, 'all.yaml'),
      clusterConfig(['good', 'badAsn', 'noListener', 'filters']),
    );
    const r = await preflight(node, ['--cluster-config', file, '--node-ip', '10.0.1.10', '--timeout', '12s']);
    expect(r.code).toBe(1);
    expect(row(r.stdout, PEERS.good.ip, 'accepted')).toMatch(/\sok\s/);
    expect(row(r.stdout, PEERS.badAsn.ip, 'session')).toMatch(
      /FAIL\s+OPEN rejected by the peer: NOTIFICATION 2\/2 OPEN Message Error\/Bad Peer AS/,
    );
    expect(row(r.stdout, PEERS.noListener.ip, 'session')).toMatch(
      /FAIL\s+TCP connection refused by 10\.0\.1\.253:179/,
    );
    expect(row(r.stdout, PEERS.filters.ip, 'session')).toMatch(/\sok\s/);
    expect(row(r.stdout, PEERS.filters.ip, 'accepted')).toMatch(
      /FAIL\s+route not accepted: the peer did not advertise 10\.0\.0\.8\/32 back within/,
    );
    expect(r.stdout).toMatch(
      /preflight: FAIL: 3 of 4 peer\(s\) of node 10\.0\.1\.10 failed \(10\.0\.1\.252, 10\.0\.1\.253, 10\.0\.1\.254\)/,
    );
    expect(r.ms).toBeLessThan(12_000 + 1_000);
  }, 40_000);

  it('reports a peer that stops answering: hold timer expired after the UPDATE', async () => {
    const file = writeConfig(join(lab.workDir, 'hold.yaml'), clusterConfig(['filters']));
    const frr = lab.host('filters');
    const pid = await frrPid(frr);
    // Hold time = timeout/3 = 4 s; the peer (which never echoes: it filters the VIP) is frozen
    // once it has our UPDATE, so the hold timer expires during the 5 s acceptance wait.
    const before = await updatesReceived(frr);
    const running = preflight(node, ['--cluster-config', file, '--timeout', '12s']);
    try {
      await waitFor(
        'the peer to receive our UPDATE',
        async () => (await updatesReceived(frr)) > before,
        8_000,
        50,
      );
      process.kill(pid, 'SIGSTOP');
      const r = await running;
      expect(r.code).toBe(1);
      expect(row(r.stdout, PEERS.filters.ip, 'session'), r.stdout).toMatch(/\sok\s/);
      expect(row(r.stdout, PEERS.filters.ip, 'accepted')).toMatch(
        /FAIL\s+hold timer expired after our UPDATE/,
      );
      expect(r.ms).toBeLessThan(13_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 30_000);

  it('reports a peer that accepts TCP but never sends its OPEN', async () => {
    const file = writeConfig(join(lab.workDir, 'stalled.yaml'), clusterConfig(['good']));
    const pid = await frrPid(lab.host('good'));
    process.kill(pid, 'SIGSTOP');
    try {
      // The kernel still completes the TCP handshake on the frozen bgpd's listening socket.
      const r = await preflight(node, ['--cluster-config', file, '--timeout', '4s']);
      expect(r.code).toBe(1);
      expect(row(r.stdout, PEERS.good.ip, 'session')).toMatch(
        /FAIL\s+TCP connected but no OPEN from the peer within \d/,
      );
      expect(r.ms).toBeLessThan(5_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 30_000);

  it('uses --probe for reachability: a ping from the ToR reaches the VIP held on lo', async () => {
    const file = writeConfig(join(lab.workDir, 'probe.yaml'), clusterConfig(['good']));
    const tor = lab.host('good');
    const probe = `ip netns exec ${tor.ns} ping -c 1 -W 1 -I 10.0.1.251 $VIP`;
    // The ToR (FRR without zebra) does not install routes in its kernel; give it a static route
    // to the VIP via the node so the ping tests the node's answer for the VIP it holds.
    await tor.ip('route', 'add', '10.0.0.8/32', 'via', '10.0.1.10');
    const r = await preflight(node, [
      '--cluster-config',
      file,
      '--timeout',
      '10s',
      '--probe',
      probe,
      '--vip-interface',
      'lo',
    ]);
    expect(r.code).toBe(0);
    expect(row(r.stdout, PEERS.good.ip, 'probe')).toMatch(/ok\s+probe succeeded \(attempt \d+\)/);
    const lo = await node.exec('ip', ['-4', 'addr', 'show', 'dev', 'lo']);
    expect(lo).not.toContain('10.0.0.8');
  }, 30_000);
});
