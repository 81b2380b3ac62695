/**
 * Address and prefix text <-> bytes, without dependencies (this package has none) and without
 * allocating more than the result string. IPv6 text follows RFC 5952 (lowercase, longest zero run
 * compressed, `::ffff:a.b.c.d` for IPv4-mapped addresses).
 */
import type { AfiNumber } from './types.js';

/** Formats 4 octets at `offset` as a dotted quad. */
export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Formats a uint32 as a dotted quad. */
export function formatIpv4Number(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Parses a dotted quad into a uint32, or returns -1 when it is not one. */
export function parseIpv4(text: string, start = 0, end = text.length): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // No leading zeros (they are octal in some parsers), at most 3 digits, at most 255.
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** Writes a uint32 big-endian. */
function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 255;
  out[offset + 2] = (value >>> 8) & 255;
  out[offset + 3] = value & 255;
}

/** Formats 16 octets at `offset` as RFC 5952 IPv6 text. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
  const g = GROUPS;
  for (let i = 0; i < 8; i++) g[i] = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  // IPv4-mapped (::ffff:0:0/96) keeps the dotted quad, as RFC 5952 §5 recommends.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIpv4(bytes, offset + 12)}`;
  }
  return formatIpv6Groups(g);
}
const GROUPS = new Array<number>(8).fill(0);

/**
 * RFC 5952 text of an IPv6 address given as its eight 16-bit groups: lowercase hex without leading
 * zeros, the longest run of two or more zero groups (the first of equal runs) written `::`. The one
 * place the project writes IPv6 text; callers holding the address in another form (octets here, a
 * bigint in the allocator) fill the groups. No IPv4-mapped rule: formatIpv6 adds that for octets.
 */
export function formatIpv6Groups(g: ArrayLike<number>): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += '::';
      i += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += g[i]!.toString(16);
  }
  return text;
}

/**
 * Parses IPv6 text (with `::` and an optional trailing dotted quad) into 16 octets at `offset`
 * of `out`. Returns false when the text is not an IPv6 address. Zone ids are not accepted.
 */
export function parseIpv6(text: string, out: Uint8Array, offset = 0, start = 0, end = text.length): boolean {
  const groups: number[] = [];
  let doubleColonAt = -1;
  let i = start;
  if (end - start < 2) return false;
  if (text.charCodeAt(i) === 58) {
    if (text.charCodeAt(i + 1) !== 58) return false;
    doubleColonAt = 0;
    i += 2;
    if (i === end) {
      out.fill(0, offset, offset + 16);
      return true;
    }
  }
  while (i < end) {
    // Parse one group, or a trailing dotted quad.
    let j = i;
    let value = 0;
    while (j < end) {
      const c = text.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      value = value * 16 + d;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      const v4 = parseIpv4(text, i, end);
      if (v4 < 0 || groups.length > 6) return false;
      groups.push(v4 >>> 16, v4 & 0xffff);
      i = end;
      break;
    }
    if (j === i || j - i > 4) return false;
    groups.push(value);
    if (groups.length > 8) return false;
    if (j === end) {
      i = j;
      break;
    }
    if (text.charCodeAt(j) !== 58) return false;
    if (j + 1 < end && text.charCodeAt(j + 1) === 58) {
      if (doubleColonAt >= 0) return false;
      doubleColonAt = groups.length;
      i = j + 2;
      if (i === end) break;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (doubleColonAt < 0 ? groups.length !== 8 : groups.length > 7) return false;
  const zeros = 8 - groups.length;
  let k = 0;
  for (let n = 0; n < 8; n++) {
    let v: number;
    if (doubleColonAt >= 0 && n >= doubleColonAt && n < doubleColonAt + zeros) v = 0;
    else v = groups[k++]!;
    out[offset + 2 * n] = v >>> 8;
    out[offset + 2 * n + 1] = v & 255;
  }
  return true;
}

/** Parses an IPv4 or IPv6 address into a new 4- or 16-octet array; throws TypeError if invalid. */
export function parseAddress(text: string): Uint8Array {
  const v4 = parseIpv4(text);
  if (v4 >= 0) {
    const out = new Uint8Array(4);
    writeUint32(out, 0, v4);
    return out;
  }
  const out = new Uint8Array(16);
  if (parseIpv6(text, out)) return out;
  throw new TypeError(`not an IP address: ${JSON.stringify(text)}`);
}

/** Formats a 4- or 16-octet address. */
export function formatAddress(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** A parsed prefix: family, length and the address octets (16 for IPv6, 4 for IPv4). */
export interface ParsedPrefix {
  afi: AfiNumber;
  length: number;
  address: Uint8Array;
}

const scratch = new Uint8Array(16);

/**
 * Writes a prefix given as text (`10.0.0.0/24`, `2001:db8::/32`) in NLRI form (length octet plus
 * the minimum number of octets, host bits cleared) at `offset`. Returns the new offset.
 * Throws TypeError for text that is not a prefix. Returns -1 when it does not fit before `limit`.
 */
export function writePrefixText(text: string, out: Uint8Array, offset: number, limit = out.length): number {
  // Fast path for the common case, `a.b.c.d/len` in canonical form: one pass over the text.
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) break; // leading zero: the slow path refuses it
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) break;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      break;
    }
  }
  if (dots === 3 && digits > 0 && i < n && text.charCodeAt(i) === 47 && n - i >= 2 && n - i <= 3) {
    let length = 0;
    let ok = true;
    for (let j = i + 1; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c < 48 || c > 57) ok = false;
      length = length * 10 + (c - 48);
    }
    const v4 = value * 256 + octet;
    if (ok && length <= 32) {
      const bytes = (length + 7) >>> 3;
      if (offset + 1 + bytes > limit) return -1;
      out[offset] = length;
      const masked = length === 0 ? 0 : (v4 & (0xffffffff << (32 - length))) >>> 0;
      for (let k = 0; k < bytes; k++) out[offset + 1 + k] = (masked >>> (24 - 8 * k)) & 255;
      return offset + 1 + bytes;
    }
  }
  return writePrefixTextSlow(text, out, offset, limit);
}

