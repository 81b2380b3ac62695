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
 * process waited for a core, so it can be compared across machine loads. TURN_CPU=0 turns it off.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labSkipReason } from '@bgplb/netns-lab';
import { createAgentLoadLab, runAgentLoad, startLoadAgent } from '../src/agent/test-support/agent-load.js';
import { buildLoadTopology, runLoad, startAdvertiserUnderTest } from '../test/e2e/load-scenario.js';

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
  turnCpuMax?: number;
  turnsOver10?: number;
};

// The preload reaches the advertiser and the agent through the environment their labs pass on.
const turnDir = process.env.TURN_CPU === '0' ? undefined : mkdtempSync(join(tmpdir(), 'bgplb-turn-cpu-'));
if (turnDir) {
  const preload = new URL('./turn-cpu-preload.mjs', import.meta.url).href;
  process.env.TURN_CPU_DIR = turnDir;
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${preload}`.trim();
}
/** The largest CPU of one turn, and turns over 10 ms, between `from` and `to` (epoch ms). */
function turnCpu(from: number, to: number): { turnCpuMax?: number; turnsOver10?: number } {
  if (!turnDir) return {};
  let max = 0;
  let over10 = 0;
  for (const f of readdirSync(turnDir)) {
    const turns = JSON.parse(readFileSync(join(turnDir, f), 'utf8')) as Array<[number, number]>;
    for (const [at, cpu] of turns) {
      if (at < from || at > to) continue;
      max = Math.max(max, cpu);
      if (cpu > 10) over10++;
    }
    rmSync(join(turnDir, f));
  }
  return { turnCpuMax: max, turnsOver10: over10 };
}
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
      await startLoadAgent(agentLab);
      const from = Date.now();
      const r = await runAgentLoad(agentLab);
      const to = Date.now();
      await new Promise((res) => setTimeout(res, 1_100));
      agentRows.push({
        p99: r.http.p99Max * 1000,
        max: r.http.max * 1000,
        drops: r.dropped,
        ok: r.http.ok,
        prefixes: r.prefixesReceived,
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
  console.log(`${what} event-loop budget, ${RUNS} runs (200k-prefix ingest + 4 x 2,000 GET /metrics)`);
  for (const [i, r] of rows.entries()) {
    console.log(
      `run ${i + 1}: p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, FRR drops ${r.drops}, ` +
        `${r.ok} scrapes answered, ${r.prefixes} prefixes` +
        (r.turnCpuMax !== undefined
          ? `; largest turn ${r.turnCpuMax} ms of CPU, ${r.turnsOver10} turns over 10 ms`
          : ''),
    );
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
