/**
 * What each library on the control-plane command's start-up path costs in resident memory, alone:
 * each case is bundled into one ES module as dist/cli.js bundles them (its esbuild plugins: built-ins
 * required, not imported; prom-client's Pushgateway and cluster aggregator left out) and required by a fresh `node --max-semi-space-size=1` (the npm form's flag), which
 * then idles; VmRSS is read after SETTLE_MS. The same-run baseline is the `node floor` case: a Node
 * that only does what the advertiser needs of Node (net, dgram, an http server, child_process).
 * Cases run one at a time, RUNS rounds; prints min / median / max and the median over the floor.
 * No root needed.
 *
 *   pnpm --filter @bgplb/advertiser bench:libs            # RUNS=3 SETTLE_MS=3000
 *   ONLY=pino,yaml pnpm --filter @bgplb/advertiser bench:libs
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from 'esbuild';
import { builtinsAsRequire, promClientUnused } from '../bundle-plugins.js';

const RUNS = Number(process.env.RUNS ?? 3);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 3000);
const ONLY = process.env.ONLY?.split(',');

/**
 * The floor every case starts from: what the advertiser needs of Node itself, built-ins required as
 * dist/cli.js does (its banner's createRequire).
 */
const FLOOR = `
const net = require('node:net'); const dgram = require('node:dgram'); const http = require('node:http');
require('node:child_process').execFileSync('true');
net.createServer().listen(0, '127.0.0.1'); dgram.createSocket('udp4').bind(0, '127.0.0.1');
http.createServer((_q, s) => s.end()).listen(0, '127.0.0.1');
`;

/**
 * Each case's code, on top of the floor: what the advertiser does with the library at start. ES
 * imports, so that the bundle keeps only what is used, as dist/cli.js's does.
 */
const CASES: Record<string, string> = {
  'bare node': 'setInterval(() => {}, 1000);',
  'node floor': FLOOR,
  yaml: `import { parseDocument } from 'yaml'; ${FLOOR} globalThis.d = parseDocument('localIP: 10.0.0.1\\npeers:\\n- peerIP: 10.0.0.2\\n').toJS();`,
  pino: `import pino from 'pino'; ${FLOOR} const log = pino({ timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: '/dev/null', sync: true })); log.info({ peer: 'x' }, 'started');`,
  'prom-client registry': `import { Gauge, Registry } from 'prom-client'; ${FLOOR} const r = new Registry(); new Gauge({ name: 'g', help: 'g', registers: [r] }).set(1); globalThis.t = await r.metrics();`,
  'prom-client + default metrics': `import { collectDefaultMetrics, Registry } from 'prom-client'; ${FLOOR} const r = new Registry(); collectDefaultMetrics({ register: r }); globalThis.t = await r.metrics();`,
  commander: `import { Command } from 'commander'; ${FLOOR} new Command().option('--config <f>').parse(['node', 'x', '--config', 'y']);`,
  'zod classic (one object)': `import { z } from 'zod'; ${FLOOR} globalThis.s = z.strictObject({ a: z.string() }).safeParse({ a: 'x' });`,
  'zod mini (one object)': `import * as z from 'zod/mini'; ${FLOOR} globalThis.s = z.strictObject({ a: z.string() }).safeParse({ a: 'x' });`,
  'advertiser config (api-types/advertiser-config)': `import { parseAdvertiserConfigText } from '@bgplb/api-types/advertiser-config'; ${FLOOR} globalThis.r = parseAdvertiserConfigText('localIP: 10.0.0.1\\nlocalASN: 65001\\npeers:\\n- peerIP: 10.0.0.2\\n  peerASN: 65002\\n', 'f');`,
};

async function bundle(dir: string, name: string, code: string): Promise<string> {
  const outfile = join(dir, `${name.replace(/\W+/g, '-')}.mjs`);
  await build({
    stdin: { contents: code, resolveDir: join(import.meta.dirname, '..'), loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    plugins: [builtinsAsRequire, promClientUnused],
    // dist/cli.js's banner: the CommonJS libraries' and the floor's require() of built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    target: 'node22',
    conditions: ['@bgplb/source'],
    // zod and commander are dependencies of the packages the advertiser bundles, not its own.
    nodePaths: ['../../packages/api-types/node_modules', '../../packages/kube-runtime/node_modules'].map(
      (p) => join(import.meta.dirname, '..', p),
    ),
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

async function rssMiB(file: string): Promise<number> {
  const child = spawn(process.execPath, ['--max-semi-space-size=1', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  try {
    await sleep(SETTLE_MS);
    if (exited) throw new Error(`${file} exited before its RSS was read (see its error above)`);
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    if (!Number.isFinite(kb)) throw new Error(`no VmRSS for ${file}`);
    return kb / 1024;
  } finally {
    child.kill('SIGKILL');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bgplb-library-cost-'));
try {
  const names = Object.keys(CASES).filter(
    (n) => n === 'node floor' || !ONLY || ONLY.some((o) => n.includes(o)),
  );
  const files = new Map<string, string>();
  for (const n of names) files.set(n, await bundle(dir, n, CASES[n] as string));
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let run = 0; run < RUNS; run++)
    for (const n of names) samples.get(n)?.push(await rssMiB(files.get(n) as string));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const floor = median(samples.get('node floor') ?? []);
  console.log(`RSS after ${SETTLE_MS} ms, MiB, ${RUNS} runs (min / median / max), over the node floor:`);
  for (const [n, xs] of samples) {
    const s = [...xs].sort((a, b) => a - b);
    const f = (x: number | undefined) => (x ?? Number.NaN).toFixed(1);
    const over = median(xs) - floor;
    console.log(
      `${n.padEnd(48)} ${f(s[0])} / ${f(median(xs))} / ${f(s.at(-1))}  ${over >= 0 ? '+' : ''}${over.toFixed(1)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
