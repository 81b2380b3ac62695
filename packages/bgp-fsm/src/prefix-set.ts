/**
 * Which prefixes a peer has announced (and not withdrawn), so that received-prefix counts are
 * exact (re-announcements and route refreshes do not count twice) without storing routes.
 * IPv4 prefixes up to /24 without path ids live in lazily allocated bitmaps (a full /24 table
 * of 1M prefixes is 2 MiB); everything else in a Set.
 */
import { formatPrefixView, type PrefixView } from '@bgplb/bgp-wire';

export class PrefixSet {
  /** Index = prefix length (0..24): one bit per possible prefix of that length. */
  private readonly bitmaps: (Uint32Array | undefined)[] = new Array(25);
  private readonly other = new Set<string | number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the prefix (with its path id); true when it was not there. */
  add(v: PrefixView): boolean {
    if (v.afi === 1 && v.pathId < 0 && v.length <= 24) {
      let bits = this.bitmaps[v.length];
      if (bits === undefined) {
        bits = new Uint32Array(Math.max(1, (2 ** v.length) >>> 5));
        this.bitmaps[v.length] = bits;
      }
      const index = v.length === 0 ? 0 : v.ipv4 >>> (32 - v.length);
      const word = index >>> 5;
      const mask = 1 << (index & 31);
      if ((bits[word]! & mask) !== 0) return false;
      bits[word] = bits[word]! | mask;
      this.count++;
      return true;
    }
    const key = this.key(v);
    if (this.other.has(key)) return false;
    this.other.add(key);
    this.count++;
    return true;
  }

  /** Removes the prefix; true when it was there. */
  delete(v: PrefixView): boolean {
    if (v.afi === 1 && v.pathId < 0 && v.length <= 24) {
      const bits = this.bitmaps[v.length];
      if (bits === undefined) return false;
      const index = v.length === 0 ? 0 : v.ipv4 >>> (32 - v.length);
      const word = index >>> 5;
      const mask = 1 << (index & 31);
      if ((bits[word]! & mask) === 0) return false;
      bits[word] = bits[word]! & ~mask;
      this.count--;
      return true;
    }
    if (!this.other.delete(this.key(v))) return false;
    this.count--;
    return true;
  }

  private key(v: PrefixView): string | number {
    // IPv4 without path id (lengths 25..32): a number key; everything else: text.
    if (v.afi === 1 && v.pathId < 0) return v.ipv4 * 64 + v.length;
    return `${formatPrefixView(v)}#${v.pathId}`;
  }
}
