import ipaddr from 'ipaddr.js';

/** One decimal octet without leading zeros (0..255), for the OpenAPI patterns. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** Dotted-quad IPv4 address, strict (no leading zeros, exactly four parts). */
export const IPV4_PATTERN_SOURCE = `${OCTET}(\\.${OCTET}){3}`;
/** OpenAPI `pattern` of an IPv4 address field. */
export const IPV4_PATTERN = `^${IPV4_PATTERN_SOURCE}$`;
/** OpenAPI `pattern` of an IPv4 prefix `a.b.c.d/len`. */
export const IPV4_CIDR_PATTERN = `^${IPV4_PATTERN_SOURCE}/([0-9]|[12][0-9]|3[0-2])$`;
/** OpenAPI `pattern` of an address-pool entry: a range `a-b` or a CIDR. */
export const POOL_ENTRY_PATTERN = `^${IPV4_PATTERN_SOURCE}(-${IPV4_PATTERN_SOURCE}|/([0-9]|[12][0-9]|3[0-2]))$`;

const ipv4Regex = new RegExp(IPV4_PATTERN);

/** True for a strict dotted-quad IPv4 address such as `10.0.0.1`. */
export function isIPv4(text: string): boolean {
  return ipv4Regex.test(text);
}

/** True for any IPv6 address text (`2001:db8::1`), which we recognise only to say it is not supported. */
export function isIPv6(text: string): boolean {
  return text.includes(':') && ipaddr.IPv6.isValid(text);
}

/** An IPv4 address as an unsigned 32-bit number. The caller has checked `isIPv4`. */
export function ipv4ToNumber(text: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = ipaddr.IPv4.parse(text).octets;
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

/** An unsigned 32-bit number as dotted-quad text. */
export function numberToIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** An inclusive range of IPv4 addresses, as numbers. */
export interface IPv4Range {
  readonly start: number;
  readonly end: number;
}

/** The result of reading one address-pool entry. */
export type PoolEntryResult = { ok: true; range: IPv4Range } | { ok: false; message: string };

/**
 * Reads an address-pool entry: a range `10.0.0.1-10.0.0.4` (inclusive, start <= end) or a CIDR
 * `10.0.0.0/30` (no host bits set). The message of a refusal names the value and says why.
 */
export function parsePoolEntry(entry: string): PoolEntryResult {
  const dash = entry.indexOf('-');
  if (dash >= 0) {
    const first = entry.slice(0, dash).trim();
    const last = entry.slice(dash + 1).trim();
    const v6 = [first, last].filter(isIPv6).length;
    const v4 = [first, last].filter(isIPv4).length;
    if (v6 === 2) return { ok: false, message: `IPv6 range "${entry}" is not supported yet (IPv4 only)` };
    if (v4 === 1 && v6 === 1) {
      return { ok: false, message: `range "${entry}" mixes IPv4 and IPv6; both ends must be IPv4` };
    }
    if (v4 !== 2) {
      const bad = isIPv4(first) ? last : first;
      return { ok: false, message: `range "${entry}": "${bad}" is not a valid IPv4 address` };
    }
    const start = ipv4ToNumber(first);
    const end = ipv4ToNumber(last);
    if (start > end) {
      return {
        ok: false,
        message: `range "${entry}" is written backwards: start ${first} is after end ${last} (write ${last}-${first})`,
      };
    }
    return { ok: true, range: { start, end } };
  }
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const address = entry.slice(0, slash);
    const lengthText = entry.slice(slash + 1);
    if (isIPv6(address))
      return { ok: false, message: `IPv6 prefix "${entry}" is not supported yet (IPv4 only)` };
    if (!isIPv4(address))
      return { ok: false, message: `"${entry}": "${address}" is not a valid IPv4 address` };
    if (!/^([0-9]|[12][0-9]|3[0-2])$/.test(lengthText)) {
      return { ok: false, message: `"${entry}": prefix length "${lengthText}" is not in 0..32` };
    }
    const length = Number(lengthText);
    const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
    const base = ipv4ToNumber(address);
    const network = (base & mask) >>> 0;
    if (network !== base) {
      return {
        ok: false,
        message: `CIDR "${entry}" has host bits set; the network is ${numberToIPv4(network)}/${length}`,
      };
    }
    return { ok: true, range: { start: network, end: (network | ~mask) >>> 0 } };
  }
  if (isIPv6(entry))
    return { ok: false, message: `IPv6 address "${entry}" is not supported yet (IPv4 only)` };
  return {
    ok: false,
    message: `"${entry}" is neither a range (10.0.0.1-10.0.0.4) nor a CIDR (10.0.0.0/30); a single address is written a.b.c.d/32`,
  };
}

/** True when the two inclusive ranges share at least one address. */
export function rangesOverlap(a: IPv4Range, b: IPv4Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** True when `address` (a number) lies inside `range`. */
export function rangeContains(range: IPv4Range, address: number): boolean {
  return range.start <= address && address <= range.end;
}

/**
 * Finds ranges that share addresses with an earlier range (by index). Returns pairs
 * `[earlier, later]`, sorted by `later`, each `later` at most once; empty exactly when no two ranges
 * overlap. Sorting makes it O(n log n), so pools with thousands of entries validate quickly.
 */
export function findOverlaps(ranges: readonly IPv4Range[]): Array<[number, number]> {
  const order = ranges.map((range, index) => ({ range, index }));
  order.sort((a, b) => a.range.start - b.range.start || a.index - b.index);
  const found = new Map<number, number>();
  let widest: { range: IPv4Range; index: number } | undefined;
  for (const current of order) {
    if (widest !== undefined && rangesOverlap(widest.range, current.range)) {
      const earlier = Math.min(widest.index, current.index);
      const later = Math.max(widest.index, current.index);
      if (!found.has(later)) found.set(later, earlier);
    }
    if (widest === undefined || current.range.end > widest.range.end) widest = current;
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([later, earlier]) => [earlier, later]);
}
