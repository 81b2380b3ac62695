/**
 * A compact Adj-RIB-In: what a peer announced, stored without an object per prefix. Attribute
 * sets are interned (one shared decoded copy per distinct set of attribute octets); IPv4
 * prefixes without path ids are kept in typed-array hash tables (9 octets a slot), one per length.
 */
import { formatIpv4Number, formatPrefixView, type PathAttribute, type PrefixView } from '@bgplb/bgp-wire';
import { Ipv4Table } from './ipv4-table.js';

export interface ReceivedPath {
  prefix: string;
  /** ADD-PATH path id, or undefined without ADD-PATH. */
  pathId?: number;
  attributes: readonly PathAttribute[];
}

export class AdjRibIn {
  /** IPv4 without path id: per length, address -> attribute set id. */
  private readonly v4: Ipv4Table[] = Array.from({ length: 33 }, () => new Ipv4Table());
  /** Everything else: `prefix#pathId` -> attribute set id. */
  private readonly other = new Map<string, number>();
  private readonly attrIds = new Map<string, number>();
  private readonly attrSets: (readonly PathAttribute[] | undefined)[] = [];
  private readonly attrKeys: string[] = [];
  private readonly refs: number[] = [];
  private readonly free: number[] = [];
  private current = -1;
  private count = 0;

  /** Number of stored prefixes (paths, with ADD-PATH). */
  get size(): number {
    return this.count;
  }

  /** Number of distinct attribute sets held. */
  get attributeSets(): number {
    return this.attrIds.size;
  }

  /**
   * Call before decoding an UPDATE: interns the octets of its path attributes, so announcements
   * can refer to them before the attributes are decoded.
   */
  beginUpdate(bytes: Uint8Array): void {
    this.current = -1;
    if (bytes.length < 23) return;
    const wl = (bytes[19]! << 8) | bytes[20]!;
    const at = 21 + wl;
    if (at + 2 > bytes.length) return;
    const al = (bytes[at]! << 8) | bytes[at + 1]!;
    if (al === 0 || at + 2 + al > bytes.length) return;
    const key = Buffer.from(bytes.buffer, bytes.byteOffset + at + 2, al).toString('latin1');
    let id = this.attrIds.get(key);
    if (id === undefined) {
      id = this.free.pop() ?? this.attrSets.length;
      this.attrIds.set(key, id);
      this.attrSets[id] = undefined;
      this.attrKeys[id] = key;
      this.refs[id] = 0;
    }
    this.current = id;
  }

  /** Stores the decoded attributes of the current UPDATE (once per distinct set). */
  commitAttributes(attributes: readonly PathAttribute[]): void {
    if (this.current >= 0 && this.attrSets[this.current] === undefined)
      this.attrSets[this.current] = attributes;
    this.release(this.current);
    this.current = -1;
  }

  private release(id: number): void {
    if (id < 0 || this.refs[id] !== 0) return;
    this.attrIds.delete(this.attrKeys[id]!);
    this.attrSets[id] = undefined;
    this.attrKeys[id] = '';
    this.refs[id] = -1;
    this.free.push(id);
  }

  private unref(id: number): void {
    this.refs[id] = this.refs[id]! - 1;
    if (id !== this.current) this.release(id);
  }

  /** Records an announcement; true when the prefix (path) is new. */
  announce(v: PrefixView): boolean {
    const id = this.current;
    if (id < 0) return false;
    this.refs[id] = this.refs[id]! + 1;
    let old: number | undefined;
    if (v.afi === 1 && v.pathId < 0) {
      old = this.v4[v.length]!.set(v.ipv4, id);
    } else {
      const k = `${formatPrefixView(v)}#${v.pathId}`;
      old = this.other.get(k);
      this.other.set(k, id);
    }
    if (old === undefined) {
      this.count++;
      return true;
    }
    this.unref(old);
    return false;
  }

  /** Records a withdrawal; true when the prefix (path) was stored. */
  withdraw(v: PrefixView): boolean {
    let old: number | undefined;
    if (v.afi === 1 && v.pathId < 0) {
      old = this.v4[v.length]!.delete(v.ipv4);
    } else {
      const k = `${formatPrefixView(v)}#${v.pathId}`;
      old = this.other.get(k);
      if (old !== undefined) this.other.delete(k);
    }
    if (old === undefined) return false;
    this.count--;
    this.unref(old);
    return true;
  }

  clear(): void {
    for (const m of this.v4) m.clear();
    this.other.clear();
    this.attrIds.clear();
    this.attrSets.length = 0;
    this.attrKeys.length = 0;
    this.refs.length = 0;
    this.free.length = 0;
    this.count = 0;
  }

  /** Every stored path (allocates: for inspection, not for the hot path). */
  *entries(): IterableIterator<ReceivedPath> {
    for (let length = 0; length <= 32; length++) {
      for (const [v, id] of this.v4[length]!.entries()) {
        const prefix = `${formatIpv4Number(v)}/${length}`;
        yield { prefix, attributes: this.attrSets[id] ?? [] };
      }
    }
    for (const [k, id] of this.other) {
      const hash = k.lastIndexOf('#');
      const pathId = Number(k.slice(hash + 1));
      const path: ReceivedPath = { prefix: k.slice(0, hash), attributes: this.attrSets[id] ?? [] };
      if (pathId >= 0) path.pathId = pathId;
      yield path;
    }
  }
}
