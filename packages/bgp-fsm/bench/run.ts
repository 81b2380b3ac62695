/**
 * bgp-fsm benchmarks against FRR 8.4 in network namespaces (needs root and FRR).
 *
 * - ingest: a sender pushes 1M IPv4 /24 (2000 UPDATEs of 500) to our speaker, then to FRR bgpd;
 *   time from the first UPDATE written to all prefixes counted, and the receiver's peak RSS.
 * - announce: 10k /32 x 8 next hops (80k ADD-PATH paths) from our speaker to FRR, against the
 *   same paths pre-built and written at once; time until FRR reports every path.
 *
 * usage: pnpm bench [-- --runs 3] [-- ingest|announce]
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type FrrRouter, type Host, Lab, labSkipReason } from '@bgplb/netns-lab';

const skip = labSkipReason();
if (skip) {
  console.log(`bgp-fsm benchmarks skipped: ${skip}`);
  process.exit(0);
}

const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 3;
const only = args.find((a) => a === 'ingest' || a === 'announce');
const here = (f: string) => new URL(f, import.meta.url).pathname;
/** Runs a bench child with plain Node on the built packages (dist), as in production. */
const node = (host: Host, script: string, argv: string[]) =>
  host.spawn(process.execPath, [here(script), ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
const now = () => performance.timeOrigin + performance.now();

interface Lines {
  next(pred: (o: Record<string, number>) => boolean, timeoutMs?: number): Promise<Record<string, number>>;
  /** What the child wrote to stderr so far (for failure messages). */
  stderr(): string;
}

function lines(child: ChildProcess): Lines {
  const seen: Record<string, number>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      seen.push(JSON.parse(l));
    } catch {
      return;
    }
    for (const w of [...waiters]) w();
  });
  return {
    stderr: () => stderr,
    next(pred, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = seen.findIndex(pred);
          if (i < 0) return false;
          const [hit] = seen.splice(i, 1);
          waiters.delete(check);
          clearTimeout(t);
          resolve(hit!);
          return true;
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timeout; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
  };
}

async function frrPfxRcd(frr: FrrRouter, peer: string): Promise<number> {
  const s = await frr.json<{ peers?: Record<string, { pfxRcd?: number }> }>(
    'show bgp ipv4 unicast summary json',
  );
  return s.peers?.[peer]?.pfxRcd ?? 0;
}

