/**
 * Addresses as numbers. Parsing goes through ipaddr.js (strict forms only: four-part decimal
 * IPv4, standard IPv6 without zone); a tight fast path handles canonical dotted quads because
 * a full recompute parses one address per Service (10k+ per reconcile). The text forms (dotted
 * quads, RFC 5952 IPv6) are bgp-wire's, which owns them: it has no dependencies, and one writer
 * keeps the controller's VIP text and the wire's prefix text the same.
 */
import { formatIpv4Number, formatIpv6Groups, parseIpv4 } from '@bgplb/bgp-wire';
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

/** A parsed IP address: its family and its value as an unsigned integer. */
export interface ParsedAddress {
  family: Family;
  value: bigint;
}

/** A parsed CIDR: the address as written, its prefix length and the network it lies in. */
export interface ParsedCIDR {
  family: Family;
  /** The address as written (host bits kept), e.g. 10.0.1.10 in 10.0.1.10/24. */
  address: bigint;
  prefix: number;
  /** First and last address of the network. */
  first: bigint;
  last: bigint;
}

/** Parse result: a value, or a human-readable error. Bad input is data, never a throw. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const FAMILY_BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function familyBits(family: Family): number {
  return FAMILY_BITS[family];
}

/** Canonical dotted quad (no leading zeros) -> number, or -1 (bgp-wire's parser, dependency-free). */
export function fastIPv4(text: string): number {
  return parseIpv4(text);
}

/** True for a canonical dotted-quad IPv4 address such as `10.0.0.1` (no leading zeros). */
export function isIPv4(text: unknown): text is string {
  return typeof text === 'string' && fastIPv4(text) >= 0;
}

/**
 * True for IPv6 address text such as `2001:db8::1` (no zone). A dotted-quad tail (`::ffff:10.0.0.1`)
 * must be strict too: ipaddr.js accepts leading zeros there (`::0.0.0.01`), RFC 4291 does not.
 */
export function isIPv6(text: unknown): text is string {
  if (typeof text !== 'string' || text.includes('%') || !text.includes(':')) return false;
  if (text.includes('.') && fastIPv4(text.slice(text.lastIndexOf(':') + 1)) < 0) return false;
  return ipaddr.IPv6.isValid(text);
}

/** A canonical dotted quad as an unsigned 32-bit number, or undefined when it is not one. */
export function ipv4ToNumber(text: string): number | undefined {
  const n = fastIPv4(text);
  return n < 0 ? undefined : n;
}

function bytesToBigInt(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * The message for an IPv6 address written with a zone index (`fe80::1%eth0`), which bgplb never
 * takes in an address field; undefined for any other text.
 */
export function zoneIndexError(text: string): string | undefined {
  const zone = text.indexOf('%');
  if (zone <= 0 || !isIPv6(text.slice(0, zone))) return undefined;
  return `"${text}" has a zone index (${text.slice(zone)}); write the address without it`;
}

/**
 * Hex-and-colon IPv6 text (no dotted tail) -> number, or undefined when it is not exactly that.
 * The allocator parses one address per release and per sticky VIP; ipaddr.js's validate-then-parse
 * costs ~10x more. Anything this refuses still goes to ipaddr.js, so it only needs to be right on
 * what it accepts (a property test checks it against ipaddr.js).
 */
export function fastIPv6(text: string): bigint | undefined {
  const n = text.length;
  if (n < 2 || n > 39) return undefined;
  const groups: number[] = [];
  let gap = -1; // index in groups where '::' stands
  let value = 0;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) {
      if (i + 1 < n && text.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return undefined; // a second '::'
        if (digits > 0) groups.push(value);
        else if (i !== 0) return undefined; // ':::' or ':' before '::' after a colon
        gap = groups.length;
        i++;
        value = 0;
        digits = 0;
        continue;
      }
      if (digits === 0) return undefined; // leading ':' or empty group
      groups.push(value);
      value = 0;
      digits = 0;
      continue;
    }
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return undefined;
    if (++digits > 4) return undefined;
    value = value * 16 + d;
  }
  if (digits > 0) groups.push(value);
  else if (gap !== groups.length || n < 2 || text.charCodeAt(n - 1) !== 58) return undefined; // trailing ':'
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined;
  let hi = 0n;
  const missing = 8 - groups.length;
  const all =
    gap < 0 ? groups : [...groups.slice(0, gap), ...new Array<number>(missing).fill(0), ...groups.slice(gap)];
  for (let i = 0; i < 8; i++) hi = (hi << 16n) | BigInt(all[i]!);
  return hi;
}

/** RFC 5952 text of an IPv6 address held in a number (bgp-wire's formatter, on its eight groups). */
export function formatIPv6(value: bigint): string {
  // Four 32-bit words (four bigint operations), then plain numbers: this runs once per allocation.
  const g = IPV6_GROUPS;
  for (let w = 3, v = value; w >= 0; w--, v >>= 32n) {
    const word = Number(v & 0xffffffffn);
    g[w * 2] = word >>> 16;
    g[w * 2 + 1] = word & 0xffff;
  }
  return formatIpv6Groups(g);
}
const IPV6_GROUPS = new Array<number>(8).fill(0);

