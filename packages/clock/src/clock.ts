/**
 * Time source and timers, injected so that every timed path (BGP and BFD timers, informer
 * back-off, work-queue delays, Event aggregation windows, Lease renewals) is testable without
 * sleeping. One definition for every package: bgp-fsm and kube-runtime both use it.
 */
export interface Clock {
  /** Milliseconds since the epoch (wall time for `systemClock`). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now()` and Node timers, unref'd so that they never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A manual clock for tests: timers fire only inside `advance()`, in time order. */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer: FakeTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as FakeTimer);
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (also ones they set), in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.earliestDue(end);
      if (next === undefined) break;
      this.timers.delete(next);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }

  private earliestDue(end: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at > end) continue;
      if (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    }
    return next;
  }
}
