/**
 * Coverage-guided mutation fuzzer for decodeMessage and friends (`pnpm fuzz`).
 *
 * @jazzer.js/core installs here, but its prebuilt libFuzzer addon needs glibc 2.38 (Debian 12 has
 * 2.36) and building it needs downloads this machine cannot make, so this runner does the same job
 * with what Node has: V8 precise block coverage (node:inspector) gives, for every input, which
 * blocks of packages/bgp-wire/src ran; inputs that run a block no earlier input ran join the
 * corpus (inputs run in batches of 64 with one coverage take each, split only on news), and mutations (test/fuzz-target.ts) are drawn from the corpus.
 * Crashes (any oracle failure) are saved to test/fixtures/fuzz-crashers/<sha1>.bin, which the
 * normal test suite replays.
 *
 * Usage: pnpm --filter @bgplb/bgp-wire fuzz [-- --seconds 300 --seed 7 --batch 64]
 * --batch is the number of inputs per coverage take. Taking and reading the coverage is most of
 * the CPU time at the default 64 (a CPU profile: about half, against 20-25% running the codec),
 * but a batch that finds something is re-run half by half down to the inputs that did, so a large
 * batch pays that often while the corpus still grows (1024 ran 4x fewer inputs per second than 64
 * in the first ten minutes).
 * The last line also gives the CPU time used, the fair measure on a shared machine.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzOne, generatedSeeds, type Mutation, mutate } from '../test/fuzz-target.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seconds: { type: 'string', default: process.env.FUZZ_SECONDS ?? '60' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
  },
});
const seconds = Number(values.seconds);
const BATCH = Number(values.batch);
if (!Number.isInteger(seconds) || seconds <= 0)
  throw new Error(`--seconds: expected a positive integer, got "${values.seconds}"`);
if (!Number.isInteger(BATCH) || BATCH < 1 || BATCH > 65536)
  throw new Error(`--batch: expected an integer in 1..65536, got "${values.batch}"`);
let state = Number(values.seed) >>> 0 || 1;
/** xorshift32: reproducible runs from --seed. */
function rand(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state;
}

const here = import.meta.dirname;
const crashDir = join(here, '../test/fixtures/fuzz-crashers');
const frrDir = join(here, '../test/fixtures/frr');
mkdirSync(crashDir, { recursive: true });

const session = new Session();
session.connect();
function post<T>(method: string, params: object = {}): T {
  let result: T | undefined;
  let error: Error | null = null;
  session.post(method, params, (err, res) => {
    error = err;
    result = res as T;
  });
  if (error) throw error;
  if (result === undefined) throw new Error(`inspector ${method} did not answer synchronously`);
  return result;
}
post('Profiler.enable');
post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });

interface Coverage {
  result: {
    url: string;
    functions: { ranges: { startOffset: number; endOffset: number; count: number }[] }[];
  }[];
}
/** Features (covered blocks) found so far. */
const seen = new Set<string>();
/**
 * Every block range V8 has ever reported, per function (`file:functionStart`). V8 reports a block
 * only when its count differs from its parent's, so whether a known block ran in a given take is
 * read from the innermost range reported in that take that contains it. That makes coverage
 * binary and additive: a batch covers a block exactly when one of its inputs does, so a batch can
 * be run with one (expensive) take and split only when it found something.
 */
const knownBlocks = new Map<string, { start: number; end: number }[]>();

