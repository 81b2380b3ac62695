/**
 * bgp-wire benchmarks (`pnpm --filter @bgplb/bgp-wire bench`; `pnpm bench` at the root runs it too).
 *
 * Workload from issue #3: 1M IPv4 /24 prefixes in UPDATEs of 500 prefixes each, every UPDATE with
 * its own AS_PATH of 3..8 ASNs and 2 communities; and an ADD-PATH table of 125k prefixes with 8
 * paths each (1M NLRI). Every case runs several times; the median is reported. Allocation is the
 * heap growth measured over small batches (big young generation, batches with a GC dropped),
 * scaled to 1M prefixes.
 */

import { encodeUpdates } from '../src/encode-updates.js';
import { MessageFramer } from '../src/framer.js';
import { decodeMessage, encodeMessage } from '../src/message.js';
import type { SessionOptions } from '../src/session.js';
import type { PathAttribute, Route, UpdateMessage } from '../src/types.js';
import { decodeUpdateBulk } from '../src/update-bulk.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PLAIN: SessionOptions = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathReceive: new Set(),
  addPathSend: new Set(),
};
const ADD_PATH: SessionOptions = {
  fourOctetAs: true,
  extendedMessage: false,
  addPathReceive: new Set(['1/1']),
  addPathSend: new Set(['1/1']),
};

/** 1M /24 routes, 500 per attribute set (AS_PATH of 3..8 ASNs, 2 communities). */
function fullTable(): Route[] {
  const routes: Route[] = [];
  let attrs: PathAttribute[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    if (i % 500 === 0) {
      const g = i / 500;
      const length = 3 + (g % 6);
      attrs = [
        { type: 'origin', origin: 'igp' },
        {
          type: 'as-path',
          segments: [
            { type: 'sequence', asns: Array.from({ length }, (_, k) => 64512 + ((g * 7 + k) % 1000)) },
          ],
        },
        { type: 'communities', communities: [(65000 * 65536 + (g % 100)) >>> 0, 0xffff029a] },
      ];
    }
    const a = 1 + (i >>> 16);
    routes.push({
      prefix: `${a}.${(i >>> 8) & 255}.${i & 255}.0/24`,
      nextHop: '192.0.2.1',
      attributes: attrs,
    });
  }
  return routes;
}

/** 125k /24 prefixes x 8 paths (ids 1..8), one attribute set per path id. */
function addPathTable(): Route[] {
  const routes: Route[] = [];
  const sets = Array.from({ length: 8 }, (_, p): PathAttribute[] => [
    { type: 'origin', origin: 'igp' },
    { type: 'as-path', segments: [{ type: 'sequence', asns: [65001, 65100 + p, 65200] }] },
    { type: 'communities', communities: [0xfde90064, 0xffff029a] },
  ]);
  for (let p = 0; p < 8; p++) {
    for (let i = 0; i < 125_000; i++) {
      routes.push({
        prefix: `${10 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`,
        pathId: p + 1,
        nextHop: `192.0.2.${p + 1}`,
        attributes: sets[p]!,
      });
    }
  }
  return routes;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Wall time and CPU time of one run: of the whole process (GC helper threads included) and of the
 * main thread alone. The machine is shared, so CPU time is the better measure of speed.
 */
function time(fn: () => void): { wall: number; cpu: number; thread: number } {
  const c = process.cpuUsage();
  const th = process.threadCpuUsage();
  const t = process.hrtime.bigint();
  fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const used = process.cpuUsage(c);
  const usedThread = process.threadCpuUsage(th);
  return { wall, cpu: (used.user + used.system) / 1e6, thread: (usedThread.user + usedThread.system) / 1e6 };
}

interface Result {
  name: string;
  seconds: number;
  cpu: number;
  thread: number;
  perSecond: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Runs `fn` once to warm up, then RUNS times. Before each run: a full GC, then a pause so that
 * V8's concurrent sweeping of that GC is over and is not charged to the run.
 */
async function bench(name: string, prefixes: number, fn: () => void): Promise<Result> {
  fn();
  const runs: { wall: number; cpu: number; thread: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 250));
    runs.push(time(fn));
  }
  const cpu = median(runs.map((r) => r.cpu));
  return {
    name,
    seconds: median(runs.map((r) => r.wall)),
    cpu,
    thread: median(runs.map((r) => r.thread)),
    perSecond: prefixes / cpu,
  };
}

/** Bytes allocated per 1M prefixes: heap growth over batches, dropping batches in which a GC ran. */
function allocationPer1M(
  messages: Uint8Array[],
  prefixesPerMessage: number,
  run: (m: Uint8Array) => void,
): number {
  let bytes = 0;
  let prefixes = 0;
  const batch = 10;
  for (let i = 0; i + batch <= messages.length; i += batch) {
    const before = process.memoryUsage().heapUsed;
    for (let k = i; k < i + batch; k++) run(messages[k]!);
    const delta = process.memoryUsage().heapUsed - before;
    if (delta >= 0) {
      bytes += delta;
      prefixes += batch * prefixesPerMessage;
    }
  }
  return prefixes === 0 ? Number.NaN : (bytes / prefixes) * 1_000_000;
}

