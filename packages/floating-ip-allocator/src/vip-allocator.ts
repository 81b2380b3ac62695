/**
 * Incremental Service VIP allocator over address pools.
 *
 * Addresses are never expanded into strings: each pool range is a bitmap (one bit per address,
 * 8 KiB for a /16) with a cursor to the lowest word that may have a free bit, so "lowest free
 * address" is a word scan and allocate/release are O(1) amortised. Ranges larger than 2^22
 * addresses (big IPv6 pools) use a sparse set of allocated offsets instead.
 */
import { type Family, formatAddress, formatIPv4, parseAddress } from './address.js';
import {
  type AddressPoolInput,
  type ParsedPool,
  type PoolError,
  parsePoolEntry,
  parsePools,
} from './pools.js';

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
  /** first as a number, for IPv4 fast paths. */
  firstNum: number;
  size: number;
  /** Bit set = address not available (allocated, buggy, or past the end). */
  bits: Uint32Array | undefined;
  /** Sparse mode: allocated offsets. */
  sparse: Set<bigint> | undefined;
  /** Lowest word (bitmap) or offset (sparse) that may be free. */
  cursor: number;
  sparseCursor: bigint;
  buggy: boolean;
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
  private readonly owners = new Map<string, string>();

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
        const parsed = parsePoolEntry(`${r.first}-${r.last}`);
        /* v8 ignore next */
        if (!parsed.ok) continue; // ranges come from parsePools and always re-parse
        const { family, first, last } = parsed.value;
        const count = last - first + 1n;
        const buggy = p.avoidBuggyIPs && family === 4;
        const block: Block = {
          pool: state,
          family,
          first,
          last,
          firstNum: family === 4 ? Number(first) : 0,
          size: Number(count),
          bits: undefined,
          sparse: undefined,
          cursor: 0,
          sparseCursor: 0n,
          buggy,
        };
        if (count <= BigInt(BITMAP_LIMIT)) {
          const words = Math.ceil(block.size / 32);
          const bits = new Uint32Array(words);
          const tail = block.size % 32;
          if (tail !== 0) bits[words - 1] = ~((1 << tail) - 1) >>> 0;
          if (buggy) {
            for (let off = 0; off < block.size; off++) {
              if (isBuggyIPv4(block.firstNum + off)) bits[off >>> 5]! |= 1 << (off & 31);
            }
          }
          block.bits = bits;
        } else {
          block.sparse = new Set();
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

  private locate(ip: string): { block: Block; offset: bigint; canonical: string } | { error: string } {
    const p = parseAddress(ip);
    if (!p.ok) return { error: p.error };
    const { family, value } = p.value;
    for (const b of this.blocks) {
      if (b.family === family && value >= b.first && value <= b.last) {
        return { block: b, offset: value - b.first, canonical: formatAddress(family, value) };
      }
    }
    return { error: `${formatAddress(family, value)} is not in any address pool` };
  }

  /** The pool containing `ip`, if any. */
  poolOf(ip: string): string | undefined {
    const l = this.locate(ip);
    return 'block' in l ? l.block.pool.name : undefined;
  }

  /** The owner recorded when `ip` was allocated or reserved. */
  ownerOf(ip: string): string | undefined {
    const l = this.locate(ip);
    return 'block' in l ? this.owners.get(l.canonical) : undefined;
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
    const { block, offset, canonical } = l;
    const holder = this.owners.get(canonical);
    if (holder !== undefined) {
      return {
        ok: false,
        error:
          holder === owner
            ? `${canonical} is already allocated to ${owner}`
            : `${canonical} is in use by ${holder}`,
      };
    }
    if (block.buggy && isBuggyIPv4(Number(block.first + offset))) {
      return {
        ok: false,
        error: `${canonical} ends in .0 or .255 and pool "${block.pool.name}" has avoidBuggyIPs set`,
      };
    }
    if (block.bits) {
      const off = Number(offset);
      block.bits[off >>> 5]! |= 1 << (off & 31);
    } else {
      block.sparse!.add(offset);
    }
    block.pool.used++;
    this.owners.set(canonical, owner);
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
        const ip = block.bits ? this.takeFromBitmap(block) : this.takeFromSparse(block);
        if (ip !== undefined) {
          block.pool.used++;
          this.owners.set(ip, owner);
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
      .map((s) => `"${s.name}" (${s.used}/${s.size} used)`);
    return {
      ok: false,
      error: `no free IPv${family} address in pool${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
    };
  }

  private takeFromBitmap(block: Block): string | undefined {
    const bits = block.bits!;
    for (let w = block.cursor; w < bits.length; w++) {
      const word = bits[w]!;
      if (word === 0xffffffff) continue;
      block.cursor = w;
      const bit = ctz(~word);
      bits[w] = word | (1 << bit);
      return this.format(block, w * 32 + bit);
    }
    block.cursor = bits.length;
    return undefined;
  }

  private takeFromSparse(block: Block): string | undefined {
    const count = block.last - block.first + 1n;
    let off = block.sparseCursor;
    while (off < count) {
      if (!block.sparse!.has(off) && !(block.buggy && isBuggyIPv4(Number(block.first + off)))) {
        block.sparse!.add(off);
        block.sparseCursor = off + 1n;
        return formatAddress(block.family, block.first + off);
      }
      off++;
    }
    block.sparseCursor = off;
    return undefined;
  }

  /** Release `ip`. Returns false when it was not allocated. */
  release(ip: string): boolean {
    const l = this.locate(ip);
    if ('error' in l || !this.owners.has(l.canonical)) return false;
    const { block, offset, canonical } = l;
    if (block.bits) {
      const off = Number(offset);
      const w = off >>> 5;
      block.bits[w]! &= ~(1 << (off & 31));
      if (w < block.cursor) block.cursor = w;
    } else {
      block.sparse!.delete(offset);
      if (offset < block.sparseCursor) block.sparseCursor = offset;
    }
    block.pool.used--;
    this.owners.delete(canonical);
    return true;
  }

  /** Every allocated address and its owner, in no particular order. */
  allocations(): Map<string, string> {
    return new Map(this.owners);
  }

  usage(): PoolUsage[] {
    return this.states.map((s) => ({ pool: s.name, size: s.size, used: s.used }));
  }
}
