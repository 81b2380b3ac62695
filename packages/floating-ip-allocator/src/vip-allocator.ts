/**
 * Incremental Service VIP allocator over address pools.
 *
 * Addresses are never expanded into strings: each pool range is a bitmap (one bit per address,
 * 8 KiB for a /16) with a cursor to the lowest word that may have a free bit, so "lowest free
 * address" is a word scan and allocate/release are O(1) amortised. Ranges larger than 2^22
 * addresses (big IPv6 pools) use a sparse set of allocated offsets instead.
 *
 * IPv4 and IPv6 blocks are kept apart: `allocate` takes the family to hand out, so a dual-stack
 * Service asks once per family. IPv6 subnet-router anycast addresses are never handed out unless
 * the pool sets allowSubnetRouterAnycast (see subnet-router-anycast.ts).
 */
import { type Family, fastIPv4, formatAddress, formatIPv4, parseAddress } from './address.js';
import { BigIntMinHeap } from './min-heap.js';
import type { NumericRange } from './pool-entry.js';
import { type AddressPoolInput, type ParsedPool, type PoolError, parsePools } from './pools.js';
import { isSubnetRouterAnycast, subnetRouterAnycasts } from './subnet-router-anycast.js';

/** How full a pool is. `used` counts allocations and reservations (such as the control-plane VIP). */
export interface PoolUsage {
  pool: string;
  size: number;
  used: number;
}

export type AllocateResult = { ok: true; ip: string; pool: string } | { ok: false; error: string };

const BITMAP_LIMIT = 1 << 22;

interface PoolState {
  name: string;
  manualAssign: boolean;
  avoidBuggyIPs: boolean;
  size: number;
  used: number;
  blocks: Block[];
}

interface Block {
  pool: PoolState;
  family: Family;
  first: bigint;
  last: bigint;
  /** first and last as numbers, for IPv4 fast paths. */
  firstNum: number;
  lastNum: number;
  size: number;
  /** Bit set = address not available (allocated, buggy, or past the end). */
  bits: Uint32Array | undefined;
  /** Sparse mode: true (allocated offsets are the keys of `owners`). */
  sparse: boolean;
  /** Owner per allocated offset: number keys for bitmap blocks, bigint keys for sparse ones. */
  owners: Map<number | bigint, string>;
  /** Lowest word (bitmap) that may be free. */
  cursor: number;
  /**
   * Sparse mode: every offset below the cursor is allocated or reserved, except those in
   * `released` (offsets freed below the cursor; an entry taken again by allocateSpecific is stale
   * and skipped when popped). So the lowest free offset is the heap's least live entry, or the
   * first free one from the cursor: O(log n), never a scan over the held addresses.
   */
  sparseCursor: bigint;
  released: BigIntMinHeap;
  buggy: boolean;
  /** The range as parsed, for the subnet-router anycast rule. */
  range: NumericRange;
  /** Skip (and refuse) IPv6 subnet-router anycast addresses. */
  avoidAnycast: boolean;
}

interface Located {
  block: Block;
  off: number;
  big: bigint;
  canonical: string;
}

