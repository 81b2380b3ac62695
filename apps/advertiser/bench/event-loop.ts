/**
 * The event-loop budget of the built `bgpadvertiser` (hardening issue): while a second peer feeds a
 * 200k-prefix table and 4 x 2,000 concurrent `GET /metrics` hit the health server, how late does
 * the event loop run (p99 and maximum, read from `bgplb_event_loop_delay_seconds` in every /metrics
 * render), and does FRR (`timers 3 9`) drop the session? The same for `bgpadvertiser agent`, whose
 * floating-IP session peers with FRR and whose second session is the feeder. Targets: p99 <= 20 ms,
 * max <= 100 ms, no drop. Needs root and FRR (prints why and exits 0 otherwise).
 *
 *   pnpm turbo run build --filter @bgplb/advertiser... && pnpm --filter @bgplb/advertiser bench:event-loop
 *   RUNS=5 ONLY=agent pnpm --filter @bgplb/advertiser bench:event-loop     # one of the two processes
 *
 * Each run also reports the process's largest CPU per event-loop turn during the load (thread CPU
 * between two 1 ms ticks, turn-cpu-preload.mjs): what holds the loop, without the time the
 * process waited for a core, so it can be compared across machine loads; for the ticks over 8 ms
 * late, how much was its own CPU and how much waiting on a run queue for a core; its GC pauses;
 * and (agent runs) each of its threads' CPU and run-queue wait, and the machine's busiest
 * programs during the load (sched-probe.ts). TURN_CPU=0 turns the preload off.
 *
 *   RUNS=3 ONLY=agent NICE_LOAD=10 pnpm --filter @bgplb/advertiser bench:event-loop
 *
 * runs the agent's load generators (FRR, the feeder, the HTTP client, the API forwarder; not the
 * bench process, which is the API server and reads the agent's log pipe) at nice 10, the agent as
 * it ships: in a cluster they run on other machines. Report both variants.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labSkipReason } from '@bgplb/netns-lab';
import { createAgentLoadLab, runAgentLoad, startLoadAgent } from '../src/agent/test-support/agent-load.js';
import { buildLoadTopology, runLoad, startAdvertiserUnderTest } from '../test/e2e/load-scenario.js';
import { processCpu, reniceNamespacesEvery, schedDelta, threadSched, topCpu } from './sched-probe.js';

const RUNS = Number(process.env.RUNS ?? 3);
// ONLY=advertiser or ONLY=agent runs one of the two processes (default: both).
const ONLY = process.env.ONLY ?? 'both';
if (!['both', 'advertiser', 'agent'].includes(ONLY)) {
  console.error(`ONLY must be advertiser, agent or both, got ${ONLY}`);
  process.exit(2);
}
// The agent runs from its build, as it does in production (the lab defaults to the sources via tsx).
process.env.BGPLB_AGENT_DIST = '1';
const skip = labSkipReason();
if (skip) {
  console.log(`advertiser event-loop bench skipped: ${skip}`);
  process.exit(0);
}

type Row = {
  p99: number;
  max: number;
  drops: number;
  ok: number;
  prefixes: number;
  load?: string;
  turnCpuMax?: number;
  turnsOver10?: number;
  turnsOver5?: number;
  late?: LateTicks;
  gcMs?: number;
  gcMax?: number;
  gc?: string;
  threads?: string;
  top?: string;
};

/**
 * The intervals between two 1 ms ticks of the preload that took over 8 ms of wall time: each
 * would make a 10 ms-resolution sample of `monitorEventLoopDelay` of about 18 ms or more, which is
 * what decides p99. Their wall time split into the loop's own CPU, waiting on a run queue for a
 * core, and the rest (the thread was neither running nor runnable: asleep in epoll, i.e. late
 * for neither reason, or blocked in a system call).
 */
type LateTicks = { n: number; wall: number; cpu: number; wait: number; waitMostly: number };

