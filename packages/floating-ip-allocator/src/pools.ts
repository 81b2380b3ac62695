/**
 * Address pools (`loadBalancer.addressPools`): parsing and validation.
 *
 * Entries are ranges `10.0.0.1-10.0.0.4`, CIDRs `10.0.0.0/30` (every address, network and
 * broadcast included; see avoidBuggyIPs) or single addresses. IPv4 and IPv6. Errors are
 * returned as data: a bad entry is dropped with a message naming the pool and the entry, and
 * every good entry is kept.
 */
import { type Family, formatAddress, parseAddress, parseCIDR } from './address.js';

/** One entry of `loadBalancer.addressPools` as written by the operator. */
export interface AddressPoolInput {
  name: string;
  /** Ranges `first-last`, CIDRs `network/prefix`, or single addresses. */
  addresses: readonly string[];
  /** Never hand out IPv4 addresses ending in .0 or .255 (some clients mishandle them). */
  avoidBuggyIPs?: boolean | undefined;
  /** Serve only Services that request an address from this pool explicitly. */
  manualAssign?: boolean | undefined;
}

/** A validated, contiguous range of a pool (inclusive bounds, canonical text). */
export interface PoolRange {
  family: Family;
  first: string;
  last: string;
  /** The entry as the operator wrote it. */
  entry: string;
  /** Number of addresses in the range (approximate above 2^53 for IPv6). */
  size: number;
}

export interface ParsedPool {
  name: string;
  ranges: PoolRange[];
  /** Allocatable addresses: the ranges' size minus .0/.255 when avoidBuggyIPs is set. */
  size: number;
  avoidBuggyIPs: boolean;
  manualAssign: boolean;
}

export interface PoolError {
  pool: string;
  /** The offending entry, when the error is about one entry. */
  entry?: string;
  message: string;
}

export interface ParsePoolsResult {
  pools: ParsedPool[];
  errors: PoolError[];
}

/** Internal numeric form of a range. */
export interface NumericRange {
  family: Family;
  first: bigint;
  last: bigint;
}

/** Parse one pool entry into a numeric range, or an error message. */
export function parsePoolEntry(
  entry: string,
): { ok: true; value: NumericRange } | { ok: false; error: string } {
  if (typeof entry !== 'string')
    return { ok: false, error: `address entry must be a string, got ${JSON.stringify(entry)}` };
  if (entry.trim() === '') return { ok: false, error: 'empty address entry' };
  const text = entry.trim();
  if (text.includes('/')) {
    const c = parseCIDR(text);
    if (!c.ok) return c;
    if (c.value.address !== c.value.first) {
      return {
        ok: false,
        error: `"${text}" has host bits set; the network is ${formatAddress(c.value.family, c.value.first)}/${c.value.prefix}`,
      };
    }
    return { ok: true, value: { family: c.value.family, first: c.value.first, last: c.value.last } };
  }
  const dash = text.indexOf('-');
  if (dash >= 0) {
    const a = parseAddress(text.slice(0, dash).trim());
    const b = parseAddress(text.slice(dash + 1).trim());
    if (!a.ok) return { ok: false, error: `range "${text}": start ${a.error}` };
    if (!b.ok) return { ok: false, error: `range "${text}": end ${b.error}` };
    if (a.value.family !== b.value.family) {
      return { ok: false, error: `range "${text}" mixes IPv4 and IPv6` };
    }
    if (a.value.value > b.value.value) {
      return { ok: false, error: `range "${text}" ends before it starts` };
    }
    return { ok: true, value: { family: a.value.family, first: a.value.value, last: b.value.value } };
  }
  const single = parseAddress(text);
  if (!single.ok) {
    return { ok: false, error: `"${text}" is not a range (a-b), a CIDR (a/n) or an address` };
  }
  return {
    ok: true,
    value: { family: single.value.family, first: single.value.value, last: single.value.value },
  };
}

/** Number of .0/.255 IPv4 addresses in [first, last]. */
export function countBuggy(first: bigint, last: bigint): bigint {
  // Addresses x with x mod 256 in {0, 255}: count for [0, n] is floor(n/256)*2 + (n%256 >= 0) + (n%256 >= 255).
  const upTo = (n: bigint): bigint => (n < 0n ? 0n : (n / 256n) * 2n + 1n + (n % 256n === 255n ? 1n : 0n));
  return upTo(last) - upTo(first - 1n);
}

function rangeText(r: NumericRange): string {
  return `${formatAddress(r.family, r.first)}-${formatAddress(r.family, r.last)}`;
}

/**
 * Parse and validate address pools. Overlaps (within or across pools) are errors: the later
 * entry, in configuration order, is dropped. Duplicate pool names: the later pool is dropped.
 */
export function parsePools(pools: readonly AddressPoolInput[]): ParsePoolsResult {
  const out: ParsedPool[] = [];
  const errors: PoolError[] = [];
  const taken: { pool: string; range: NumericRange }[] = [];
  const names = new Set<string>();
  for (const pool of pools ?? []) {
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
    const avoidBuggyIPs = pool.avoidBuggyIPs === true;
    const parsed: ParsedPool = {
      name,
      ranges: [],
      size: 0,
      avoidBuggyIPs,
      manualAssign: pool.manualAssign === true,
    };
    const entries = Array.isArray(pool.addresses) ? pool.addresses : [];
    if (entries.length === 0) errors.push({ pool: name, message: `address pool "${name}" has no addresses` });
    for (const entry of entries) {
      const r = parsePoolEntry(entry);
      if (!r.ok) {
        errors.push({ pool: name, entry: String(entry), message: `pool "${name}": ${r.error}` });
        continue;
      }
      const range = r.value;
      const clash = taken.find(
        (t) => t.range.family === range.family && t.range.first <= range.last && range.first <= t.range.last,
      );
      if (clash) {
        const where = clash.pool === name ? 'another entry of the same pool' : `pool "${clash.pool}"`;
        errors.push({
          pool: name,
          entry,
          message: `pool "${name}": ${entry} overlaps ${rangeText(clash.range)} of ${where}; entry ignored`,
        });
        continue;
      }
      taken.push({ pool: name, range });
      let size = range.last - range.first + 1n;
      if (avoidBuggyIPs && range.family === 4) size -= countBuggy(range.first, range.last);
      parsed.ranges.push({
        family: range.family,
        first: formatAddress(range.family, range.first),
        last: formatAddress(range.family, range.last),
        entry,
        size: Number(range.last - range.first + 1n),
      });
      parsed.size += Number(size);
    }
    out.push(parsed);
  }
  return { pools: out, errors };
}
