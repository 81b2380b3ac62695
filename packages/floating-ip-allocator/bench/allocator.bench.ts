/**
 * Benchmarks for the speed targets. Run: `pnpm --filter @bgplb/floating-ip-allocator bench`
 * (or `pnpm bench` at the root). Prints one line per case with the median (p50) and p99
 * latency of one iteration, and whether it meets its target.
 */
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { formatIPv4 } from '../src/address.js';
import {
  allocateServiceVIPs,
  assignFloatingIPs,
  createNextHopSelector,
  type FloatingIPNode,
  findOverlaps,
  type NextHopSelection,
  parsePools,
  type ServiceVIPRequest,
  selectNextHops,
  VipAllocator,
} from '../src/index.js';

const NOW = Date.parse('2026-11-26T08:00:00Z');

// ---- full recompute: 1,000 nodes in 4 x /22, 16 floating IPs, 10k Services on a /16 pool.
const nodes: FloatingIPNode[] = Array.from({ length: 1000 }, (_, i) => ({
  name: `node-${String(i).padStart(4, '0')}`,
  addresses: [`${formatIPv4(0x0a100000 + Math.floor(i / 250) * 1024 + 10 + (i % 250))}/22`],
  ready: i % 37 !== 0,
  readySince: NOW - 86_400_000,
  notReadySince: NOW - 600_000,
  loadBalancer: i % 10 === 0,
}));
const floatingIPs = Array.from({ length: 16 }, (_, i) => formatIPv4(0x0a100000 + (i % 4) * 1024 + 900 + i));
const pools = [{ name: 'services', addresses: ['172.16.0.0/16'], avoidBuggyIPs: true }];
const cold: ServiceVIPRequest[] = Array.from({ length: 10_000 }, (_, i) => ({
  key: `ns-${i % 50}/svc-${i}`,
  creationTimestamp: NOW - 1_000_000 + i * 7,
  ...(i % 100 === 0 ? { requestedIP: formatIPv4(0xac10c000 + i / 100) } : {}),
}));
const firstVIPs = allocateServiceVIPs({ pools, services: cold, controlPlaneVIP: '172.16.255.1' });
const warm = cold.map((s) => ({ ...s, currentIP: firstVIPs.allocations[s.key]! }));
const firstFIPs = assignFloatingIPs({ floatingIPs, nodes, now: NOW, graceSeconds: 30 });

// ---- 10k allocate/release on a /16 pool already holding 30,000 addresses.
const parsed = parsePools([{ name: 'big', addresses: ['10.200.0.0/16'] }]).pools;

// ---- next hops: 10k VIPs x 16 LB nodes x 4 sessions to one peer (no ADD-PATH).
const lbNodes = Array.from({ length: 16 }, (_, i) => ({ address: `10.0.3.${10 + i}`, ready: true }));
const peerSessions = [{ peer: 'tor-1', sessions: ['10.0.3.100', '10.0.3.101', '10.0.3.102', '10.0.3.103'] }];
const vips = Array.from({ length: 10_000 }, (_, i) => formatIPv4(0xac100001 + i));
const previousHops: NextHopSelection[] = vips.map((vip) =>
  selectNextHops({ vip, lbNodes, peerSessions, addPath: false }),
);
const lbNodesMinusOne = lbNodes.slice(1);

let sink = 0;
const targets = new Map<string, number | null>();
const bench = new Bench({ time: 2000, warmupTime: 300 });

function add(name: string, targetMs: number | null, fn: () => void) {
  targets.set(name, targetMs);
  bench.add(name, fn);
}

