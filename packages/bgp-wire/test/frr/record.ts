/**
 * Records real FRR messages for the interop fixtures, and checks that FRR accepts what
 * bgp-wire encodes. Run as root:
 *
 *   pnpm --filter @bgplb/bgp-wire exec tsx test/frr/record.ts test/fixtures/frr
 *
 * It creates a namespace (192.0.2.1 and 192.0.2.2 on its loopback), starts bgpd (config below) and runs peer.ts inside the namespace.
 * bgpd announces 10.10.1.0/24 (communities, large community) with ADD-PATH path ids and
 * 2001:db8:10::/48; the peer announces its own routes; then bgpd is told to shut the neighbor
 * down with a shutdown communication, which ends the session with a NOTIFICATION.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FrrLab, labUnavailable, waitFor } from './lab.js';

export const BGPD_CONFIG = `hostname wire-r1
frr defaults traditional
!
route-map SET-COMMUNITIES permit 10
 set community 65001:100 65001:200
 set large-community 65001:1:2
!
router bgp 65001
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp long-lived-graceful-restart stale-time 3600
 neighbor 192.0.2.2 remote-as 65002
 neighbor 192.0.2.2 passive
 neighbor 192.0.2.2 disable-connected-check
 neighbor 192.0.2.2 capability extended-nexthop
 neighbor 192.0.2.2 local-role provider
 neighbor 192.0.2.2 advertisement-interval 0
 !
 address-family ipv4 unicast
  network 10.10.1.0/24 route-map SET-COMMUNITIES
  neighbor 192.0.2.2 addpath-tx-all-paths
 exit-address-family
 !
 address-family ipv6 unicast
  network 2001:db8:10::/48
  neighbor 192.0.2.2 activate
 exit-address-family
!
`;

export interface PeerEvent {
  event: string;
  file?: string;
  type?: string;
  text?: string;
  message?: string;
}

export interface Recording {
  events: PeerEvent[];
  /** `show bgp ipv4 unicast 10.20.0.0/24 json` after the peer announced it. */
  ipv4Route: unknown;
  /** `show bgp ipv6 unicast 2001:db8:20::/48 json`. */
  ipv6Route: unknown;
  /** `show bgp neighbors 192.0.2.2 json`. */
  neighbor: unknown;
}

/**
 * Runs the lab, writing every message bgpd sent into `outDir`. Waits for `minUpdates` UPDATEs from
 * bgpd before shutting the session down: 2 are bgpd's own routes, 2 more reflect the peer's routes
 * back (which a later MRAI may delay, so the live test does not wait for them). With `withdraw`,
 * bgpd then withdraws its own two routes (`no network`) before the shutdown.
 */
