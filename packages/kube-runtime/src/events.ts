/**
 * Records core/v1 Events with the aggregation operators know from Kubernetes' own EventRecorder:
 *
 * - An event is identified by its involved object, type, reason and message.
 * - The first occurrence creates an Event object (`count: 1`).
 * - A repeat does not create a new object: it bumps `count` and `lastTimestamp` of the existing
 *   one (`kubectl get events` shows "x7 over 20m"). Repeats are counted at once but written at
 *   most once per `patchIntervalMs` (default 10 minutes) per event: level-triggered reconcilers
 *   re-derive the same explanation on every pass, and one PATCH per pass per object would flood
 *   the API server. The next occurrence after the interval writes the accumulated count.
 * - If the Event object is gone (Events expire after an hour), the next write creates a new one.
 * - Writes are rate-limited per involved object with a token bucket (burst 25, one token per
 *   5 minutes, client-go's spam filter); events beyond it are dropped and counted.
 * - Writing never blocks or fails the caller: writes run in the background with bounded
 *   concurrency; failures are logged at debug.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type KubeClient, paths } from './client.js';
import { type Clock, systemClock } from './clock.js';
import { describeError, isStatus } from './errors.js';
import { kubeTime } from './time.js';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

export interface EventSpec {
  involved: InvolvedObject;
  type: 'Normal' | 'Warning';
  /** CamelCase, e.g. `VIPAllocated`. */
  reason: string;
  message: string;
}

