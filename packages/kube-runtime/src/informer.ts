/**
 * An informer: list, then watch from the list's resourceVersion, keeping an ObjectCache up to
 * date and telling listeners what changed. Built on @kubernetes/client-node's Watch (stream,
 * authentication) and KubeClient's paged list. Rules:
 * - 410 Gone (on the watch request or as a watch ERROR event) re-lists; the re-list is diffed
 *   against the cache, so listeners see the adds, updates and deletes they missed;
 * - a watch that ends normally (server timeout) or goes quiet past client-node's inactivity
 *   timeout resumes from the last resourceVersion at once (bookmarks keep it fresh);
 * - any other failure (list or watch) retries with exponential back-off, reset by a success;
 * - listed objects are stamped with apiVersion/kind (lists omit them) and passed through
 *   `transform` before they are cached, page by page, so an untrimmed 10k-object list never sits
 *   in memory at once;
 * - a (re-)list is processed in bounded slices (see slices.ts): it never holds the event loop for
 *   the whole collection.
 */

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type IndexFunc, ObjectCache } from './cache.js';
import type { KubeClient } from './client.js';
import { type Clock, systemClock } from './clock.js';
import { describeError } from './errors.js';
import { DEFAULT_SLICE_SIZE } from './slices.js';
import { type KubeObject, objectKey } from './types.js';

export type ChangeType = 'add' | 'update' | 'delete';

/** Called after the cache changed; `old` is the replaced object for updates. */
export type ChangeListener<T> = (type: ChangeType, object: T, old?: T) => void;

export interface InformerOptions<T extends KubeObject> {
  /** Name for logs, e.g. `services`. */
  name: string;
  /** Collection path, e.g. `/api/v1/services` (see `paths`). */
  path: string;
  /** Stamped on listed items, which the API returns without them. */
  apiVersion: string;
  kind: string;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /**
   * Turns an object as received into what is cached (e.g. drops fields the app never reads).
   * May change the object in place and return it. Runs once per received object.
   */
  transform?: (o: KubeObject) => T;
  /** Indexes of the cache (see ObjectCache.byIndex). */
  indexers?: Readonly<Record<string, IndexFunc<T>>>;
  /** List page size (default 500). */
  pageSize?: number;
  /** Objects processed between two yields to the event loop during a (re-)list (default 250). */
  sliceSize?: number;
  /** Back-off after a failure: first delay and ceiling (default 200 ms, 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  log: Logger;
  clock?: Clock;
}

interface WatchEvent {
  type?: string;
  object?: KubeObject & { code?: number; message?: string };
}

class GoneError extends Error {}

/** A watch that ends without events sooner than this counts as a failure (back-off). */
const QUICK_WATCH_END_MS = 1000;

export class Informer<T extends KubeObject = KubeObject> {
  readonly cache: ObjectCache<T>;
  private readonly listeners: ChangeListener<T>[] = [];
  private readonly syncListeners: (() => void)[] = [];
  private readonly watch: Watch;
  private readonly clock: Clock;
  private readonly sliceSize: number;
  private resourceVersion = '';
  private running = false;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;
  private hasSynced = false;
  private resolveSynced!: () => void;
  private readonly syncedPromise = new Promise<void>((r) => {
    this.resolveSynced = r;
  });
  /** Lists done (the first one and every re-list); for metrics and tests. */
  lists = 0;
  /**
   * True while a (re-)list is being applied: its changes arrive over several event-loop turns,
   * and a listener that wants whole lists waits for `onSynced` instead of reacting to each.
   */
  relisting = false;
  /**
   * The last list/watch failure, until a list completes or a watch is answered again: whether the
   * cache is live or only the last known state (e.g. while the API server is unreachable).
   */
  lastError: string | undefined;
  private readonly errorListeners: ((error: string | undefined) => void)[] = [];

  constructor(
    kubeConfig: KubeConfig,
    private readonly client: KubeClient,
    readonly options: InformerOptions<T>,
  ) {
    this.cache = new ObjectCache<T>(options.indexers);
    this.watch = new Watch(kubeConfig);
    this.clock = options.clock ?? systemClock;
    this.sliceSize = Math.max(1, options.sliceSize ?? DEFAULT_SLICE_SIZE);
  }

  /** Called when `lastError` changes (a failure, or the recovery from one). */
  onError(listener: (error: string | undefined) => void): this {
    this.errorListeners.push(listener);
    return this;
  }

  private setError(error: string | undefined): void {
    if (this.lastError === error) return;
    this.lastError = error;
    for (const l of this.errorListeners) l(error);
  }

  /** Registers a change listener (called for every add, update and delete, also during re-lists). */
  on(listener: ChangeListener<T>): this {
    this.listeners.push(listener);
    return this;
  }

