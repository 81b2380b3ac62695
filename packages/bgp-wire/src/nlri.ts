/**
 * NLRI encoding (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3): each entry is an optional 4-octet path
 * id, a length octet and ceil(length/8) prefix octets. Decoding runs in two steps: `checkNlri`
 * validates a whole section (lengths, bounds) without allocating; `readNlri` or `forEachPrefix`
 * then walk the validated section.
 */
import { formatIpv4Number, formatIpv6 } from './address.js';
import type { AfiNumber, Nlri } from './types.js';

/** Validates an NLRI section; returns the number of entries, or a reason string. */
export function checkNlri(
  b: Uint8Array,
  start: number,
  end: number,
  afi: AfiNumber,
  addPath: boolean,
): number | string {
  const max = afi === 1 ? 32 : 128;
  let p = start;
  let count = 0;
  while (p < end) {
    if (addPath) {
      if (p + 4 >= end) return `ADD-PATH path identifier truncated at offset ${p}`;
      p += 4;
    }
    const length = b[p]!;
    if (length > max) return `prefix length ${length} is over ${max}`;
    p += 1 + ((length + 7) >>> 3);
    if (p > end) return `prefix of length ${length} runs past the end of the NLRI`;
    count++;
  }
  return count;
}

const v6 = new Uint8Array(16);
/** '0.'..'255.', '0'..'255' and '/0'..'/128': few concatenations, so short flat strings. */
const OCTET_DOT = Array.from({ length: 256 }, (_, i) => `${i}.`);
const OCTET = Array.from({ length: 256 }, (_, i) => `${i}`);
const SLASH = Array.from({ length: 129 }, (_, i) => `/${i}`);

/** Formats the prefix at b[p] (length octet first) as text, clearing host bits. */
export function prefixText(b: Uint8Array, p: number, afi: AfiNumber): string {
  const length = b[p]!;
  const n = (length + 7) >>> 3;
  const mask = (length & 7) === 0 ? 255 : (0xff << (8 - (length & 7))) & 255;
  if (afi === 1) {
    const o1 = n >= 1 ? (n === 1 ? b[p + 1]! & mask : b[p + 1]!) : 0;
    const o2 = n >= 2 ? (n === 2 ? b[p + 2]! & mask : b[p + 2]!) : 0;
    const o3 = n >= 3 ? (n === 3 ? b[p + 3]! & mask : b[p + 3]!) : 0;
    const o4 = n === 4 ? b[p + 4]! & mask : 0;
    return OCTET_DOT[o1]! + OCTET_DOT[o2]! + OCTET_DOT[o3]! + OCTET[o4]! + SLASH[length]!;
  }
  v6.fill(0);
  for (let i = 0; i < n; i++) v6[i] = b[p + 1 + i]!;
  if (n > 0) v6[n - 1] = v6[n - 1]! & mask;
  return `${formatIpv6(v6)}/${length}`;
}

/** Reads a section validated by `checkNlri`, appending to `out`. */
export function readNlri(
  b: Uint8Array,
  start: number,
  end: number,
  afi: AfiNumber,
  addPath: boolean,
  out: Nlri[],
): void {
  let p = start;
  while (p < end) {
    if (addPath) {
      const pathId = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      p += 4;
      out.push({ prefix: prefixText(b, p, afi), pathId });
    } else {
      out.push({ prefix: prefixText(b, p, afi) });
    }
    p += 1 + ((b[p]! + 7) >>> 3);
  }
}

/**
 * A reused view of one prefix for the bulk path ({@link decodeUpdateBulk}). The same object is
 * passed to every callback: copy what you keep. `ipv4` holds an IPv4 prefix as an unsigned 32-bit
 * number; `address` holds the prefix octets (4 for IPv4, 16 for IPv6), host bits cleared.
 */
export interface PrefixView {
  /** True for a withdrawal (or an announcement turned into one by treat-as-withdraw). */
  withdrawn: boolean;
  afi: AfiNumber;
  safi: number;
  length: number;
  ipv4: number;
  address: Uint8Array;
  /** The ADD-PATH path id, or -1 when the family has no path ids in this direction. */
  pathId: number;
}

/** Creates a PrefixView to reuse. */
export function createPrefixView(): PrefixView {
  return { withdrawn: false, afi: 1, safi: 1, length: 0, ipv4: 0, address: new Uint8Array(16), pathId: -1 };
}

/** Walks a section validated by `checkNlri`, filling `view` and calling `cb` for each prefix; returns the count. */
export function walkNlri(
  b: Uint8Array,
  start: number,
  end: number,
  afi: AfiNumber,
  addPath: boolean,
  view: PrefixView,
  cb: (view: PrefixView) => void,
): number {
  let p = start;
  let count = 0;
  view.afi = afi;
  const addr = view.address;
  while (p < end) {
    if (addPath) {
      view.pathId = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      p += 4;
    } else {
      view.pathId = -1;
    }
    const length = b[p]!;
    const n = (length + 7) >>> 3;
    const mask = (length & 7) === 0 ? 255 : (0xff << (8 - (length & 7))) & 255;
    view.length = length;
    if (afi === 1) {
      let v = 0;
      for (let i = 0; i < 4; i++) {
        let o = i < n ? b[p + 1 + i]! : 0;
        if (i === n - 1) o &= mask;
        addr[i] = o;
        v = (v << 8) | o;
      }
      view.ipv4 = v >>> 0;
    } else {
      addr.fill(0);
      for (let i = 0; i < n; i++) addr[i] = b[p + 1 + i]!;
      if (n > 0) addr[n - 1] = addr[n - 1]! & mask;
      view.ipv4 = 0;
    }
    cb(view);
    count++;
    p += 1 + n;
  }
  return count;
}

/** Text of a PrefixView: `10.0.0.0/24`. */
export function formatPrefixView(view: PrefixView): string {
  if (view.afi === 1) {
    return `${formatIpv4Number(view.ipv4)}/${view.length}`;
  }
  return `${formatIpv6(view.address)}/${view.length}`;
}
