/**
 * The typed object cache behind an informer: objects by `namespace/name`, plus optional indexes
 * (e.g. by label value or by a spec field) kept up to date on every change, as client-go's
 * Indexer. The informer is its only writer; readers get the objects themselves, not copies, so
 * they must treat them as read-only.
 */
import { type KubeObject, objectKey } from './types.js';

/** Index function: the index values an object is found under (none: not indexed). */
export type IndexFunc<T> = (o: T) => readonly string[];

/** An index by the value of one label (objects without the label are not indexed). */
export function byLabel<T extends KubeObject>(label: string): IndexFunc<T> {
  return (o) => {
    const v = o.metadata.labels?.[label];
    return v === undefined ? [] : [v];
  };
}

export class ObjectCache<T extends KubeObject> {
  private readonly objects = new Map<string, T>();
  private readonly indexes = new Map<string, { fn: IndexFunc<T>; values: Map<string, Set<string>> }>();
  private snapshot: readonly T[] | undefined;

  constructor(indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    for (const [name, fn] of Object.entries(indexers)) this.indexes.set(name, { fn, values: new Map() });
  }

  get size(): number {
    return this.objects.size;
  }

  /** The object `name` in `namespace` (omit the namespace for cluster-scoped objects). */
  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  has(key: string): boolean {
    return this.objects.has(key);
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  /**
   * Every cached object, or those of one namespace. The whole-cache array is built once per
   * change and shared between callers (a 10k-object reconcile asks for it many times).
   */
  list(namespace?: string): readonly T[] {
    if (namespace !== undefined) {
      const out: T[] = [];
      for (const o of this.objects.values()) if ((o.metadata.namespace ?? '') === namespace) out.push(o);
      return out;
    }
    this.snapshot ??= [...this.objects.values()];
    return this.snapshot;
  }

  /** Objects found under `value` in index `index`. Throws for an index that was not declared. */
  byIndex(index: string, value: string): T[] {
    const idx = this.indexes.get(index);
    if (idx === undefined) throw new Error(`no index named ${JSON.stringify(index)}`);
    const keys = idx.values.get(value);
    if (keys === undefined) return [];
    const out: T[] = [];
    for (const k of keys) {
      const o = this.objects.get(k);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** The values under which index `index` holds at least one object. */
  indexValues(index: string): string[] {
    const idx = this.indexes.get(index);
    if (idx === undefined) throw new Error(`no index named ${JSON.stringify(index)}`);
    return [...idx.values.keys()];
  }

  /** Stores `o`; returns the object it replaced. */
  set(o: T): T | undefined {
    const key = objectKey(o);
    const old = this.objects.get(key);
    if (old !== undefined) this.unindex(key, old);
    this.objects.set(key, o);
    this.index(key, o);
    this.snapshot = undefined;
    return old;
  }

  /** Removes the object under `key`; returns it. */
  delete(key: string): T | undefined {
    const old = this.objects.get(key);
    if (old === undefined) return undefined;
    this.unindex(key, old);
    this.objects.delete(key);
    this.snapshot = undefined;
    return old;
  }

  private index(key: string, o: T): void {
    for (const { fn, values } of this.indexes.values()) {
      for (const v of fn(o)) {
        let keys = values.get(v);
        if (keys === undefined) {
          keys = new Set();
          values.set(v, keys);
        }
        keys.add(key);
      }
    }
  }

  private unindex(key: string, o: T): void {
    for (const { fn, values } of this.indexes.values()) {
      for (const v of fn(o)) {
        const keys = values.get(v);
        keys?.delete(key);
        if (keys?.size === 0) values.delete(v);
      }
    }
  }
}
