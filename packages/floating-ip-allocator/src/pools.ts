/**
 * Address pools (`loadBalancer.addressPools`): parsing and validation.
 *
 * Entries follow the one pool grammar of pool-entry.ts (ranges `10.0.0.1-10.0.0.4`, CIDRs
 * `10.0.0.0/30` with every address, network and broadcast included; see avoidBuggyIPs), the same
 * one api-types validates with. IPv4 and IPv6 entries may share a pool; IPv6 subnet-router anycast
 * addresses are not counted as allocatable unless the pool allows them (subnet-router-anycast.ts). Errors are returned as data: a bad entry is dropped with a
 * message naming the pool and the entry, and every good entry is kept.
 */
import { type Family, formatAddress } from './address.js';
import { findOverlaps } from './overlaps.js';
import { type NumericRange, parsePoolEntry, rangeText } from './pool-entry.js';
import { countSubnetRouterAnycast } from './subnet-router-anycast.js';

/** One entry of `loadBalancer.addressPools` as written by the operator. */
export interface AddressPoolInput {
  name: string;
  /** Ranges `first-last` or CIDRs `network/prefix` (see pool-entry.ts). */
  addresses: readonly string[];
  /** Never hand out IPv4 addresses ending in .0 or .255 (some clients mishandle them). */
  avoidBuggyIPs?: boolean | undefined;
  /** Serve only Services that request an address from this pool explicitly. */
  manualAssign?: boolean | undefined;
  /**
   * Hand out IPv6 subnet-router anycast addresses (all-zero host) too. Default false: they are
   * skipped by automatic allocation and refused when requested.
   */
  allowSubnetRouterAnycast?: boolean | undefined;
}

/** A validated, contiguous range of a pool (inclusive bounds, canonical text). */
export interface PoolRange {
  family: Family;
  first: string;
  last: string;
  /** The entry as the operator wrote it. */
  entry: string;
  /** The prefix length when the entry is a CIDR. */
  prefix?: number | undefined;
  /** Number of addresses in the range (approximate above 2^53 for IPv6). */
  size: number;
}

export interface ParsedPool {
  name: string;
  ranges: PoolRange[];
  /**
   * Allocatable addresses: the ranges' size minus .0/.255 when avoidBuggyIPs is set and minus the
   * IPv6 subnet-router anycast addresses unless allowSubnetRouterAnycast is set.
   */
  size: number;
  avoidBuggyIPs: boolean;
  manualAssign: boolean;
  allowSubnetRouterAnycast: boolean;
}

export interface PoolError {
  pool: string;
  /** The offending entry, when the error is about one entry. */
  entry?: string;
  /** Index of the offending entry in the pool's `addresses`, when the error is about one entry. */
  index?: number;
  message: string;
}

export interface ParsePoolsResult {
  pools: ParsedPool[];
  errors: PoolError[];
}

/** Number of .0/.255 IPv4 addresses in [first, last]. */
export function countBuggy(first: bigint, last: bigint): bigint {
  // Addresses x with x mod 256 in {0, 255}: count for [0, n] is floor(n/256)*2 + (n%256 >= 0) + (n%256 >= 255).
  const upTo = (n: bigint): bigint => (n < 0n ? 0n : (n / 256n) * 2n + 1n + (n % 256n === 255n ? 1n : 0n));
  return upTo(last) - upTo(first - 1n);
}

/** One entry that parsed, before the overlap check. */
interface Candidate {
  pool: ParsedPool;
  entry: string;
  index: number;
  range: NumericRange;
}

/**
 * Parse and validate address pools. An entry that shares an address with an earlier entry (in
 * configuration order, within or across pools) is an error and is dropped; the message names the
 * first entry it overlaps (the same rule as api-types validation: see findOverlaps). Duplicate
 * pool names: the later pool is dropped.
 */
export function parsePools(pools: readonly AddressPoolInput[]): ParsePoolsResult {
  const out: ParsedPool[] = [];
  const errors: PoolError[] = [];
  const candidates: Candidate[] = [];
  const names = new Set<string>();
  for (const pool of Array.isArray(pools) ? pools : []) {
    const name = typeof pool?.name === 'string' ? pool.name : '';
    if (name === '') {
      errors.push({ pool: name, message: 'address pool has no name' });
      continue;
    }
    if (names.has(name)) {
      errors.push({
        pool: name,
        message: `duplicate address pool name "${name}"; the later pool is ignored`,
      });
      continue;
    }
    names.add(name);
    const parsed: ParsedPool = {
      name,
      ranges: [],
      size: 0,
      avoidBuggyIPs: pool.avoidBuggyIPs === true,
      manualAssign: pool.manualAssign === true,
      allowSubnetRouterAnycast: pool.allowSubnetRouterAnycast === true,
    };
    const entries: readonly unknown[] = Array.isArray(pool.addresses) ? pool.addresses : [];
    if (entries.length === 0) errors.push({ pool: name, message: `address pool "${name}" has no addresses` });
    entries.forEach((entry, index) => {
      const r = parsePoolEntry(entry);
      if (r.ok) candidates.push({ pool: parsed, entry: entry as string, index, range: r.value });
      else errors.push({ pool: name, entry: String(entry), index, message: `pool "${name}": ${r.error}` });
    });
    out.push(parsed);
  }
  const dropped = new Map<number, number>();
  for (const [earlier, later] of findOverlaps(candidates.map((c) => c.range))) dropped.set(later, earlier);
  candidates.forEach((c, i) => {
    const clash = dropped.get(i);
    const name = c.pool.name;
    if (clash !== undefined) {
      const other = candidates[clash]!;
      const where = other.pool === c.pool ? 'another entry of the same pool' : `pool "${other.pool.name}"`;
      errors.push({
        pool: name,
        entry: c.entry,
        index: c.index,
        message: `pool "${name}": ${c.entry} overlaps ${rangeText(other.range)} of ${where}; entry ignored`,
      });
      return;
    }
    const { family, first, last } = c.range;
    const count = last - first + 1n;
    let usable = c.pool.avoidBuggyIPs && family === 4 ? count - countBuggy(first, last) : count;
    if (!c.pool.allowSubnetRouterAnycast) usable -= countSubnetRouterAnycast(c.range);
    c.pool.ranges.push({
      family,
      first: formatAddress(family, first),
      last: formatAddress(family, last),
      entry: c.entry,
      size: Number(count),
      ...(c.range.prefix !== undefined ? { prefix: c.range.prefix } : {}),
    });
    c.pool.size += Number(usable);
  });
  return { pools: out, errors };
}