/** Blocks covered since the last take that are not in `seen` yet (not added to it). */
function newFeatures(): Set<string> {
  const cov = post<Coverage>('Profiler.takePreciseCoverage');
  const fresh = new Set<string>();
  for (const script of cov.result) {
    if (!script.url.includes('/bgp-wire/src/')) continue;
    const file = script.url.slice(script.url.lastIndexOf('/') + 1);
    for (const fn of script.functions) {
      const ranges = fn.ranges;
      const top = ranges[0];
      if (top === undefined || top.count === 0) continue;
      const fnKey = `${file}:${top.startOffset}`;
      let known = knownBlocks.get(fnKey);
      if (known === undefined) {
        known = [];
        knownBlocks.set(fnKey, known);
      }
      for (const r of ranges) {
        if (!known.some((k) => k.start === r.startOffset && k.end === r.endOffset)) {
          known.push({ start: r.startOffset, end: r.endOffset });
        }
      }
      for (const block of known) {
        // The innermost reported range containing the block decides.
        let count = 0;
        let width = Number.POSITIVE_INFINITY;
        for (const r of ranges) {
          if (
            r.startOffset <= block.start &&
            r.endOffset >= block.end &&
            r.endOffset - r.startOffset <= width
          ) {
            width = r.endOffset - r.startOffset;
            count = r.count;
          }
        }
        if (count === 0) continue;
        const key = `${fnKey}:${block.start}:${block.end}`;
        if (!seen.has(key)) fresh.add(key);
      }
    }
  }
  return fresh;
}

function loadDir(dir: string): Uint8Array[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.bin'))
      .map((f) => new Uint8Array(readFileSync(join(dir, f))));
  } catch {
    return [];
  }
}

const corpus: Uint8Array[] = [];
const crashes = new Set<string>();
function execute(input: Uint8Array): void {
  try {
    fuzzOne(input);
  } catch (e) {
    const id = createHash('sha1').update(input).digest('hex').slice(0, 16);
    if (!crashes.has(id)) {
      crashes.add(id);
      writeFileSync(join(crashDir, `${id}.bin`), input);
      console.error(`CRASH ${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
/**
 * Runs a batch with one coverage take; when the batch covered something new, runs its halves the
 * same way, down to the single inputs that did, which join the corpus.
 */
function runBatch(batch: Uint8Array[]): void {
  for (const input of batch) execute(input);
  const fresh = newFeatures();
  if (fresh.size === 0) return;
  if (batch.length === 1) {
    for (const k of fresh) seen.add(k);
    corpus.push(batch[0]!);
    return;
  }
  const half = batch.length >> 1;
  runBatch(batch.slice(0, half));
  runBatch(batch.slice(half));
}

newFeatures(); // drop the coverage of start-up
for (const seed of [...loadDir(frrDir), ...loadDir(crashDir), ...generatedSeeds(300)]) runBatch([seed]);
if (corpus.length === 0) corpus.push(new Uint8Array(19).fill(0xff));
console.log(`seed corpus: ${corpus.length} inputs, ${seen.size} features`);

const start = performance.now();
const cpuStart = process.cpuUsage();
let execs = 0;
let lastReport = start;
while (performance.now() - start < seconds * 1000) {
  const batch: Uint8Array[] = [];
  for (let b = 0; b < BATCH; b++) {
    const base = corpus[rand() % corpus.length]!;
    const other = corpus[rand() % corpus.length]!;
    const count = 1 + (rand() % 5);
    const mutations: Mutation[] = [];
    for (let i = 0; i < count; i++) mutations.push([rand() % 11, rand(), rand(), rand()]);
    batch.push(mutate(base, mutations, other));
  }
  runBatch(batch);
  execs += BATCH;
  const now = performance.now();
  if (now - lastReport > 10000) {
    lastReport = now;
    console.log(
      `${Math.round((now - start) / 1000)}s execs=${execs} (${Math.round(execs / ((now - start) / 1000))}/s) corpus=${corpus.length} features=${seen.size} crashes=${crashes.size}`,
    );
  }
}
const cpu = process.cpuUsage(cpuStart);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(
  `done: ${execs} execs in ${seconds}s (${cpuSeconds.toFixed(0)} s CPU, ${Math.round(execs / cpuSeconds)}/CPU s), batch ${BATCH}, seed ${values.seed}, corpus ${corpus.length}, features ${seen.size}, crashes ${crashes.size}`,
);
process.exitCode = crashes.size > 0 ? 1 : 0;
