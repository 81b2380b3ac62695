/**
 * Records core/v1 Events. The reconcile is level-triggered and re-derives the same explanation
 * every time it runs, so the recorder deduplicates: an identical event (same object, type,
 * reason and message) is written once, and a repeat after `repeatAfterMs` bumps its count.
 * Writing an Event never blocks or fails a reconcile.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type KubeClient, paths } from './kube-client.js';
import type { EventSpec } from './types.js';

export interface EventRecorderOptions {
  /** Called with the number of Events waiting to be written (for a metric). */
  onPending?: (pending: number) => void;
  /** Parallel writes (default 4). */
  concurrency?: number;
  component: string;
  host: string;
  log: Logger;
  repeatAfterMs?: number;
  now?: () => number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  last: number;
  first: string;
}

const MAX_REMEMBERED = 20_000;

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly queue: (() => Promise<unknown>)[] = [];
  private active = 0;
  private drained: (() => void)[] = [];
  private readonly now: () => number;
  private readonly repeatAfterMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly o: EventRecorderOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.repeatAfterMs = o.repeatAfterMs ?? 10 * 60_000;
  }

  /** Records `events` in the background; returns how many were new (not deduplicated). */
  record(events: readonly EventSpec[]): number {
    let written = 0;
    for (const e of events) {
      const i = e.involved;
      // A digest keeps 10k remembered events small.
      const key = createHash('sha1')
        .update(`${i.namespace ?? ''}/${i.kind}/${i.name}/${i.uid ?? ''}/${e.type}/${e.reason}/${e.message}`)
        .digest('base64');
      const now = this.now();
      const prior = this.seen.get(key);
      if (prior !== undefined && now - prior.last < this.repeatAfterMs) continue;
      written++;
      this.o.log.info(
        {
          event: e.reason,
          type: e.type,
          object: `${i.kind}/${i.namespace ?? ''}/${i.name}`,
          message: e.message,
        },
        'event',
      );
      if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
      if (prior === undefined) {
        const namespace = i.namespace ?? 'default';
        const s: Seen = {
          name: `${i.name}.${randomBytes(8).toString('hex')}`,
          namespace,
          count: 1,
          last: now,
          first: new Date(now).toISOString(),
        };
        this.seen.set(key, s);
        this.enqueue(() => this.create(e, s));
      } else {
        prior.count++;
        prior.last = now;
        this.enqueue(() =>
          this.client.mergePatch(paths.core('events', prior.namespace, prior.name), {
            count: prior.count,
            lastTimestamp: new Date(now).toISOString(),
          }),
        );
      }
    }
    return written;
  }

  /** Events recorded but not written yet. */
  get pending(): number {
    return this.queue.length + this.active;
  }

  /** Resolves when every event recorded so far has been written (or failed). */
  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.queue.push(write);
    this.pump();
  }

  private pump(): void {
    while (this.active < (this.o.concurrency ?? 4) && this.queue.length > 0) {
      const write = this.queue.shift()!;
      this.active++;
      write()
        .catch((err: unknown) => this.o.log.warn({ err: String(err) }, 'could not write an Event'))
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
    this.o.onPending?.(this.pending);
    if (this.pending === 0) {
      const waiters = this.drained;
      this.drained = [];
      for (const w of waiters) w();
    }
  }

  private async create(e: EventSpec, s: Seen): Promise<void> {
    const involvedObject: Record<string, string> = {
      apiVersion: e.involved.apiVersion,
      kind: e.involved.kind,
      name: e.involved.name,
    };
    if (e.involved.namespace !== undefined) involvedObject.namespace = e.involved.namespace;
    if (e.involved.uid !== undefined) involvedObject.uid = e.involved.uid;
    await this.client.create(paths.core('events', s.namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: s.name, namespace: s.namespace },
      involvedObject,
      reason: e.reason,
      message: e.message.length > 1024 ? `${e.message.slice(0, 1021)}...` : e.message,
      type: e.type,
      source: { component: this.o.component, host: this.o.host },
      reportingComponent: this.o.component,
      reportingInstance: this.o.host,
      firstTimestamp: s.first,
      lastTimestamp: s.first,
      count: 1,
    });
  }
}