function isBuggyIPv4(n: number): boolean {
  const low = n & 255;
  return low === 0 || low === 255;
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * Allocates VIPs from pools. Pools are tried in configuration order; within a pool, the lowest
 * free address is handed out first. The allocator remembers the owner (Service key) of each
 * address so errors can name who holds it.
 */
export class VipAllocator {
  readonly pools: readonly ParsedPool[];
  private readonly states: PoolState[] = [];
  private readonly blocks: Block[] = [];

  constructor(pools: readonly ParsedPool[]) {
    this.pools = pools;
    for (const p of pools) {
      const state: PoolState = {
        name: p.name,
        manualAssign: p.manualAssign,
        avoidBuggyIPs: p.avoidBuggyIPs,
        size: p.size,
        used: 0,
        blocks: [],
      };
      for (const r of p.ranges) {
        const a = parseAddress(r.first);
        const b = parseAddress(r.last);
        /* v8 ignore next */
        if (!a.ok || !b.ok) continue; // ranges come from parsePools and always re-parse
        const family = a.value.family;
        const first = a.value.value;
        const last = b.value.value;
        const count = last - first + 1n;
        const buggy = p.avoidBuggyIPs && family === 4;
        const range: NumericRange = { family, first, last, prefix: r.prefix };
        const block: Block = {
          pool: state,
          family,
          first,
          last,
          firstNum: family === 4 ? Number(first) : 0,
          lastNum: family === 4 ? Number(last) : -1,
          size: Number(count),
          bits: undefined,
          sparse: false,
          owners: new Map(),
          cursor: 0,
          sparseCursor: 0n,
          released: new BigIntMinHeap(),
          buggy,
          range,
          avoidAnycast: family === 6 && !p.allowSubnetRouterAnycast,
        };
        if (count <= BigInt(BITMAP_LIMIT)) {
          const words = Math.ceil(block.size / 32);
          const bits = new Uint32Array(words);
          const tail = block.size % 32;
          if (tail !== 0) bits[words - 1] = ~((1 << tail) - 1) >>> 0;
          if (buggy) {
            // Every address ending in .0 or .255: two per 256, visited directly.
            const start = (256 - (block.firstNum % 256)) % 256; // offset of the first .0
            for (const first of [start, start - 1 < 0 ? start + 255 : start - 1]) {
              for (let off = first; off < block.size; off += 256) bits[off >>> 5]! |= 1 << (off & 31);
            }
          }
          if (block.avoidAnycast) {
            // At most two in a bitmap block: the entry's own network and one /64 boundary.
            for (const v of subnetRouterAnycasts(range, 2) ?? []) {
              const off = Number(v - first);
              bits[off >>> 5]! |= 1 << (off & 31);
            }
          }
          block.bits = bits;
        } else {
          block.sparse = true;
        }
        state.blocks.push(block);
        this.blocks.push(block);
      }
      this.states.push(state);
    }
  }

  /** Build from the operator's pool configuration; pool errors are returned, not thrown. */
  static fromConfig(pools: readonly AddressPoolInput[]): { allocator: VipAllocator; errors: PoolError[] } {
    const parsed = parsePools(pools);
    return { allocator: new VipAllocator(parsed.pools), errors: parsed.errors };
  }

  private format(block: Block, offset: number): string {
    return block.family === 4
      ? formatIPv4(block.firstNum + offset)
      : formatAddress(block.family, block.first + BigInt(offset));
  }

  /**
   * Find the block holding `ip`. `off` is the offset as a number (bitmap blocks), `big` the
   * offset as a bigint (sparse blocks). Canonical IPv4 text takes a path without bigints.
   */
  private locate(ip: string): Located | { error: string } {
    const fast = fastIPv4(ip);
    if (fast >= 0) {
      for (const b of this.blocks) {
        if (b.family === 4 && fast >= b.firstNum && fast <= b.lastNum) {
          const off = fast - b.firstNum;
          return { block: b, off, big: b.sparse ? BigInt(off) : 0n, canonical: ip };
        }
      }
      return { error: `${ip} is not in any address pool` };
    }
    const p = parseAddress(ip);
    if (!p.ok) return { error: p.error };
    const { family, value } = p.value;
    const canonical = formatAddress(family, value);
    for (const b of this.blocks) {
      if (b.family === family && value >= b.first && value <= b.last) {
        const big = value - b.first;
        return { block: b, off: b.bits ? Number(big) : 0, big, canonical };
      }
    }
    return { error: `${canonical} is not in any address pool` };
  }

  /** The pool containing `ip`, if any. */
  poolOf(ip: string): string | undefined {
    const l = this.locate(ip);
    return 'block' in l ? l.block.pool.name : undefined;
  }

  /** The owner recorded when `ip` was allocated or reserved. */
  ownerOf(ip: string): string | undefined {
    const l = this.locate(ip);
    return 'block' in l ? l.block.owners.get(l.block.sparse ? l.big : l.off) : undefined;
  }

  isAllocated(ip: string): boolean {
    return this.ownerOf(ip) !== undefined;
  }

  /**
   * Allocate a specific address for `owner` (a requested IP, or a sticky one read back from
   * status). Works in manualAssign pools too. Fails with a reason when the address is outside
   * every pool, is a .0/.255 address in an avoidBuggyIPs pool, or is already taken.
   */
  allocateSpecific(ip: string, owner: string): AllocateResult {
    const l = this.locate(ip);
    if ('error' in l) return { ok: false, error: l.error };
    const { block, off, big, canonical } = l;
    const key = block.sparse ? big : off;
    const holder = block.owners.get(key);
    if (holder !== undefined) {
      return {
        ok: false,
        error:
          holder === owner
            ? `${canonical} is already allocated to ${owner}`
            : `${canonical} is in use by ${holder}`,
      };
    }
    if (block.buggy && isBuggyIPv4(block.bits ? block.firstNum + off : Number(block.first + big))) {
      return {
        ok: false,
        error: `${canonical} ends in .0 or .255 and pool "${block.pool.name}" has avoidBuggyIPs set`,
      };
    }
    if (block.avoidAnycast && isSubnetRouterAnycast(block.range, block.first + big)) {
      return {
        ok: false,
        error: `${canonical} is an IPv6 subnet-router anycast address (all-zero host); pool "${block.pool.name}" hands it out only with allowSubnetRouterAnycast: true`,
      };
    }
    if (block.bits) block.bits[off >>> 5]! |= 1 << (off & 31);
    block.owners.set(key, owner);
    block.pool.used++;
    return { ok: true, ip: canonical, pool: block.pool.name };
  }

  /**
   * Allocate the lowest free address for `owner` from the first pool (in configuration order)
   * that has one, skipping manualAssign pools. `family` restricts the pools (default 4).
   */
  allocate(owner: string, options: { family?: Family; pool?: string } = {}): AllocateResult {
    const family = options.family ?? 4;
    let candidates = 0;
    for (const state of this.states) {
      if (options.pool !== undefined ? state.name !== options.pool : state.manualAssign) continue;
      for (const block of state.blocks) {
        if (block.family !== family) continue;
        candidates++;
        const ip = block.bits ? this.takeFromBitmap(block, owner) : this.takeFromSparse(block, owner);
        if (ip !== undefined) {
          block.pool.used++;
          return { ok: true, ip, pool: state.name };
        }
      }
    }
    if (candidates === 0) {
      return {
        ok: false,
        error:
          options.pool !== undefined
            ? `no IPv${family} address pool named "${options.pool}"`
            : `no IPv${family} address pool available for automatic assignment`,
      };
    }
    const names = this.states
      .filter((s) => (options.pool !== undefined ? s.name === options.pool : !s.manualAssign))
      .filter((s) => s.blocks.some((b) => b.family === family))
      // A mixed pool's counts cover both families: say only that this family is used up.
      .map((s) =>
        s.blocks.every((b) => b.family === family)
          ? `"${s.name}" (${s.used}/${s.size} used)`
          : `"${s.name}" (every IPv${family} address of it in use)`,
      );
    return {
      ok: false,
      error: `no free IPv${family} address in pool${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
    };
  }

  private takeFromBitmap(block: Block, owner: string): string | undefined {
    const bits = block.bits!;
    for (let w = block.cursor; w < bits.length; w++) {
      const word = bits[w]!;
      if (word === 0xffffffff) continue;
      block.cursor = w;
      const bit = ctz(~word);
      bits[w] = word | (1 << bit);
      const off = w * 32 + bit;
      block.owners.set(off, owner);
      return this.format(block, off);
    }
    block.cursor = bits.length;
    return undefined;
  }

  private takeFromSparse(block: Block, owner: string): string | undefined {
    const released = block.released;
    while (released.size > 0) {
      const hole = released.pop()!;
      if (block.owners.has(hole)) continue; // stale: taken again by allocateSpecific
      block.owners.set(hole, owner);
      return formatAddress(block.family, block.first + hole);
    }
    const count = block.last - block.first + 1n;
    let off = block.sparseCursor;
    while (off < count) {
      const value = block.first + off;
      const reserved =
        (block.buggy && isBuggyIPv4(Number(value))) ||
        (block.avoidAnycast && isSubnetRouterAnycast(block.range, value));
      if (!block.owners.has(off) && !reserved) {
        block.owners.set(off, owner);
        block.sparseCursor = off + 1n;
        return formatAddress(block.family, value);
      }
      off++;
    }
    block.sparseCursor = off;
    return undefined;
  }

  /** Release `ip`. Returns false when it was not allocated. */
  release(ip: string): boolean {
    const l = this.locate(ip);
    if ('error' in l) return false;
    const { block, off, big } = l;
    if (!block.owners.delete(block.sparse ? big : off)) return false;
    if (block.bits) {
      const w = off >>> 5;
      block.bits[w]! &= ~(1 << (off & 31));
      if (w < block.cursor) block.cursor = w;
    } else if (big < block.sparseCursor) {
      block.released.push(big);
    }
    block.pool.used--;
    return true;
  }

  /** Every allocated address and its owner (address order within each pool range). */
  allocations(): Map<string, string> {
    const out = new Map<string, string>();
    for (const b of this.blocks) {
      const keys = [...b.owners.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
      for (const k of keys) {
        const ip = typeof k === 'number' ? this.format(b, k) : formatAddress(b.family, b.first + k);
        out.set(ip, b.owners.get(k)!);
      }
    }
    return out;
  }

  usage(): PoolUsage[] {
    return this.states.map((s) => ({ pool: s.name, size: s.size, used: s.used }));
  }
}