/** Polls FRR until `count` prefixes from `peer`; returns the time it first saw them. */
async function frrReaches(frr: FrrRouter, peer: string, count: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await frrPfxRcd(frr, peer);
    if (got >= count) return now();
    if (Date.now() > deadline) {
      const state = await frr.vtysh(`show bgp neighbors ${peer}`).catch((e: Error) => e.message);
      throw new Error(
        `FRR did not reach ${count} prefixes from ${peer} (has ${got}):\n${state.slice(0, 3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function bgpdHwmKb(lab: Lab, host: string): number {
  const pid = readFileSync(`/var/run/frr/${lab.nsName(host)}/bgpd.pid`, 'utf8').trim();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function pairLab(name: string): Promise<{ lab: Lab; a: Host; b: Host }> {
  const lab = Lab.create(name);
  const a = await lab.addHost('a');
  const b = await lab.addHost('b');
  await lab.link(a, '10.0.9.2/24', b, '10.0.9.1/24');
  for (let i = 0; i < 8; i++) await a.ip('addr', 'add', `10.0.9.${101 + i}/24`, 'dev', 'eth0');
  return { lab, a, b };
}

const FRR_BASE = (neighbor: string, remoteAs: number, extra = '') => `
router bgp 65001
 bgp router-id 10.0.9.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor ${neighbor} remote-as ${remoteAs}
${extra}`;

interface Result {
  seconds: number;
  rssMb: number;
}

async function ingestOurs(store = false): Promise<Result> {
  const { lab, a, b } = await pairLab('fbi');
  try {
    const recvArgs = ['10.0.9.1', '10.0.9.2', '65001', '65010', '1000000', ...(store ? ['adjRibIn'] : [])];
    const recv = node(b, './ingest-receiver.mjs', recvArgs);
    const rl = lines(recv);
    await rl.next((o) => 'listening' in o);
    const sender = node(a, './raw-sender.mjs', ['ingest', '10.0.9.2', '10.0.9.1', '65010', '65001']);
    const sl = lines(sender);
    const sent = await sl.next((o) => 'sent' in o);
    const done = await rl.next((o) => 'done' in o);
    return { seconds: (done.done! - sent.sent!) / 1000, rssMb: done.maxRssKb! / 1024 };
  } finally {
    await lab.destroy();
  }
}

async function ingestFrr(): Promise<Result> {
  const { lab, a, b } = await pairLab('fbf');
  try {
    const frr = await b.startFrr(FRR_BASE('10.0.9.2', 65010, ' neighbor 10.0.9.2 passive'));
    const sender = node(a, './raw-sender.mjs', ['ingest', '10.0.9.2', '10.0.9.1', '65010', '65001']);
    const sl = lines(sender);
    const sent = await sl.next((o) => 'sent' in o, 60_000);
    const end = await frrReaches(frr, '10.0.9.2', 1_000_000);
    return { seconds: (end - sent.sent!) / 1000, rssMb: bgpdHwmKb(lab, 'b') / 1024 };
  } finally {
    await lab.destroy();
  }
}

async function announceOurs(): Promise<Result> {
  const { lab, a, b } = await pairLab('fba');
  try {
    const frr = await b.startFrr(FRR_BASE('10.0.9.2', 4200000001));
    const sp = node(a, './announce-speaker.mjs', ['10.0.9.2', '10.0.9.1', '4200000001', '65001']);
    const sl = lines(sp);
    const started = await sl.next((o) => 'start' in o, 60_000);
    const end = await frrReaches(frr, '10.0.9.2', 80_000);
    console.error(
      `    (our side: all 80k paths written ${((started.flushed! - started.start!) / 1000).toFixed(3)} s after the first setPaths)`,
    );
    return { seconds: (end - started.start!) / 1000, rssMb: started.maxRssKb! / 1024 };
  } finally {
    await lab.destroy();
  }
}

async function announcePrebuilt(): Promise<Result> {
  const { lab, a, b } = await pairLab('fbp');
  try {
    const frr = await b.startFrr(FRR_BASE('10.0.9.2', 4200000001));
    const sender = node(a, './raw-sender.mjs', ['announce', '10.0.9.2', '10.0.9.1', '4200000001', '65001']);
    const sl = lines(sender);
    const sent = await sl.next((o) => 'sent' in o, 60_000);
    const end = await frrReaches(frr, '10.0.9.2', 80_000).catch((err: Error) => {
      throw new Error(
        `${err.message.split('\n')[0]}; raw sender stderr: ${sl.stderr().slice(-500) || '(none)'}`,
      );
    });
    return { seconds: (end - sent.sent!) / 1000, rssMb: bgpdHwmKb(lab, 'b') / 1024 };
  } finally {
    await lab.destroy();
  }
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs the cases alternately (so machine load affects them alike); medians per case. */
async function measure(cases: [string, () => Promise<Result>][]): Promise<Result[]> {
  const results: Result[][] = cases.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, [name, fn]] of cases.entries()) {
      // One retry: on a loaded machine a lab occasionally fails to come up; say so, never hide it.
      const r = await fn().catch((err: Error) => {
        console.error(`  ${name} run ${i + 1} FAILED (${err.message.split('\n')[0]}); retrying once`);
        return fn();
      });
      results[k]!.push(r);
      console.error(`  ${name} run ${i + 1}: ${r.seconds.toFixed(3)} s, peak RSS ${r.rssMb.toFixed(0)} MB`);
    }
  }
  return results.map((rs) => ({
    seconds: median(rs.map((r) => r.seconds)),
    rssMb: median(rs.map((r) => r.rssMb)),
  }));
}

const rows: string[] = [];
if (only !== 'announce') {
  const [ours, stored, frr] = (await measure([
    ['ingest, bgp-fsm', () => ingestOurs()],
    ['ingest, bgp-fsm with adjRibIn', () => ingestOurs(true)],
    ['ingest, FRR 8.4 bgpd', ingestFrr],
  ])) as [Result, Result, Result];
  rows.push(
    `| ingest 1M /24 (2000 x 500) | bgp-fsm | ${ours.seconds.toFixed(3)} s | ${ours.rssMb.toFixed(0)} MB |`,
  );
  rows.push(
    `| ingest 1M /24 (2000 x 500) | bgp-fsm, adjRibIn: true | ${stored.seconds.toFixed(3)} s | ${stored.rssMb.toFixed(0)} MB |`,
  );
  rows.push(
    `| ingest 1M /24 (2000 x 500) | FRR 8.4 bgpd | ${frr.seconds.toFixed(3)} s | ${frr.rssMb.toFixed(0)} MB |`,
  );
}
if (only !== 'ingest') {
  const [ours, pre] = (await measure([
    ['announce, bgp-fsm -> FRR', announceOurs],
    ['announce, pre-built -> FRR', announcePrebuilt],
  ])) as [Result, Result];
  rows.push(
    `| announce 10k /32 x 8 (80k ADD-PATH paths) to FRR | bgp-fsm | ${ours.seconds.toFixed(3)} s | ${ours.rssMb.toFixed(0)} MB (speaker) |`,
  );
  rows.push(
    `| announce 10k /32 x 8 (80k ADD-PATH paths) to FRR | pre-built UPDATEs | ${pre.seconds.toFixed(3)} s | ${pre.rssMb.toFixed(0)} MB (bgpd) |`,
  );
  rows.push(`| ratio bgp-fsm / pre-built | | ${(ours.seconds / pre.seconds).toFixed(2)}x | |`);
}
console.log(`| benchmark | implementation | time (median of ${RUNS}) | peak RSS |`);
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
