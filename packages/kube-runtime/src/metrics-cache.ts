/**
 * Renders /metrics at most once per interval and shares that render: a burst of scrapers (or an
 * attacker) costs one render per second, not one per request, so it cannot starve the event loop
 * that runs the BGP timers. Concurrent requests during a render wait for the same promise.
 */

export interface MetricsCacheOptions<T = string> {
  /** Renders the exposition text (e.g. `() => registry.metrics()`), or its encoded bytes. */
  render: () => Promise<T>;
  /** A render is reused for this long (default 1000 ms). */
  maxAgeMs?: number;
  /** Monotonic clock in ms (tests inject one). */
  now?: () => number;
}

export class MetricsCache<T = string> {
  private readonly render: () => Promise<T>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** The last render: the exposition text, or its encoded bytes (whatever `render` gives). */
  private rendered: T | undefined;
  private renderedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<T> | undefined;
  /** How many renders ran (for tests and debugging). */
  renders = 0;

  constructor(options: MetricsCacheOptions<T>) {
    this.render = options.render;
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  /** The cached render if fresh, else the result of the one render under way or a new one. */
  get(): Promise<T> {
    if (this.rendered !== undefined && this.now() - this.renderedAt < this.maxAgeMs) {
      return Promise.resolve(this.rendered);
    }
    if (this.inFlight) return this.inFlight;
    this.renders++;
    const started = this.now();
    const pending = this.render().then(
      (rendered) => {
        this.rendered = rendered;
        this.renderedAt = started;
        this.inFlight = undefined;
        return rendered;
      },
      (err: unknown) => {
        // A failed render is not cached: the next request tries again.
        this.inFlight = undefined;
        throw err;
      },
    );
    this.inFlight = pending;
    return pending;
  }
}