  /** Registers a listener called after each completed (re-)list, once its changes were delivered. */
  onSynced(listener: () => void): this {
    this.syncListeners.push(listener);
    return this;
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  /** Resolves after the first successful list, once the watch that follows it was answered. */
  whenSynced(): Promise<void> {
    return this.syncedPromise;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(name, namespace);
  }

  list(namespace?: string): readonly T[] {
    return this.cache.list(namespace);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.resourceVersion === '') await this.relist();
        if (!this.running) break;
        const started = this.clock.now();
        const sawEvents = await this.watchOnce();
        // A watch the server ends at once, again and again, must not become a tight loop.
        if (!sawEvents && this.running && this.clock.now() - started < QUICK_WATCH_END_MS)
          throw new Error('the watch ended at once');
      } catch (err) {
        if (!this.running) break;
        if (err instanceof GoneError) {
          this.resourceVersion = '';
          continue;
        }
        this.failures++;
        this.setError(describeError(err));
        const base = this.options.backoffBaseMs ?? 200;
        const delay = Math.min(
          this.options.backoffMaxMs ?? 30_000,
          base * 2 ** Math.min(this.failures - 1, 16),
        );
        this.options.log.warn(
          { informer: this.options.name, err: describeError(err), retryInMs: delay },
          `list/watch of ${this.options.name} failed: ${describeError(err)}`,
        );
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.clock.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private receive(o: KubeObject): T {
    o.apiVersion ??= this.options.apiVersion;
    o.kind ??= this.options.kind;
    return this.options.transform ? this.options.transform(o) : (o as T);
  }

  /** Lists page by page into a fresh map, then applies the difference to the cache in slices. */
  private async relist(): Promise<void> {
    this.relisting = true;
    let complete: boolean;
    try {
      complete = await this.listAndApply();
    } finally {
      this.relisting = false;
    }
    if (!complete) return;
    this.lists++;
    this.failures = 0;
    this.setError(undefined);
    for (const l of this.syncListeners) l();
  }

  /** Returns false when stopped before the list was complete (nothing applied then). */
  private async listAndApply(): Promise<boolean> {
    const fresh = new Map<string, T>();
    let resourceVersion = '';
    let n = 0;
    for await (const page of this.client.listPages<KubeObject>(this.options.path, {
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      limit: this.options.pageSize ?? 500,
    })) {
      for (const item of page.items) {
        const o = this.receive(item);
        fresh.set(objectKey(o), o);
        if (++n % this.sliceSize === 0) await yieldToLoop();
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      if (!this.running) return false;
    }
    n = 0;
    for (const key of [...this.cache.keys()]) {
      if (fresh.has(key)) continue;
      const old = this.cache.delete(key);
      if (old !== undefined) this.emit('delete', old);
      if (++n % this.sliceSize === 0) await yieldToLoop();
    }
    for (const o of fresh.values()) {
      this.apply(o);
      if (++n % this.sliceSize === 0) await yieldToLoop();
    }
    this.resourceVersion = resourceVersion;
    return true;
  }

  /** The first list is in the cache and the watch that follows it is open. */
  private markSynced(): void {
    if (this.hasSynced) return;
    this.hasSynced = true;
    this.options.log.debug({ informer: this.options.name, objects: this.cache.size }, 'informer synced');
    this.resolveSynced();
  }

  /** Stores `o`; emits add, or update when its resourceVersion changed. */
  private apply(o: T): void {
    const old = this.cache.set(o);
    if (old === undefined) this.emit('add', o);
    else if (
      old.metadata.resourceVersion === undefined ||
      old.metadata.resourceVersion !== o.metadata.resourceVersion
    )
      this.emit('update', o, old);
  }

  private emit(type: ChangeType, o: T, old?: T): void {
    for (const l of this.listeners) l(type, o, old);
  }

  /**
   * One watch request; resolves when it ends normally (true when it delivered any event), rejects
   * on failure, or with GoneError on 410.
   */
  private watchOnce(): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      let gone = false;
      let sawEvents = false;
      const query: Record<string, string> = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: 'true',
      };
      if (this.options.labelSelector !== undefined) query.labelSelector = this.options.labelSelector;
      if (this.options.fieldSelector !== undefined) query.fieldSelector = this.options.fieldSelector;
      const onEvent = (type: string, object: WatchEvent['object']): void => {
        if (!this.running || gone || object === undefined) return;
        if (type === 'ERROR') {
          // A Status object: 410 Gone means our resourceVersion is too old; anything else ends
          // this watch and is retried with back-off.
          gone = object.code === 410;
          this.abort?.abort();
          if (!gone) reject(new Error(`watch error: ${object.message ?? JSON.stringify(object)}`));
          return;
        }
        this.failures = 0;
        sawEvents = true;
        const rv = object.metadata?.resourceVersion;
        if (type === 'BOOKMARK') {
          if (rv) this.resourceVersion = rv;
          return;
        }
        if (object.metadata === undefined) return;
        const o = this.receive(object);
        if (type === 'DELETED') {
          const old = this.cache.delete(objectKey(o));
          if (old !== undefined) this.emit('delete', o);
        } else if (type === 'ADDED' || type === 'MODIFIED') {
          this.apply(o);
        }
        if (rv) this.resourceVersion = rv;
      };
      let ended = false;
      const onDone = (err: unknown): void => {
        ended = true;
        this.abort = undefined;
        if (gone || (err as { statusCode?: number } | null)?.statusCode === 410)
          reject(new GoneError('410 Gone'));
        else if (err === null || err === undefined || !this.running) resolve(sawEvents);
        else if ((err as { name?: string }).name === 'TimeoutError') resolve(true);
        else reject(err);
      };
      this.watch
        .watch(this.options.path, query, onEvent as (type: string, obj: unknown) => void, onDone)
        .then((controller) => {
          this.abort = controller;
          if (!this.running) controller.abort();
          // client-node resolves also when the request failed (after calling onDone): only a
          // watch that is still open clears the error.
          if (!ended) this.setError(undefined);
          // As client-node's ListWatch.start(): synced once the watch after the first list is
          // answered, so that a change made right after start-up is already on its way.
          this.markSynced();
        }, reject);
    });
  }
}
