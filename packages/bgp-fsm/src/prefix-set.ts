/**
 * Which prefixes a peer has announced (and not withdrawn), so that received-prefix counts are
 * exact (re-announcements and route refreshes do not count twice) without storing routes.
 * IPv4 prefixes without path ids are kept per prefix length: up to /16 in a bitmap (8 KiB at
 * most), /17 to /24 in a Set until a length holds 4096 prefixes and then in a bitmap (a full /24
 * table of 1M prefixes is 2 MiB), so a peer that sends a handful of routes costs almost nothing.
 * /25 to /32 (host routes: what load balancers announce) are kept per /16 block and length, in a
 * small Set of 16-bit indices until the block is dense enough for its bitmap (8 KiB for /32).
 * One Set of all of them (a heap number per prefix, re-hashed whole as it doubled) stalled the
 * event loop for milliseconds at a time during a 200k-route ingest and left garbage behind.
 * Everything else (path ids, IPv6) is kept in a Set.
 */
import { formatPrefixView, type PrefixView } from '@bgplb/bgp-wire';

/** Above this many prefixes of one length (17..24), that length switches to a bitmap. */
const BITMAP_THRESHOLD = 4096;

/** Where an IPv4 /25../32 lives: its /16 block and length (a small integer), and its index there. */
function blockKey(v: PrefixView): number {
  return (v.ipv4 >>> 16) * 64 + v.length;
}
function blockIndex(v: PrefixView): number {
  return (v.ipv4 & 0xffff) >>> (32 - v.length);
}
/** A block switches to its bitmap above this many prefixes: where the bitmap gets the smaller. */
function blockThreshold(length: number): number {
  return (1 << (length - 16)) >>> 7;
}

export class PrefixSet {
  /** Index = prefix length (0..24): one bit per possible prefix of that length. */
  private readonly bitmaps: (Uint32Array | undefined)[] = new Array(25);
  /** Lengths 17..24 before they switch to a bitmap: prefix index per length. */
  private readonly small: (Set<number> | undefined)[] = new Array(25);
  /** IPv4 /25../32 without path id, by blockKey: indices (sparse) or a bitmap (dense). */
  private readonly blocks = new Map<number, Set<number> | Uint32Array>();
  private readonly other = new Set<string>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  private bitmap(length: number): Uint32Array {
    let bits = this.bitmaps[length];
    if (bits === undefined) {
      bits = new Uint32Array(Math.max(1, (2 ** length) >>> 5));
      this.bitmaps[length] = bits;
      // Move what the small set held.
      for (const index of this.small[length] ?? [])
        bits[index >>> 5] = bits[index >>> 5]! | (1 << (index & 31));
      this.small[length] = undefined;
    }
    return bits;
  }

  /** Adds the prefix (with its path id); true when it was not there. */
  add(v: PrefixView): boolean {
    if (v.afi === 1 && v.pathId < 0 && v.length <= 24) {
      const index = v.length === 0 ? 0 : v.ipv4 >>> (32 - v.length);
      if (v.length > 16 && this.bitmaps[v.length] === undefined) {
        let set = this.small[v.length];
        if (set === undefined) {
          set = new Set();
          this.small[v.length] = set;
        }
        if (set.has(index)) return false;
        set.add(index);
        this.count++;
        if (set.size > BITMAP_THRESHOLD) this.bitmap(v.length);
        return true;
      }
      const bits = this.bitmap(v.length);
      const word = index >>> 5;
      const mask = 1 << (index & 31);
      if ((bits[word]! & mask) !== 0) return false;
      bits[word] = bits[word]! | mask;
      this.count++;
      return true;
    }
    if (v.afi === 1 && v.pathId < 0) return this.addToBlock(v);
    const key = this.key(v);
    if (this.other.has(key)) return false;
    this.other.add(key);
    this.count++;
    return true;
  }

  /** Removes the prefix; true when it was there. */
  delete(v: PrefixView): boolean {
    if (v.afi === 1 && v.pathId < 0 && v.length <= 24) {
      const index = v.length === 0 ? 0 : v.ipv4 >>> (32 - v.length);
      const bits = this.bitmaps[v.length];
      if (bits === undefined) {
        if (this.small[v.length]?.delete(index) !== true) return false;
        this.count--;
        return true;
      }
      const word = index >>> 5;
      const mask = 1 << (index & 31);
      if ((bits[word]! & mask) === 0) return false;
      bits[word] = bits[word]! & ~mask;
      this.count--;
      return true;
    }
    if (v.afi === 1 && v.pathId < 0) return this.deleteFromBlock(v);
    if (!this.other.delete(this.key(v))) return false;
    this.count--;
    return true;
  }

  private addToBlock(v: PrefixView): boolean {
    const key = blockKey(v);
    const index = blockIndex(v);
    let block = this.blocks.get(key);
    if (block === undefined) {
      block = new Set();
      this.blocks.set(key, block);
    }
    if (block instanceof Set) {
      if (block.has(index)) return false;
      block.add(index);
      this.count++;
      if (block.size > blockThreshold(v.length)) {
        const bits = new Uint32Array(Math.max(1, (1 << (v.length - 16)) >>> 5));
        for (const i of block) bits[i >>> 5] = bits[i >>> 5]! | (1 << (i & 31));
        this.blocks.set(key, bits);
      }
      return true;
    }
    const mask = 1 << (index & 31);
    if ((block[index >>> 5]! & mask) !== 0) return false;
    block[index >>> 5] = block[index >>> 5]! | mask;
    this.count++;
    return true;
  }

  private deleteFromBlock(v: PrefixView): boolean {
    const block = this.blocks.get(blockKey(v));
    if (block === undefined) return false;
    const index = blockIndex(v);
    if (block instanceof Set) {
      if (!block.delete(index)) return false;
      if (block.size === 0) this.blocks.delete(blockKey(v));
    } else {
      const mask = 1 << (index & 31);
      if ((block[index >>> 5]! & mask) === 0) return false;
      block[index >>> 5] = block[index >>> 5]! & ~mask;
    }
    this.count--;
    return true;
  }

  /** Path ids and IPv6: the prefix as text. */
  private key(v: PrefixView): string {
    return `${formatPrefixView(v)}#${v.pathId}`;
  }
}