/** Parse an IPv4 (four-part decimal) or IPv6 address. */
export function parseAddress(text: string): Parsed<ParsedAddress> {
  if (typeof text !== 'string') return { ok: false, error: `not an IP address: ${String(text)}` };
  const fast = fastIPv4(text);
  if (fast >= 0) return { ok: true, value: { family: 4, value: BigInt(fast) } };
  const fast6 = fastIPv6(text);
  if (fast6 !== undefined) return { ok: true, value: { family: 6, value: fast6 } };
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return { ok: true, value: { family: 4, value: bytesToBigInt(ipaddr.IPv4.parse(text).toByteArray()) } };
  }
  if (isIPv6(text)) {
    return { ok: true, value: { family: 6, value: bytesToBigInt(ipaddr.IPv6.parse(text).toByteArray()) } };
  }
  const zone = zoneIndexError(text);
  if (zone !== undefined) return { ok: false, error: zone };
  return { ok: false, error: `"${text}" is not a valid IPv4 (a.b.c.d) or IPv6 address` };
}

/** Parse `address/prefix` (host bits may be set, as in a node's interface address). */
export function parseCIDR(text: string): Parsed<ParsedCIDR> {
  if (typeof text !== 'string') return { ok: false, error: `not a CIDR: ${String(text)}` };
  const slash = text.indexOf('/');
  if (slash < 0)
    return { ok: false, error: `"${text}" has no prefix length (expected CIDR form like 10.0.1.10/24)` };
  const addr = parseAddress(text.slice(0, slash));
  if (!addr.ok) return { ok: false, error: `"${text}": ${addr.error}` };
  const prefixText = text.slice(slash + 1);
  const bits = familyBits(addr.value.family);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    return { ok: false, error: `"${text}": prefix length must be an integer from 0 to ${bits}` };
  }
  const prefix = Number(prefixText);
  const hostBits = BigInt(bits - prefix);
  const first = (addr.value.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { ok: true, value: { family: addr.value.family, address: addr.value.value, prefix, first, last } };
}

/** Format a numeric address: dotted quad for IPv4, RFC 5952 for IPv6. */
export function formatAddress(family: Family, value: bigint): string {
  return family === 4 ? formatIPv4(Number(value)) : formatIPv6(value);
}

/** Format an IPv4 address held in a number. */
export const formatIPv4: (n: number) => string = formatIpv4Number;

/**
 * The family of address text, or undefined when it is no address. A canonical dotted quad is
 * answered without parsing: this runs per next hop and per VIP.
 */
export function addressFamily(text: string): Family | undefined {
  if (fastIPv4(text) >= 0) return 4;
  const p = parseAddress(text);
  return p.ok ? p.value.family : undefined;
}

/** `IPv4` or `IPv6`, as Kubernetes writes families (Service `spec.ipFamilies`). */
export function familyName(family: Family): 'IPv4' | 'IPv6' {
  return family === 4 ? 'IPv4' : 'IPv6';
}

/** Canonical text of an address (so 2001:DB8::1 and 2001:db8:0::1 compare equal). */
export function canonicalAddress(text: string): string | undefined {
  if (typeof text === 'string' && fastIPv4(text) >= 0) return text; // already canonical
  const p = parseAddress(text);
  return p.ok ? formatAddress(p.value.family, p.value.value) : undefined;
}

/** The network of a CIDR in canonical `network/prefix` form. */
export function formatNetwork(c: ParsedCIDR): string {
  return `${formatAddress(c.family, c.first)}/${c.prefix}`;
}

/** Order two parsed addresses: IPv4 before IPv6, then numerically. */
export function compareAddresses(a: ParsedAddress, b: ParsedAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/**
 * Orders address texts numerically (IPv4 before IPv6; text that is no address last, by text), for
 * stable, human-friendly lists of next hops and nodes.
 */
export function compareAddressText(a: string, b: string): number {
  const fa = fastIPv4(a);
  const fb = fastIPv4(b);
  if (fa >= 0 && fb >= 0) return fa - fb;
  const pa = parseAddress(a);
  const pb = parseAddress(b);
  if (pa.ok && pb.ok) return compareAddresses(pa.value, pb.value) || (a < b ? -1 : a > b ? 1 : 0);
  if (pa.ok !== pb.ok) return pa.ok ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `ip` lies inside `cidr` (both IPv4 or both IPv6). Malformed input is never inside. */
export function inSubnet(ip: string, cidr: string): boolean {
  const a = parseAddress(ip);
  const c = parseCIDR(cidr);
  if (!a.ok || !c.ok || a.value.family !== c.value.family) return false;
  return a.value.value >= c.value.first && a.value.value <= c.value.last;
}

/** Milliseconds since the epoch from a number (ms), an ISO-8601 string or a Date. */
export function toMillis(t: number | string | Date | null | undefined): number | undefined {
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'number') return Number.isFinite(t) ? t : undefined;
  if (t instanceof Date) return Number.isFinite(t.getTime()) ? t.getTime() : undefined;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}