add('full recompute, steady state (16 floating IPs / 1,000 nodes + 10k Services with status)', 50, () => {
  const f = assignFloatingIPs({
    floatingIPs,
    nodes,
    previous: firstFIPs.assignments,
    now: NOW,
    graceSeconds: 30,
  });
  const v = allocateServiceVIPs({ pools, services: warm, controlPlaneVIP: '172.16.255.1' });
  sink += f.moves.length + v.poolUsage[0]!.used;
});
add('full recompute, cold start (no status: 10k fresh allocations)', 50, () => {
  const f = assignFloatingIPs({ floatingIPs, nodes, now: NOW, graceSeconds: 30 });
  const v = allocateServiceVIPs({ pools, services: cold, controlPlaneVIP: '172.16.255.1' });
  sink += f.moves.length + v.poolUsage[0]!.used;
});
add('assignFloatingIPs alone (16 floating IPs, 1,000 nodes)', 50, () => {
  sink += assignFloatingIPs({
    floatingIPs,
    nodes,
    previous: firstFIPs.assignments,
    now: NOW,
    graceSeconds: 30,
  }).moves.length;
});
let pool = new VipAllocator(parsed);
targets.set('10k allocate/release on a /16 (5k + 5k, pool 46% full)', 20);
bench.add(
  '10k allocate/release on a /16 (5k + 5k, pool 46% full)',
  () => {
    let held = 0;
    for (let i = 0; i < 5000; i++) {
      if (pool.allocate(`svc-${i}`).ok) held++;
      pool.release(formatIPv4(0x0ac80000 + ((i * 7919) % 30_000) + 1));
    }
    sink += held;
  },
  {
    beforeEach: () => {
      pool = new VipAllocator(parsed);
      for (let i = 0; i < 30_000; i++) pool.allocate('seed');
    },
  },
);
add('next hops: 10k VIPs x 16 nodes x 4 sessions (selectNextHops per VIP)', 50, () => {
  for (const vip of vips)
    sink += selectNextHops({ vip, lbNodes, peerSessions, addPath: false }).sessions.length;
});
add(
  'next hops: 10k VIPs x 16 nodes x 4 sessions (createNextHopSelector, once per node/session change)',
  50,
  () => {
    const selector = createNextHopSelector({ lbNodes, peerSessions, addPath: false });
    for (const vip of vips) sink += selector.select(vip).sessions.length;
  },
);
add('next hops with history, one node gone: 10k VIPs x 15 nodes x 4 sessions (selector)', 50, () => {
  const selector = createNextHopSelector({ lbNodes: lbNodesMinusOne, peerSessions, addPath: false });
  for (let i = 0; i < vips.length; i++) sink += selector.select(vips[i]!, previousHops[i]).sessions.length;
});
// ---- pool parsing: 100 pools x 10 /30 entries (the api-types bench's large cluster), and the
// overlap check alone over 10k ranges in reverse order (O(n log n): sorting, not pairs).
const manyPools = Array.from({ length: 100 }, (_, p) => ({
  name: `pool${p}`,
  addresses: Array.from({ length: 10 }, (_, a) => `${formatIPv4(0x0a020000 + (p * 10 + a) * 4)}/30`),
}));
const manyRanges = Array.from({ length: 10_000 }, (_, i) => ({
  family: 4 as const,
  first: BigInt((9_999 - i) * 4),
  last: BigInt((9_999 - i) * 4 + 3),
}));
add('parsePools: 100 pools x 10 entries', null, () => {
  sink += parsePools(manyPools).pools.length;
});
add('findOverlaps: 10k ranges', null, () => {
  sink += findOverlaps(manyRanges).length;
});

await bench.run();
console.log(
  `node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
for (const task of bench.tasks) {
  const r = task.result;
  if (r.state !== 'completed') {
    console.log(`${task.name}: ${r.state}`);
    continue;
  }
  const target = targets.get(task.name) ?? null;
  const p50 = r.latency.p50;
  const verdict =
    target === null
      ? 'informational (no issue target)'
      : p50 <= target
        ? `ok (target <= ${target} ms)`
        : `OVER target ${target} ms`;
  console.log(
    `${task.name}: min ${r.latency.min.toFixed(2)} ms, p50 ${p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, ${r.latency.samplesCount} runs, ${verdict}`,
  );
}
if (sink === 42) console.log('');
