/**
 * Benchmarks for the speed targets. Run: `pnpm --filter @bgplb/floating-ip-allocator bench`
 * (or `pnpm bench` at the root). Prints one line per case with the median (p50) and p99
 * latency of one iteration, and whether it meets its target. An argument runs only the cases whose
 * name contains it: `pnpm --filter @bgplb/floating-ip-allocator bench allocate/release` runs the
 * IPv4 and IPv6 allocate/release cases and prints the IPv6/IPv4 ratio of the same run.
 */
import { loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { formatAddress, formatIPv4, parseAddress } from '../src/address.js';
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

// ---- the same on IPv6: a /112 (65,536 addresses, a bitmap like the /16) and a /64 (sparse set).
const parsedV6 = parsePools([{ name: 'big6', addresses: ['2001:db8:c8::/112'] }]).pools;
const parsedV6Sparse = parsePools([{ name: 'huge6', addresses: ['2001:db8:c9::/64'] }]).pools;
function v6Base(text: string): bigint {
  const p = parseAddress(text);
  if (!p.ok) throw new Error(p.error);
  return p.value.value;
}
// Release targets as text, made once: the allocator parses them (that is measured), the bench does
// not format them (the IPv4 case's formatIPv4 costs ~0.2 ms of its 5k releases).
const releaseV6 = Array.from({ length: 5000 }, (_, i) =>
  formatAddress(6, v6Base('2001:db8:c8::') + BigInt(((i * 7919) % 30_000) + 1)),
);
const releaseV6Sparse = Array.from({ length: 5000 }, (_, i) =>
  formatAddress(6, v6Base('2001:db8:c9::') + BigInt(((i * 7919) % 30_000) + 1)),
);

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
  '10k allocate/release on a /16 (5k + 5k, pool 46% full)', // = V4_CHURN
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
const V4_CHURN = '10k allocate/release on a /16 (5k + 5k, pool 46% full)';
const V6_CHURN = '10k allocate/release on an IPv6 /112 (5k + 5k, pool 46% full)';
function churnV6(name: string, pools: typeof parsedV6, releases: readonly string[], target: number | null) {
  let v6 = new VipAllocator(pools);
  targets.set(name, target);
  bench.add(
    name,
    () => {
      let held = 0;
      for (let i = 0; i < 5000; i++) {
        if (v6.allocate(`svc-${i}`, { family: 6 }).ok) held++;
        v6.release(releases[i]!);
      }
      sink += held;
    },
    {
      beforeEach: () => {
        v6 = new VipAllocator(pools);
        for (let i = 0; i < 30_000; i++) v6.allocate('seed', { family: 6 });
      },
    },
  );
}
churnV6(V6_CHURN, parsedV6, releaseV6, 20);
churnV6('10k allocate/release on an IPv6 /64 (sparse set, 30k held)', parsedV6Sparse, releaseV6Sparse, null);
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

const only = process.argv[2];
if (only !== undefined) for (const t of [...bench.tasks]) if (!t.name.includes(only)) bench.remove(t.name);

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
const p50 = (name: string) => {
  const r = bench.getTask(name)?.result;
  return r?.state === 'completed' ? r.latency.p50 : undefined;
};
const v4 = p50(V4_CHURN);
const v6 = p50(V6_CHURN);
if (v4 !== undefined && v6 !== undefined)
  console.log(`IPv6 /112 vs IPv4 /16 allocate/release, same run: p50 ratio ${(v6 / v4).toFixed(2)}`);
if (sink === 42) console.log('');