// The preload reaches the advertiser and the agent through the environment their labs pass on.
const turnDir = process.env.TURN_CPU === '0' ? undefined : mkdtempSync(join(tmpdir(), 'bgplb-turn-cpu-'));
if (turnDir) {
  const preload = new URL('./turn-cpu-preload.mjs', import.meta.url).href;
  process.env.TURN_CPU_DIR = turnDir;
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`.trim();
}
// NICE_LOAD=n runs the agent's load generators in the lab (FRR, the route feeder, the HTTP client,
// the API forwarder) at nice n, the agent at 0 (agent runs only): in a cluster they run on other
// machines, so the agent would not share its cores with them.
const NICE_LOAD = Number(process.env.NICE_LOAD ?? 0);
if (!Number.isInteger(NICE_LOAD) || NICE_LOAD < 0 || NICE_LOAD > 19) {
  console.error(`NICE_LOAD must be an integer from 0 to 19, got ${process.env.NICE_LOAD}`);
  process.exit(2);
}

// perf_hooks' gc entry kinds (NODE_PERFORMANCE_GC_*).
const GC_KINDS: Record<number, string> = {
  1: 'scavenge',
  2: 'mark-compact',
  4: 'incremental',
  8: 'weak callbacks',
};
type Recorded = { turns: Array<[number, number, number, number]>; gc: Array<[number, number, number]> };
/** The per-turn and GC records of the preload between `from` and `to` (epoch ms). */
function turnCpu(from: number, to: number): Partial<Row> {
  if (!turnDir) return {};
  let max = 0;
  let over10 = 0;
  let over5 = 0;
  const late: LateTicks = { n: 0, wall: 0, cpu: 0, wait: 0, waitMostly: 0 };
  let gcMs = 0;
  let gcMax = 0;
  const gcKinds = new Map<string, { n: number; ms: number; max: number }>();
  for (const f of readdirSync(turnDir)) {
    const rec = JSON.parse(readFileSync(join(turnDir, f), 'utf8')) as Recorded;
    for (const [at, cpu, wall, wait] of rec.turns) {
      if (at < from || at > to) continue;
      max = Math.max(max, cpu);
      if (cpu > 10) over10++;
      if (cpu > 5) over5++;
      if (wall > 8) {
        late.n++;
        late.wall += wall;
        late.cpu += cpu;
        late.wait += wait;
        if (wait > cpu) late.waitMostly++;
      }
    }
    for (const [at, ms, kind] of rec.gc) {
      if (at < from || at > to) continue;
      gcMs += ms;
      gcMax = Math.max(gcMax, ms);
      const k = GC_KINDS[kind] ?? `kind ${kind}`;
      const acc = gcKinds.get(k) ?? { n: 0, ms: 0, max: 0 };
      gcKinds.set(k, { n: acc.n + 1, ms: acc.ms + ms, max: Math.max(acc.max, ms) });
    }
    rmSync(join(turnDir, f));
  }
  return {
    turnCpuMax: max,
    turnsOver10: over10,
    turnsOver5: over5,
    late,
    gcMs: Math.round(gcMs),
    gcMax,
    gc: [...gcKinds].map(([k, g]) => `${g.n} ${k} (${Math.round(g.ms)} ms, largest ${g.max})`).join(', '),
  };
}
const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const advertiserRows: Row[] = [];
const agentRows: Row[] = [];

async function advertiserRuns(): Promise<void> {
  const lab = Lab.create('advelb');
  try {
    const topo = await buildLoadTopology(lab);
    for (let i = 0; i < RUNS; i++) {
      const adv = await startAdvertiserUnderTest(topo, lab.workDir);
      try {
        const from = Date.now();
        const r = await runLoad(topo);
        const to = Date.now();
        advertiserRows.push({
          p99: r.http.p99Max * 1000,
          max: r.http.max * 1000,
          drops: (r.after.connectionsDropped ?? 0) - (r.before.connectionsDropped ?? 0),
          ok: r.http.ok,
          prefixes: r.prefixesReceived,
        });
        // Read after the process has flushed its last second.
        await new Promise((res) => setTimeout(res, 1_100));
        Object.assign(advertiserRows.at(-1) ?? {}, turnCpu(from, to));
      } finally {
        adv.signal('SIGTERM');
        await adv.exited;
      }
      // FRR's idle hold after the Cease: let it accept the next session.
      await new Promise((r) => setTimeout(r, 1_500));
    }
  } finally {
    await lab.destroy();
  }
}

async function agentRuns(): Promise<void> {
  for (let i = 0; i < RUNS; i++) {
    // A fresh lab per run: the agent's counters and FRR's start from zero.
    const agentLab = await createAgentLoadLab('agtelb');
    try {
      const agent = await startLoadAgent(agentLab);
      const pid = agent.child.pid ?? 0;
      // Everything in the lab's namespaces but the agent and its children, including what starts
      // later (the feeder, the HTTP client, the metrics pollers). Not the bench itself: it is the
      // API server and reads the agent's log pipe, whose writes are synchronous in the agent.
      const stopRenice =
        NICE_LOAD > 0
          ? reniceNamespacesEvery(
              [...agentLab.lab.hosts.keys()].map((h) => agentLab.lab.nsName(h)),
              pid,
              NICE_LOAD,
            )
          : () => {};
      const load = loadAvg();
      const threadsBefore = threadSched(pid);
      const cpuBefore = processCpu();
      const from = Date.now();
      const r = await runAgentLoad(agentLab);
      const to = Date.now();
      const threads = schedDelta(threadsBefore, threadSched(pid));
      const top = topCpu(cpuBefore, processCpu());
      stopRenice();
      await new Promise((res) => setTimeout(res, 1_100));
      agentRows.push({
        p99: r.http.p99Max * 1000,
        max: r.http.max * 1000,
        drops: r.dropped,
        ok: r.http.ok,
        prefixes: r.prefixesReceived,
        load,
        threads: [...threads]
          .filter(([, t]) => t.run + t.wait >= 1)
          .map(([name, t]) => `${name} ${Math.round(t.run)} run/${Math.round(t.wait)} wait`)
          .join(', '),
        top: top.join(', '),
        ...turnCpu(from, to),
      });
    } finally {
      await agentLab.destroy();
    }
  }
}

if (ONLY !== 'agent') await advertiserRuns();
if (ONLY !== 'advertiser') await agentRuns();

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]?.toFixed(1)} / ${s[Math.floor(s.length / 2)]?.toFixed(1)} / ${s[s.length - 1]?.toFixed(1)}`;
};
function report(what: string, rows: Row[]): void {
  console.log(
    `${what} event-loop budget, ${RUNS} runs (200k-prefix ingest + 4 x 2,000 GET /metrics)` +
      (NICE_LOAD > 0 && what.endsWith('agent') ? `, load generators at nice ${NICE_LOAD}` : ''),
  );
  for (const [i, r] of rows.entries()) {
    console.log(
      `run ${i + 1}: p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, FRR drops ${r.drops}, ` +
        `${r.ok} scrapes answered, ${r.prefixes} prefixes` +
        (r.turnCpuMax !== undefined
          ? `; largest turn ${r.turnCpuMax} ms of CPU, ${r.turnsOver10} turns over 10 ms, ${r.turnsOver5} over 5 ms`
          : ''),
    );
    if (r.load) console.log(`  load average before: ${r.load}`);
    if (r.late)
      console.log(
        `  late ticks (> 8 ms between two 1 ms ticks): ${r.late.n}, wall ${Math.round(r.late.wall)} ms = ` +
          `own CPU ${Math.round(r.late.cpu)} + run-queue wait ${Math.round(r.late.wait)} + other ` +
          `${Math.round(r.late.wall - r.late.cpu - r.late.wait)} ms; ${r.late.waitMostly} waited more than they ran`,
      );
    if (r.gcMs !== undefined)
      console.log(`  GC pauses over 1 ms (wall): ${r.gcMs} ms in all, largest ${r.gcMax} ms: ${r.gc}`);
    if (r.threads) console.log(`  agent threads during the load (ms): ${r.threads}`);
    if (r.top) console.log(`  CPU during the load (ms), top processes: ${r.top}`);
  }
  console.log('| measure | min / median / max |');
  console.log('|---|---|');
  console.log(`| event-loop delay p99 (ms) | ${stats(rows.map((r) => r.p99))} |`);
  console.log(`| event-loop delay max (ms) | ${stats(rows.map((r) => r.max))} |`);
  console.log(`| sessions dropped by FRR | ${stats(rows.map((r) => r.drops))} |`);
  if (rows.every((r) => r.turnCpuMax !== undefined))
    console.log(`| largest CPU of one turn (ms) | ${stats(rows.map((r) => r.turnCpuMax ?? 0))} |`);
}
if (ONLY !== 'agent') report('bgpadvertiser', advertiserRows);
if (ONLY !== 'advertiser') report('bgpadvertiser agent', agentRows);
if (turnDir) rmSync(turnDir, { recursive: true, force: true });
