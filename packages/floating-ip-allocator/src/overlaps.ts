/**
 * Overlap detection between address ranges in O(n log n), shared by pool validation and the
 * allocator so both report (and the allocator drops) exactly the same entries.
 */
import type { NumericRange } from './pool-entry.js';

/** IPv6 keys start above every IPv4 key, so ranges of different families never compare as overlapping. */
const IPV6_BASE = 1n << 32n;

function key(range: NumericRange, value: bigint): bigint {
  return range.family === 6 ? value + IPV6_BASE : value;
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lowest index `p` in the ascending `sorted` with `sorted[p] >= k` (or sorted.length). */
function lowerBound(sorted: readonly bigint[], k: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Every range that shares an address with a range before it (by index), paired with the first
 * (lowest-index) range it overlaps: `[earlier, later]`, sorted by `later`. Empty exactly when no
 * two ranges overlap.
 *
 * How: sort by start. A range `i` overlaps the ranges sorted before it whose end is >= its start
 * (a prefix-min Fenwick tree over end ranks, filled while sweeping), and the ranges sorted after it
 * whose start is <= its end (a contiguous run: a range-min sparse table over indices).
 */
export function findOverlaps(ranges: readonly NumericRange[]): Array<[number, number]> {
  const n = ranges.length;
  if (n < 2) return [];
  const starts = ranges.map((r) => key(r, r.first));
  const ends = ranges.map((r) => key(r, r.last));
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => cmp(starts[a]!, starts[b]!) || a - b);
  const sortedStarts = order.map((i) => starts[i]!);

  // Range-min of original indices over sorted positions.
  const table: Int32Array[] = [Int32Array.from(order)];
  for (let width = 1; width * 2 <= n; width *= 2) {
    const prev = table[table.length - 1]!;
    const next = new Int32Array(n - width * 2 + 1);
    for (let p = 0; p < next.length; p++) next[p] = Math.min(prev[p]!, prev[p + width]!);
    table.push(next);
  }
  const rangeMin = (lo: number, hi: number): number => {
    const level = 31 - Math.clz32(hi - lo + 1);
    const row = table[level]!;
    return Math.min(row[lo]!, row[hi - (1 << level) + 1]!);
  };

  // Ranks of the ends, descending, so "end >= k" is a prefix of the Fenwick tree.
  const endOrder = Array.from({ length: n }, (_, i) => i).sort((a, b) => cmp(ends[a]!, ends[b]!) || a - b);
  const sortedEnds = endOrder.map((i) => ends[i]!);
  const endRank = new Int32Array(n);
  for (let r = 0; r < n; r++) endRank[endOrder[r]!] = n - 1 - r;
  const fenwick = new Int32Array(n + 1).fill(n);
  const insert = (rank: number, index: number) => {
    for (let x = rank + 1; x <= n; x += x & -x) if (index < fenwick[x]!) fenwick[x] = index;
  };
  const prefixMin = (count: number): number => {
    let best = n;
    for (let x = count; x > 0; x -= x & -x) best = Math.min(best, fenwick[x]!);
    return best;
  };

  const earliest = new Int32Array(n).fill(n);
  for (let p = 0; p < n; p++) {
    const i = order[p]!;
    // Sorted before i, end >= start_i: ranks 0 .. n-1-lowerBound(ends, start_i).
    let best = prefixMin(n - lowerBound(sortedEnds, starts[i]!));
    // Sorted after i, start <= end_i.
    const last = lowerBound(sortedStarts, ends[i]! + 1n) - 1;
    if (last > p) best = Math.min(best, rangeMin(p + 1, last));
    earliest[i] = best;
    insert(endRank[i]!, i);
  }
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) if (earliest[i]! < i) out.push([earliest[i]!, i]);
  return out;
}
