/**
 * Timers for many BFD sessions, coalesced: each timer may fire anywhere in a window
 * [earliest, latest], and joins a wake-up already planned inside its window instead of adding
 * one. A timer alone fires at its latest time, so later timers can join it. 100 sessions at
 * 300 ms otherwise wake the event loop ~400 times a second for their sends, and those wake-ups,
 * not the BFD logic, are most of the idle cost (docs/benchmarks.md). Transmit timers get a window
 * inside the RFC 5880 jitter range; detection timers fire up to one grid step early (they only
 * check the deadline and re-arm) and at most 2% late, so Down is never declared early.
 */

/**
 * Wake-ups are placed on multiples of this many ms of the clock when the window allows. Sessions
 * give their transmit timers (inside the jitter range) and detection timers (which may fire early
 * and re-arm) windows at least this wide, so at 300 ms every timer lands on the grid: 25 wake-ups
 * a second for any number of sessions (20 ms gave ~47, the earlier 10% windows ~90).
 */
export const GRID_MS = 40;

export interface WheelTimer {
  at: number;
  fn: () => void;
}

export class TimerWheel {
  /** Planned wake-up times, ascending; each has its timers in `slots`. */
  private readonly times: number[] = [];
  private readonly slots = new Map<number, Set<WheelTimer>>();
  private armedAt = Number.POSITIVE_INFINITY;
  private handle: ReturnType<typeof setTimeout> | undefined;
  /** Wake-ups so far (for the benchmark and metrics). */
  fired = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of pending timers. */
  get size(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.size;
    return n;
  }

  /** Number of planned wake-ups. */
  get wakeups(): number {
    return this.times.length;
  }

  /** Runs `fn` once, between `earliestMs` and `latestMs` from now. */
  set(fn: () => void, earliestMs: number, latestMs = earliestMs): WheelTimer {
    const now = this.now();
    const lo = now + Math.max(0, earliestMs);
    const hi = Math.max(lo, now + latestMs);
    const i = this.firstAtOrAfter(lo);
    const existing = this.times[i];
    // Else the last grid time in the window, else its end: on the shared wall-clock grid, the
    // peers' batches (same code, NTP-close clocks) land while this process is awake anyway.
    const grid = Math.floor(hi / GRID_MS) * GRID_MS;
    const at = existing !== undefined && existing <= hi ? existing : grid >= lo ? grid : hi;
    const timer: WheelTimer = { at, fn };
    let set = this.slots.get(at);
    if (!set) {
      set = new Set();
      this.slots.set(at, set);
      this.times.splice(i, 0, at);
    }
    set.add(timer);
    if (at < this.armedAt) this.arm(at);
    return timer;
  }

  clear(timer: WheelTimer | undefined): void {
    if (!timer) return;
    const set = this.slots.get(timer.at);
    if (!set?.delete(timer) || set.size > 0) return;
    this.slots.delete(timer.at);
    const i = this.firstAtOrAfter(timer.at);
    if (this.times[i] === timer.at) this.times.splice(i, 1);
  }

  /** Cancels everything (the wheel can be used again). */
  stop(): void {
    this.slots.clear();
    this.times.length = 0;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private arm(at: number): void {
    if (this.handle) clearTimeout(this.handle);
    this.armedAt = at;
    this.handle = setTimeout(() => this.fire(), Math.max(0, at - this.now()));
    this.handle.unref();
  }

  private fire(): void {
    this.fired++;
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    // Node timers have 1 ms resolution and may fire a fraction of a millisecond early.
    const due = this.now() + 1;
    // In time order; a callback may add timers, including ones already due.
    for (;;) {
      const first = this.times[0];
      if (first === undefined) return;
      if (first > due) {
        this.arm(first);
        return;
      }
      this.times.shift();
      const set = this.slots.get(first) as Set<WheelTimer>;
      this.slots.delete(first);
      for (const t of set) t.fn();
    }
  }
}
