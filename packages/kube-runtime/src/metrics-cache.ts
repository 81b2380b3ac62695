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
  private text: T | undefined;
  private renderedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<T> | undefined;
  /** How many renders ran (for tests and debugging). */
  renders = 0;

  constructor(options: MetricsCacheOptions<T>) {
    this.render = options.render;
    this.maxAgeMs = options.maxAgeMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  /** The cached text if fresh, else the result of the one render under way or a new one. */
  get(): Promise<T> {
    if (this.text !== undefined && this.now() - this.renderedAt < this.maxAgeMs) {
      return Promise.resolve(this.text);
    }
    if (this.inFlight) return this.inFlight;
    this.renders++;
    const started = this.now();
    const pending = this.render().then(
      (text) => {
        this.text = text;
        this.renderedAt = started;
        this.inFlight = undefined;
        return text;
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