function writePrefixTextSlow(text: string, out: Uint8Array, offset: number, limit: number): number {
  const slash = text.indexOf('/');
  if (slash < 0) throw new TypeError(`not a prefix (no /length): ${JSON.stringify(text)}`);
  let length = 0;
  const lenDigits = text.length - slash - 1;
  if (lenDigits < 1 || lenDigits > 3) throw new TypeError(`bad prefix length: ${JSON.stringify(text)}`);
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) throw new TypeError(`bad prefix length: ${JSON.stringify(text)}`);
    length = length * 10 + (c - 48);
  }
  const v4 = parseIpv4(text, 0, slash);
  if (v4 >= 0) {
    if (length > 32) throw new TypeError(`IPv4 prefix length over 32: ${JSON.stringify(text)}`);
    const n = (length + 7) >>> 3;
    if (offset + 1 + n > limit) return -1;
    out[offset] = length;
    const masked = length === 0 ? 0 : (v4 & (0xffffffff << (32 - length))) >>> 0;
    for (let i = 0; i < n; i++) out[offset + 1 + i] = (masked >>> (24 - 8 * i)) & 255;
    return offset + 1 + n;
  }
  if (!parseIpv6(text, scratch, 0, 0, slash)) throw new TypeError(`not a prefix: ${JSON.stringify(text)}`);
  if (length > 128) throw new TypeError(`IPv6 prefix length over 128: ${JSON.stringify(text)}`);
  const n = (length + 7) >>> 3;
  if (offset + 1 + n > limit) return -1;
  out[offset] = length;
  for (let i = 0; i < n; i++) out[offset + 1 + i] = scratch[i]!;
  if ((length & 7) !== 0) out[offset + n] = out[offset + n]! & (0xff << (8 - (length & 7)));
  return offset + 1 + n;
}

/**
 * The family of a prefix or address given as text: 2 when it is IPv6 (a colon comes before any
 * dot), else 1. Looks at the first few characters only.
 */
export function afiOf(text: string): AfiNumber {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) return 1;
    if (c === 58) return 2;
  }
  return 1;
}

/** Parses prefix text; throws TypeError when invalid. Host bits are cleared. */
export function parsePrefix(text: string): ParsedPrefix {
  const buf = new Uint8Array(17);
  const end = writePrefixText(text, buf, 0);
  const afi = afiOf(text);
  const address = new Uint8Array(afi === 1 ? 4 : 16);
  address.set(buf.subarray(1, end));
  return { afi, length: buf[0]!, address };
}

/**
 * Formats a prefix: `formatPrefix({ afi: 1, length: 32, address })` is `'10.0.0.1/32'`. The
 * address holds at least `ceil(length / 8)` octets; missing trailing octets are zero.
 */
export function formatPrefix(prefix: { afi: number; length: number; address: Uint8Array }): string {
  const n = prefix.afi === 1 ? 4 : 16;
  const full = new Uint8Array(n);
  full.set(prefix.address.subarray(0, Math.min(n, (prefix.length + 7) >>> 3)));
  return `${n === 4 ? formatIpv4(full) : formatIpv6(full)}/${prefix.length}`;
}

/** Canonical text of prefix text: `canonicalPrefix('10.1.2.3/8')` is `'10.0.0.0/8'`. */
export function canonicalPrefix(text: string): string {
  return formatPrefix(parsePrefix(text));
}
