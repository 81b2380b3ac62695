/**
 * Issue 21's HTTP load on the health/metrics server: 4 rounds of 2,000 concurrent GET /metrics
 * against a server whose registry holds SERIES series (default 5,000), once with the server as
 * shipped (a render at most once per second, 128 connections) and once with both limits lifted
 * (a render per request, no connection cap, Node's default backlog of 511) as the same-run baseline. The server runs in its own
 * process; reported: its event-loop delay (p99, max), /metrics renders, answers by status, wall.
 *
 *   pnpm --filter @bgplb/kube-runtime bench:http [-- --runs 3]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('../test/fixtures/health-server-child.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const SERIES = process.env.SERIES ?? '5000';

const VARIANTS = [
  { name: 'as shipped (cache 1 s, 128 connections)', env: {} },
  {
    name: 'baseline (render per request, no cap)',
    env: { METRICS_MAX_AGE_MS: '0', MAX_CONNECTIONS: '1000000', BACKLOG: '511' },
  },
];

interface Result {
  loopP99Ms: number;
  loopMaxMs: number;
  renders: number;
  statuses: Record<string, number>;
  wallMs: number;
}

async function once(env: Record<string, string>): Promise<Result> {
  const child = spawn(process.execPath, ['--conditions=@bgplb/source', '--import', 'tsx', CHILD], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, SERIES, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffer = '';
  let notify = (): void => {};
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l !== ''));
    notify();
  });
  const line = (i: number): Promise<string> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (lines[i] !== undefined) resolve(lines[i]);
      };
      notify = check;
      check();
    });
  const { port } = JSON.parse(await line(0)) as { port: number };
  const statuses: Record<string, number> = {};
  const started = performance.now();
  for (let round = 0; round < 4; round++) {
    await Promise.all(
      Array.from({ length: 2_000 }, async () => {
        let key: string;
        try {
          const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(60_000) });
          await r.arrayBuffer();
          key = String(r.status);
        } catch {
          key = 'error';
        }
        statuses[key] = (statuses[key] ?? 0) + 1;
      }),
    );
  }
  const wallMs = performance.now() - started;
  child.stdin.end();
  const stats = JSON.parse(await line(1)) as Omit<Result, 'statuses' | 'wallMs'>;
  return { ...stats, statuses, wallMs };
}

const fmt = (n: number): string => n.toFixed(1);
process.stdout.write(`${SERIES} series, 4 x 2,000 concurrent GET /metrics, ${RUNS} run(s) per variant\n`);
process.stdout.write(
  '| variant | run | loop p99 ms | loop max ms | renders | answers | wall s |\n|---|---|---|---|---|---|---|\n',
);
for (let run = 1; run <= RUNS; run++) {
  // Alternate the variants within a run, so both see the same machine load.
  for (const v of VARIANTS) {
    const r = await once(v.env);
    const answers = Object.entries(r.statuses)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
    process.stdout.write(
      `| ${v.name} | ${run} | ${fmt(r.loopP99Ms)} | ${fmt(r.loopMaxMs)} | ${r.renders} | ${answers} | ${fmt(r.wallMs / 1000)} |\n`,
    );
  }
}
