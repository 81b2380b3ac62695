// Idle cost of BFD sessions: CPU of one process running N sessions at 300 ms x 3 on loopback,
// against two baselines measured in the same run: an idle Node process (0 sessions), and the
// same UDP traffic with no BFD logic (raw-side.ts: one plain timer per "session", dgram send and
// receive only), the floor of doing this in Node. The peer runs in its own process.
// The measured process runs with the agent's V8 flags (--node-flags; the agent starts node with
// --max-semi-space-size=1, see apps/advertiser/src/cli.ts) and is measured twice: right after its
// sessions settled ("start-up") and after --warmup ms (the steady state, which the target is about).
// Usage: pnpm --filter @bgplb/bfd bench [-- --sessions 100 --runs 5 --window 10000 --warmup 30000]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    sessions: { type: 'string', default: '100' },
    runs: { type: 'string', default: '5' },
    window: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '30000' },
    'node-flags': { type: 'string', default: '--max-semi-space-size=1' },
  },
});
const sessions = Number(values.sessions);
const runs = Number(values.runs);
const windowMs = Number(values.window);
const warmupMs = Number(values.warmup);
const nodeFlags = values['node-flags'].split(/\s+/).filter((f) => f !== '');
for (const [name, v] of Object.entries({ sessions, runs, window: windowMs, warmup: warmupMs }))
  if (!Number.isInteger(v) || v < (name === 'warmup' || name === 'sessions' ? 0 : 1))
    throw new Error(`--${name} must be a whole number, got ${String(values[name as keyof typeof values])}`);
const tsx = createRequire(import.meta.url).resolve('tsx');
const bfdSide = new URL('./bfd-side.ts', import.meta.url).pathname;
const rawSide = new URL('./raw-side.ts', import.meta.url).pathname;

interface Result {
  cpuPercent: number;
  userPercent: number;
  systemPercent: number;
  timerWakeups?: number;
  startupCpuPercent: number;
  sent: number;
  received: number;
  downs: number;
  up: number;
  wallMs: number;
}

function startSide(side: string, config: Record<string, unknown>) {
  const child = spawn(
    process.execPath,
    [...nodeFlags, '--conditions=@bgplb/source', '--import', tsx, side, JSON.stringify(config)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
      for (const w of waiters.splice(0)) w();
    }
  });
  const waitFor = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.find((l) => l.msg === msg || l.msg === 'error');
        if (found?.msg === 'error') reject(new Error(String(found.error)));
        else if (found) resolve(found);
        else waiters.push(check);
      };
      check();
      child.once('exit', (code) => reject(new Error(`side exited (${code}) before ${msg}`)));
    });
  return { child, waitFor };
}

async function measure(n: number, side = bfdSide): Promise<Result> {
  const base = 40_000 + Math.floor(Math.random() * 10_000);
  const peer =
    n > 0
      ? startSide(side, {
          role: 'peer',
          sessions: n,
          listenPort: base + 1,
          peerPort: base,
          windowMs,
          warmupMs,
        })
      : undefined;
  const measured = startSide(side, {
    role: 'measured',
    sessions: n,
    listenPort: base,
    peerPort: base + 1,
    windowMs,
    // The idle process has nothing to warm up: its baseline is taken at once.
    warmupMs: n > 0 ? warmupMs : 0,
  });
  try {
    return (await measured.waitFor('result')) as unknown as Result;
  } finally {
    measured.child.kill('SIGKILL');
    peer?.child.kill('SIGKILL');
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: s[0] as number,
    median: s[Math.floor(s.length / 2)] as number,
    max: s[s.length - 1] as number,
  };
};
const f = (x: number) => x.toFixed(2);

const baseline: number[] = [];
const floor: number[] = [];
const loaded: number[] = [];
const startup: number[] = [];
const extra: number[] = [];
const ratio: number[] = [];
for (let i = 0; i < runs; i++) {
  const b = await measure(0);
  const raw = await measure(sessions, rawSide);
  const r = await measure(sessions);
  if (r.up !== sessions || r.downs !== 0)
    throw new Error(`run ${i + 1}: ${r.up}/${sessions} Up, ${r.downs} downs`);
  baseline.push(b.cpuPercent);
  loaded.push(r.cpuPercent);
  startup.push(r.startupCpuPercent);
  floor.push(raw.cpuPercent);
  extra.push(r.cpuPercent - b.cpuPercent);
  ratio.push(r.cpuPercent / raw.cpuPercent);
  console.log(
    `run ${i + 1}: ${sessions} sessions ${f(r.cpuPercent)}% of one core (user ${f(r.userPercent)}, system ${f(r.systemPercent)}; ${r.sent} sent, ${r.received} received, ${r.timerWakeups} timer wake-ups in ${(r.wallMs / 1000).toFixed(1)} s; start-up window ${f(r.startupCpuPercent)}%), raw UDP floor ${f(raw.cpuPercent)}%, idle baseline ${f(b.cpuPercent)}%`,
  );
}
const l = stats(loaded);
const b = stats(baseline);
const e = stats(extra);
console.log(
  `\n${sessions} BFD sessions at 300 ms x 3 on loopback, node ${nodeFlags.join(' ')}, ${runs} runs, windows of ${windowMs / 1000} s, the steady one ${warmupMs / 1000} s after the sessions settled (min / median / max):`,
);
console.log(`  process CPU with sessions: ${f(l.min)} / ${f(l.median)} / ${f(l.max)} % of one core`);
const su = stats(startup);
console.log(
  `  (the same, first window right after start-up: ${f(su.min)} / ${f(su.median)} / ${f(su.max)} %)`,
);
console.log(`  idle baseline (0 sessions): ${f(b.min)} / ${f(b.median)} / ${f(b.max)} %`);
const fl = stats(floor);
const ra = stats(ratio);
console.log(`  raw UDP floor (same traffic, no BFD): ${f(fl.min)} / ${f(fl.median)} / ${f(fl.max)} %`);
console.log(`  BFD / raw floor, same run: ${f(ra.min)} / ${f(ra.median)} / ${f(ra.max)}`);
console.log(
  `  cost of the sessions (difference): ${f(e.min)} / ${f(e.median)} / ${f(e.max)} % (target < 2%)`,
);
