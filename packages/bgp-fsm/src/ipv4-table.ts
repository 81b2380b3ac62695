/**
 * An open-addressing hash table from IPv4 addresses (uint32) to small non-negative integers,
 * in typed arrays: 9 octets per slot, no object per entry. Used by the Adj-RIB-In, one table
 * per prefix length.
 */
const EMPTY = 0;
const FULL = 1;
const DELETED = 2;

export class Ipv4Table {
  private keys: Int32Array;
  private values: Int32Array;
  private state: Uint8Array;
  private mask: number;
  /** 32 - log2(size): the index is the top bits of the multiplicative hash. */
  private shift: number;
  private used = 0;
  /** Slots that are FULL or DELETED (tombstones count towards the load). */
  private occupied = 0;

  constructor(capacity = 16) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.keys = new Int32Array(size);
    this.values = new Int32Array(size);
    this.state = new Uint8Array(size);
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
  }

  get size(): number {
    return this.used;
  }

  private hash(key: number): number {
    // Fibonacci hashing: the top bits of key * 2^32/phi (the low bits of prefixes are mostly zero).
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private slot(key: number): number {
    let i = this.hash(key);
    for (;;) {
      const s = this.state[i]!;
      if (s === EMPTY || (s === FULL && this.keys[i] === key)) return i;
      i = (i + 1) & this.mask;
    }
  }

  get(address: number): number | undefined {
    const key = address | 0;
    let i = this.hash(key);
    for (;;) {
      const s = this.state[i]!;
      if (s === EMPTY) return undefined;
      if (s === FULL && this.keys[i] === key) return this.values[i];
      i = (i + 1) & this.mask;
    }
  }

  /** Sets the value; returns the previous one, or undefined when the key is new. */
  set(address: number, value: number): number | undefined {
    const key = address | 0;
    const old = this.get(key);
    if (old !== undefined) {
      this.values[this.slot(key)] = value;
      return old;
    }
    if ((this.occupied + 1) * 2 > this.keys.length) this.rehash(this.used + 1);
    // Insert into the first EMPTY or DELETED slot of the probe sequence.
    let i = this.hash(key);
    while (this.state[i] === FULL) i = (i + 1) & this.mask;
    if (this.state[i] === EMPTY) this.occupied++;
    this.state[i] = FULL;
    this.keys[i] = key;
    this.values[i] = value;
    this.used++;
    return undefined;
  }

  /** Removes the key; returns its value, or undefined when absent. */
  delete(address: number): number | undefined {
    const key = address | 0;
    const i = this.slot(key);
    if (this.state[i] !== FULL) return undefined;
    this.state[i] = DELETED;
    this.used--;
    return this.values[i];
  }

  clear(): void {
    this.state.fill(EMPTY);
    this.used = 0;
    this.occupied = 0;
  }

  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.state[i] === FULL) yield [this.keys[i]! >>> 0, this.values[i]!];
    }
  }

  private rehash(need: number): void {
    const { keys, values, state } = this;
    let size = 16;
    while (size < need * 2 + 2) size *= 2;
    // Grow by at least 2x when full of live entries; same size just drops tombstones.
    if (size < keys.length && this.used * 4 > keys.length) size = keys.length;
    this.keys = new Int32Array(size);
    this.values = new Int32Array(size);
    this.state = new Uint8Array(size);
    this.mask = size - 1;
    this.shift = 32 - Math.log2(size);
    this.used = 0;
    this.occupied = 0;
    for (let i = 0; i < keys.length; i++) {
      if (state[i] === FULL) this.set(keys[i]!, values[i]!);
    }
  }
}
