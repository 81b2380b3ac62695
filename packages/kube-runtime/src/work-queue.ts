/**
 * A rate-limited work queue in the style of client-go's: a key is queued at most once, is never
 * processed by two workers at the same time (a key added while it is being processed runs again
 * afterwards), failures are retried with per-key exponential backoff, and an overall token bucket
 * bounds the retry rate. Keys can also be scheduled for later (periodic resync, grace periods).
 */
import { type Clock, systemClock } from './clock.js';

export interface WorkQueueOptions {
  /** First retry delay after a failure (doubles per consecutive failure of the key). */
  baseDelayMs?: number;
  /** Upper bound of the per-key backoff. */
  maxDelayMs?: number;
  /** Overall retry rate (tokens per second) and burst. */
  qps?: number;
  burst?: number;
  /** Keys processed at the same time (default 1: one worker). */
  workers?: number;
  clock?: Clock;
}

export type Handler = (key: string) => Promise<void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: unknown }>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly workers: number;
  private readonly clock: Clock;
  private tokens: number;
  private tokensAt: number;
  private running = false;
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: Handler,
    options: WorkQueueOptions = {},
    private readonly onError: (key: string, err: unknown, retryInMs: number) => void = () => {},
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.workers = Math.max(1, options.workers ?? 1);
    this.clock = options.clock ?? systemClock;
    this.tokens = this.burst;
    this.tokensAt = this.clock.now();
  }

  /** Keys waiting to be processed (not counting delayed ones). */
  get depth(): number {
    return this.queue.length;
  }

  /** Number of consecutive failures of `key`. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Queues `key` now. */
  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** Queues `key` after `delayMs`; an earlier pending schedule of the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending !== undefined && pending.at <= at) return;
    if (pending !== undefined) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.set(key, { at, timer });
  }

  /** The delay the next failure of `key` waits: per-key exponential backoff, bounded by the token bucket. */
  backoff(key: string): number {
    const n = this.failures.get(key) ?? 0;
    const perKey = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.tokensAt) / 1000) * this.qps);
    this.tokensAt = now;
    this.tokens -= 1;
    const bucket = this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
    return Math.max(perKey, bucket);
  }

  /** Queues `key` after its backoff and counts a failure. */
  addRateLimited(key: string): number {
    const delay = this.backoff(key);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking work and cancels delayed keys; resolves when the running handler returns. */
  async stop(): Promise<void> {
    this.running = false;
    for (const { timer } of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
    await this.idle();
  }

  /** Resolves when nothing is being processed and nothing is queued. */
  idle(): Promise<void> {
    if (this.active === 0 && (this.queue.length === 0 || !this.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (!this.running) return;
    while (this.queue.length > 0 && this.active < this.workers) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.forget(key);
    } catch (err) {
      const delay = this.addRateLimited(key);
      this.onError(key, err, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      else this.pump();
      if (this.active === 0 && (this.queue.length === 0 || !this.running)) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
