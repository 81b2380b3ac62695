/**
 * Timers for many BFD sessions, coalesced: each timer may fire anywhere in a window
 * [earliest, latest], and joins a wake-up already planned inside its window instead of adding
 * one. A timer alone fires at its latest time, so later timers can join it. 100 sessions at
 * 300 ms otherwise wake the event loop ~400 times a second for their sends, and those wake-ups,
 * not the BFD logic, are most of the idle cost (docs/benchmarks.md). Transmit timers get a window
 * inside the RFC 5880 jitter range; detection timers fire up to one grid step early (they only
 * check the deadline and re-arm) and at most 2% late, so Down is never declared early.
 *
 * Per packet the wheel allocates nothing: a session keeps its two `WheelTimer`s and restarts
 * them (`start`), and the one Node timer behind the wheel is re-armed once per wake-up, after
 * every callback of that wake-up has run, not once per timer the callbacks restart.
 */

/**
 * Wake-ups are placed on multiples of this many ms of the clock when the window allows. Sessions
 * give their transmit timers (inside the jitter range) and detection timers (which may fire early
 * and re-arm) windows at least this wide, so at 300 ms every timer lands on the grid: 25 wake-ups
 * a second for any number of sessions (20 ms gave ~47, the earlier 10% windows ~90).
 */
export const GRID_MS = 40;

/** The timers due at one planned wake-up. */
interface Slot {
  at: number;
  /** Timers started into this slot; those since stopped or moved are skipped when it fires. */
  timers: WheelTimer[];
  /** How many of `timers` are still in it. */
  live: number;
}

/** A restartable timer of a TimerWheel: create it once, `start` and `clear` it many times. */
export class WheelTimer {
  /** @internal the slot it waits in; undefined when not running. */
  slot: Slot | undefined = undefined;

  constructor(readonly fn: () => void) {}

  /** When it fires (ms of the wheel's clock), or undefined when it is not running. */
  get at(): number | undefined {
    return this.slot?.at;
  }

  get running(): boolean {
    return this.slot !== undefined;
  }
}

export class TimerWheel {
  /** Planned wake-ups, ascending by time. */
  private readonly slots: Slot[] = [];
  private armedAt = Number.POSITIVE_INFINITY;
  private handle: ReturnType<typeof setTimeout> | undefined;
  /** Set while callbacks run: the Node timer is armed once, when they are done. */
  private firing = false;
  /** Wake-ups so far (for the benchmark and metrics). */
  fired = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of pending timers. */
  get size(): number {
    let n = 0;
    for (const s of this.slots) n += s.live;
    return n;
  }

  /** Number of planned wake-ups. */
  get wakeups(): number {
    return this.slots.length;
  }

  /** Runs `fn` once, between `earliestMs` and `latestMs` from now. */
  set(fn: () => void, earliestMs: number, latestMs = earliestMs): WheelTimer {
    const timer = new WheelTimer(fn);
    this.start(timer, earliestMs, latestMs);
    return timer;
  }

  /** (Re)starts `timer` to fire once between `earliestMs` and `latestMs` from now. */
  start(timer: WheelTimer, earliestMs: number, latestMs = earliestMs): void {
    if (timer.slot !== undefined) this.clear(timer);
    const now = this.now();
    // Whole milliseconds inside the window (the clock and Node's timers count whole ms): never
    // before `earliestMs`, and after `latestMs` only when the window holds no whole ms.
    const lo = Math.ceil(now + Math.max(0, earliestMs));
    const hi = Math.max(lo, Math.floor(now + latestMs));
    const i = this.firstAtOrAfter(lo);
    let slot = this.slots[i];
    if (slot === undefined || slot.at > hi) {
      // No wake-up planned inside the window: the last grid time in it, else its end. On the
      // shared wall-clock grid the peers' batches (same code, NTP-close clocks) land while this
      // process is awake anyway. (No slot holds exactly that time: the first one at or after
      // `lo` is past `hi`.)
      const grid = Math.floor(hi / GRID_MS) * GRID_MS;
      slot = { at: grid >= lo ? grid : hi, timers: [], live: 0 };
      this.slots.splice(i, 0, slot);
    }
    slot.timers.push(timer);
    slot.live++;
    timer.slot = slot;
    if (!this.firing && slot.at < this.armedAt) this.arm(slot.at);
  }

  /** Stops `timer` if it runs (an undefined or stopped timer is fine). */
  clear(timer: WheelTimer | undefined): void {
    const slot = timer?.slot;
    if (slot === undefined) return;
    (timer as WheelTimer).slot = undefined;
    if (--slot.live > 0) return;
    // An empty slot plans no wake-up. (Two slots share a time only after a requeue.)
    for (let i = this.firstAtOrAfter(slot.at); this.slots[i]?.at === slot.at; i++)
      if (this.slots[i] === slot) {
        this.slots.splice(i, 1);
        // The Node timer follows the first wake-up (not while callbacks run: it is armed after).
        if (i === 0 && !this.firing) this.rearm();
        return;
      }
  }

  /** Cancels everything (the wheel can be used again). */
  stop(): void {
    for (const s of this.slots) for (const t of s.timers) if (t.slot === s) t.slot = undefined;
    this.slots.length = 0;
    this.rearm();
  }

  private firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.slots[mid] as Slot).at < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private rearm(): void {
    const first = this.slots[0];
    if (first !== undefined) {
      if (first.at !== this.armedAt) this.arm(first.at);
      return;
    }
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private arm(at: number): void {
    if (this.handle) clearTimeout(this.handle);
    this.armedAt = at;
    this.handle = setTimeout(this.onTimeout, Math.max(0, at - this.now()));
    this.handle.unref();
  }

  private readonly onTimeout = (): void => {
    this.fired++;
    this.handle = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    this.firing = true;
    try {
      this.runDue();
    } finally {
      this.firing = false;
      this.rearm();
    }
  };

  private runDue(): void {
    // Node timers have 1 ms resolution and may fire a fraction of a millisecond early.
    const due = this.now() + 1;
    // In time order; a callback may start timers, including ones already due (they get a slot
    // of their own, run in this loop).
    for (;;) {
      const slot = this.slots[0];
      if (slot === undefined || slot.at > due) return;
      this.slots.shift();
      const timers = slot.timers;
      for (let i = 0; i < timers.length; i++) {
        const t = timers[i] as WheelTimer;
        if (t.slot !== slot) continue;
        t.slot = undefined;
        slot.live--;
        try {
          t.fn();
        } catch (err) {
          // The rest of this wake-up's timers are not lost: they run on the next turn (the
          // wheel re-arms in onTimeout); the error goes on to the caller as before.
          this.requeue(slot, i + 1);
          throw err;
        }
      }
    }
  }

  private requeue(slot: Slot, from: number): void {
    slot.timers = slot.timers.slice(from);
    if (slot.live === 0) return;
    this.slots.splice(this.firstAtOrAfter(slot.at), 0, slot);
  }
}