const sink: unknown[] = [];
const results: Result[] = [];

// --- full table -------------------------------------------------------------------------
let routes: Route[] = fullTable();
const N = routes.length;
let messages: Uint8Array[] = [];
results.push(
  await bench('encodeUpdates: 1M IPv4 routes -> UPDATEs', N, () => {
    messages = encodeUpdates({ announce: routes }, PLAIN);
  }),
);
const nlriPerMessage = N / messages.length;
// Drop the 1M route objects: a big live heap makes every later GC (and so every later case) slower.
routes = [];
gc?.();
results.push(
  await bench('decodeUpdateBulk: 1M prefixes (callback, no objects)', N, () => {
    let n = 0;
    for (const m of messages) {
      const r = decodeUpdateBulk(m, PLAIN, (p) => {
        n += p.length;
      });
      if (!r.ok) throw new Error(r.error.message);
    }
    sink[0] = n;
  }),
);
const stream = new Uint8Array(messages.reduce((a, m) => a + m.length, 0));
{
  let o = 0;
  for (const m of messages) {
    stream.set(m, o);
    o += m.length;
  }
}
results.push(
  await bench('MessageFramer (64 KiB chunks) + decodeUpdateBulk: 1M prefixes', N, () => {
    const f = new MessageFramer();
    let n = 0;
    for (let o = 0; o < stream.length; o += 65536) {
      f.push(stream.subarray(o, o + 65536));
      for (let r = f.next(); r !== undefined; r = f.next()) {
        if (!r.ok) throw new Error(r.error.message);
        decodeUpdateBulk(r.bytes, PLAIN, () => {
          n++;
        });
      }
    }
    sink[2] = n;
  }),
);

// --- ADD-PATH, 8 paths per prefix ----------------------------------------------------------
let apRoutes: Route[] = addPathTable();
const AP = apRoutes.length;
let apMessages: Uint8Array[] = [];
results.push(
  await bench('encodeUpdates: ADD-PATH 125k prefixes x 8 paths', AP, () => {
    apMessages = encodeUpdates({ announce: apRoutes }, ADD_PATH);
  }),
);
apRoutes = [];
gc?.();
results.push(
  await bench('decodeUpdateBulk: ADD-PATH 125k prefixes x 8 paths', AP, () => {
    let n = 0;
    for (const m of apMessages)
      decodeUpdateBulk(m, ADD_PATH, (p) => {
        n += p.pathId;
      });
    sink[3] = n;
  }),
);
// Object-building cases last: the objects they keep alive slow the garbage collector for
// whatever runs after them.
let decoded: UpdateMessage[] = [];
results.push(
  await bench('decodeMessage: 1M prefixes (object per prefix)', N, () => {
    decoded = messages.map((m) => {
      const r = decodeMessage(m, PLAIN);
      if (!r.ok || r.message.type !== 'update') throw new Error('decode failed');
      return r.message;
    });
  }),
);
results.push(
  await bench('encodeMessage: the decoded UPDATEs back to bytes', N, () => {
    sink[1] = decoded.map((u) => encodeMessage(u, PLAIN));
  }),
);
results.push(
  await bench('decodeMessage: ADD-PATH 125k prefixes x 8 paths', AP, () => {
    sink[4] = apMessages.map((m) => decodeMessage(m, ADD_PATH));
  }),
);

// --- allocation ---------------------------------------------------------------------------
sink.length = 0;
decoded = [];
gc?.();
const allocBulk = allocationPer1M(messages, nlriPerMessage, (m) => {
  decodeUpdateBulk(m, PLAIN, () => {});
});
const allocFull = allocationPer1M(messages, nlriPerMessage, (m) => {
  sink.push(decodeMessage(m, PLAIN));
});
sink.length = 0;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const kept = messages.map((m) => decodeMessage(m, PLAIN));
gc?.();
const retained = process.memoryUsage().heapUsed - heapBefore;
sink.push(kept);

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
console.log(
  `bgp-wire benchmarks: Node ${process.version}, ${RUNS} runs each, median; ${messages.length} UPDATEs of ~${Math.round(nlriPerMessage)} prefixes (${apMessages.length} for ADD-PATH)`,
);
console.log(
  `load average at the end: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${(await import('node:os')).availableParallelism()} CPUs`,
);
console.log('| case | CPU time for 1M NLRI | of it, main thread | wall time | NLRI/s (by CPU time) |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.name} | ${(r.cpu * 1000).toFixed(0)} ms | ${(r.thread * 1000).toFixed(0)} ms | ${(r.seconds * 1000).toFixed(0)} ms | ${(r.perSecond / 1e6).toFixed(2)} M |`,
  );
}
console.log('');
console.log('| memory per 1M prefixes | |');
console.log('|---|---|');
console.log(`| allocated by decodeUpdateBulk | ${mb(allocBulk)} |`);
console.log(`| allocated by decodeMessage | ${mb(allocFull)} |`);
console.log(`| retained by 1M decoded prefixes (decodeMessage results kept) | ${mb(retained)} |`);