export interface EventRecorderOptions {
  /** `source.component` / `reportingComponent`, e.g. `bgplb-controller`. */
  component: string;
  /** `source.host` / `reportingInstance`: this replica or node. */
  host: string;
  log: Logger;
  /** Namespace of Events about cluster-scoped objects (default `default`). */
  defaultNamespace?: string;
  /** Minimum time between two writes of the same event (default 10 minutes). */
  patchIntervalMs?: number;
  /** Per-object token bucket: burst and seconds per token (default 25 and 300). */
  burst?: number;
  refillSeconds?: number;
  /** Parallel writes (default 4). */
  concurrency?: number;
  /**
   * Event series and per-object rate-limit buckets remembered, each (default 4096, client-go's
   * `maxLruCacheEntries`); beyond it the oldest are forgotten: a forgotten series' next occurrence
   * creates a new Event instead of bumping the old one's count.
   */
  remembered?: number;
  /** Called with the number of Event writes waiting or running (for a metric). */
  onPending?: (pending: number) => void;
  clock?: Clock;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  /** Count last written to the API. */
  written: number;
  firstTimestamp: string;
  lastWrite: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Series and buckets remembered by default; beyond this the oldest are forgotten, as in client-go's
 * EventCorrelator (an LRU of 4096). Each series costs about 400 bytes of heap: 20k of them were
 * 8.7 MB of the controller's peak with 10k dual-stack Services, one series per route.
 */
const REMEMBERED = 4096;
const MAX_MESSAGE = 1024;

export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly queue: (() => Promise<unknown>)[] = [];
  private active = 0;
  private drained: (() => void)[] = [];
  private readonly clock: Clock;
  private readonly patchIntervalMs: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxRemembered: number;
  /** Events dropped by the rate limit. */
  dropped = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly o: EventRecorderOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.patchIntervalMs = o.patchIntervalMs ?? 10 * 60_000;
    this.burst = o.burst ?? 25;
    this.refillMs = (o.refillSeconds ?? 300) * 1000;
    this.maxRemembered = o.remembered ?? REMEMBERED;
  }

  /** Records events in the background; returns how many created a new Event object. */
  record(events: EventSpec | readonly EventSpec[]): number {
    let created = 0;
    for (const e of Array.isArray(events) ? (events as readonly EventSpec[]) : [events as EventSpec])
      if (this.recordOne(e)) created++;
    return created;
  }

  private recordOne(e: EventSpec): boolean {
    const now = this.clock.now();
    const i = e.involved;
    const objectKey = `${i.kind}/${i.namespace ?? ''}/${i.name}/${i.uid ?? ''}`;
    // A digest keeps the remembered series small (messages run to hundreds of characters).
    const key = createHash('sha1')
      .update(`${objectKey}\n${e.type}\n${e.reason}\n${e.message}`)
      .digest('base64');
    const prior = this.series.get(key);
    if (prior !== undefined) {
      prior.count++;
      if (now - prior.lastWrite < this.patchIntervalMs) return false;
      if (!this.take(objectKey, now)) return false;
      prior.lastWrite = now;
      this.enqueue(() => this.bump(e, prior, now));
      return false;
    }
    if (!this.take(objectKey, now)) return false;
    this.remember(this.series, key);
    const s: Series = {
      name: eventName(i.name),
      namespace: i.namespace || (this.o.defaultNamespace ?? 'default'),
      count: 1,
      written: 0,
      firstTimestamp: kubeTime(now),
      lastWrite: now,
    };
    this.series.set(key, s);
    this.o.log.info(
      {
        event: e.reason,
        type: e.type,
        object: `${i.kind}/${i.namespace ?? ''}/${i.name}`,
        message: e.message,
      },
      'event',
    );
    this.enqueue(() => this.create(e, s, now));
    return true;
  }

  /** Takes a token from the object's bucket; false (and counted) when it is empty. */
  private take(objectKey: string, now: number): boolean {
    let b = this.buckets.get(objectKey);
    if (b === undefined) {
      this.remember(this.buckets, objectKey);
      b = { tokens: this.burst, at: now };
      this.buckets.set(objectKey, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / this.refillMs);
    b.at = now;
    if (b.tokens < 1) {
      this.dropped++;
      this.o.log.debug({ object: objectKey }, 'event dropped by the rate limit');
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Makes room for one more entry: forgets the oldest (Maps iterate in insertion order). */
  private remember(map: Map<string, unknown>, key: string): void {
    if (map.size < this.maxRemembered || map.has(key)) return;
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }

  /** Event writes waiting or running. */
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
      const write = this.queue.shift() as () => Promise<unknown>;
      this.active++;
      write()
        .catch((err: unknown) => this.o.log.debug({ err: describeError(err) }, 'could not write an Event'))
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

  private async create(e: EventSpec, s: Series, now: number): Promise<void> {
    const i = e.involved;
    const involvedObject: Record<string, string> = { apiVersion: i.apiVersion, kind: i.kind, name: i.name };
    if (i.namespace) involvedObject.namespace = i.namespace;
    if (i.uid) involvedObject.uid = i.uid;
    const count = s.count;
    await this.client.create(paths.core('events', s.namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: s.name, namespace: s.namespace },
      involvedObject,
      reason: e.reason,
      message: e.message.length > MAX_MESSAGE ? `${e.message.slice(0, MAX_MESSAGE - 3)}...` : e.message,
      type: e.type,
      source: { component: this.o.component, host: this.o.host },
      reportingComponent: this.o.component,
      reportingInstance: this.o.host,
      firstTimestamp: s.firstTimestamp,
      lastTimestamp: kubeTime(now),
      count,
    });
    s.written = count;
  }

  /** Writes the accumulated count; re-creates the Event if it expired. */
  private async bump(e: EventSpec, s: Series, now: number): Promise<void> {
    const count = s.count;
    try {
      await this.client.mergePatch(paths.core('events', s.namespace, s.name), {
        count,
        lastTimestamp: kubeTime(now),
      });
      s.written = count;
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
      s.name = eventName(e.involved.name);
      s.firstTimestamp = kubeTime(now);
      await this.create(e, s, now);
    }
  }
}

/** `<object>.<16 hex>`: unique, and known before the create returns so that a bump can follow it. */
function eventName(object: string): string {
  return `${object}.${randomBytes(8).toString('hex')}`;
}