export async function recordFromFrr(outDir: string, minUpdates = 4, withdraw = false): Promise<Recording> {
  const reason = labUnavailable();
  if (reason !== undefined) throw new Error(`cannot record: ${reason}`);
  const work = mkdtempSync(join(tmpdir(), 'bgpwire-frr-'));
  const lab = new FrrLab(work);
  const eventsSoFar: PeerEvent[] = [];
  const cleanup = () => lab.stop();
  process.once('exit', cleanup);
  try {
    await lab.start(BGPD_CONFIG);
    const events: PeerEvent[] = eventsSoFar;
    const tsx = resolve(import.meta.dirname, '../../../../node_modules/tsx/dist/esm/index.mjs');
    const peer = spawn(
      'ip',
      [
        'netns',
        'exec',
        lab.ns,
        process.execPath,
        '--import',
        tsx,
        join(import.meta.dirname, 'peer.ts'),
        outDir,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buffered = '';
    peer.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          events.push(JSON.parse(line) as PeerEvent);
        } catch {
          events.push({ event: 'log', text: line });
        }
        nl = buffered.indexOf('\n');
      }
    });
    const exited = new Promise<number | null>((r) => peer.on('exit', (code) => r(code)));
    // Established, and bgpd has both of the peer's routes.
    const ipv4Route = await waitFor(
      'bgpd to receive 10.20.0.0/24',
      () => {
        const j = JSON.parse(lab.vtysh('show bgp ipv4 unicast 10.20.0.0/24 json')) as { paths?: unknown[] };
        return j.paths && j.paths.length > 0 ? j : undefined;
      },
      30_000,
    );
    const ipv6Route = await waitFor('bgpd to receive 2001:db8:20::/48', () => {
      const j = JSON.parse(lab.vtysh('show bgp ipv6 unicast 2001:db8:20::/48 json')) as { paths?: unknown[] };
      return j.paths && j.paths.length > 0 ? j : undefined;
    });
    // bgpd has sent its own routes and End-of-RIBs.
    await waitFor(
      'bgpd updates',
      () => events.filter((e) => e.type === 'update').length >= minUpdates,
      30_000,
    );
    const neighbor = JSON.parse(lab.vtysh('show bgp neighbors 192.0.2.2 json'));
    if (withdraw) {
      lab.vtysh(
        'configure terminal',
        'router bgp 65001',
        'address-family ipv4 unicast',
        'no network 10.10.1.0/24 route-map SET-COMMUNITIES',
        'exit-address-family',
        'address-family ipv6 unicast',
        'no network 2001:db8:10::/48',
        'end',
      );
      await waitFor('bgpd withdrawals', () => {
        const texts = events.map((e) => e.text ?? '');
        return (
          texts.some((t) => t.includes('withdrawn=[10.10.1.0/24')) &&
          texts.some((t) => t.includes('MpUnreach(ipv6-unicast): [2001:db8:10::/48'))
        );
      });
    }
    lab.vtysh(
      'configure terminal',
      'router bgp 65001',
      'neighbor 192.0.2.2 shutdown message maintenance: bgp-wire fixture',
      'end',
    );
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000)),
    ]);
    if (code !== 0) throw new Error(`peer ended with ${code}: ${JSON.stringify(events)}`);
    return { events, ipv4Route, ipv6Route, neighbor };
  } catch (e) {
    let log = '';
    try {
      log = readFileSync(join(work, 'bgpd.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      // no log
    }
    throw new Error(
      `${e instanceof Error ? e.message : String(e)}\npeer: ${JSON.stringify(eventsSoFar)}\nbgpd.log:\n${log}`,
    );
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
    rmSync(work, { recursive: true, force: true });
  }
}

/** CLI: record into a temporary directory, then copy the interesting messages to the fixtures. */
async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? 'test/fixtures/frr');
  const tmp = mkdtempSync(join(tmpdir(), 'bgpwire-rec-'));
  const rec = await recordFromFrr(tmp, 4, true);
  for (const e of rec.events) console.log(JSON.stringify(e));
  const files = readdirSync(tmp).sort();
  const pick = (suffix: string, n = 0) => files.filter((f) => f.endsWith(`-${suffix}.bin`))[n];
  const copies: [string | undefined, string][] = [
    [pick('open'), 'frr-open.bin'],
    [pick('notification'), 'frr-notification.bin'],
  ];
  // Name the UPDATEs by what they carry, as printed by the peer.
  for (const e of rec.events) {
    if (e.type !== 'update' || !e.file || !e.text) continue;
    const name = e.text.includes('withdrawn=[10.10.1.0/24')
      ? 'frr-withdraw-ipv4-addpath.bin'
      : e.text.includes('MpUnreach(ipv6-unicast): [2001:db8:10::/48')
        ? 'frr-withdraw-ipv6.bin'
        : e.text.includes('10.10.1.0/24')
          ? 'frr-update-ipv4-addpath.bin'
          : e.text.includes('10.20.0.0/24')
            ? 'frr-update-ipv4-reflected.bin'
            : e.text.includes('2001:db8:10::/48')
              ? 'frr-update-ipv6.bin'
              : e.text === 'UPDATE'
                ? 'frr-eor-ipv4.bin'
                : e.text.includes('MpUnreach(ipv6-unicast): []')
                  ? 'frr-eor-ipv6.bin'
                  : undefined;
    if (name) copies.push([e.file.slice(e.file.lastIndexOf('/') + 1), name]);
  }
  for (const [from, to] of copies) {
    if (from === undefined) throw new Error(`no message for ${to}`);
    copyFileSync(join(tmp, from), join(target, to));
    console.log(`${from} -> ${join(target, to)}`);
  }
  rmSync(tmp, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
