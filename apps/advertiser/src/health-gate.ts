/**
 * Health gating of the VIP: a periodic check (the local API server's /readyz) decides whether this
 * node should announce. The VIP is withdrawn after `failureThreshold` consecutive failures and
 * announced again after `successThreshold` consecutive successes. Until the first verdict the
 * node does not announce: traffic only goes to control-plane nodes known to work.
 */

import { systemClock } from '@bgplb/bgp-fsm';

export interface CheckResult {
  ok: boolean;
  /** e.g. `HTTP 200`, `HTTP 503`, `timeout after 2s`, `connect ECONNREFUSED 127.0.0.1:6443`. */
  detail: string;
}

/** Timers, injectable so that tests drive the gate with a fake clock (default: bgp-fsm's `systemClock`). */
export interface GateClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface HealthGateOptions {
  check: () => Promise<CheckResult>;
  intervalMs: number;
  failureThreshold: number;
  successThreshold: number;
  clock?: GateClock;
  /** Called when the verdict changes (first verdict included). */
  onChange: (healthy: boolean, reason: string) => void;
  /** Called after every check, e.g. to log failures and count them in metrics. */
  onResult?: (result: CheckResult, consecutiveFailures: number) => void;
}

export class HealthGate {
  private healthyState: boolean | undefined;
  private failures = 0;
  private successes = 0;
  private timer: unknown;
  private stopped = true;
  private readonly clock: GateClock;

  constructor(private readonly options: HealthGateOptions) {
    if (!(options.failureThreshold >= 1 && options.successThreshold >= 1)) {
      throw new Error('health check thresholds must be at least 1');
    }
    this.clock = options.clock ?? systemClock;
  }

  /** `undefined` until the first verdict. */
  get healthy(): boolean | undefined {
    return this.healthyState;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Runs the first check now, then every interval (measured from the end of the previous check). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Feeds one result (what `tick` does after a check; public for tests and for a first verdict). */
  record(result: CheckResult): void {
    if (result.ok) {
      this.failures = 0;
      this.successes++;
    } else {
      this.successes = 0;
      this.failures++;
    }
    this.options.onResult?.(result, this.failures);
    if (result.ok && this.healthyState !== true) {
      // The first verdict is immediate; a recovery needs `successThreshold` successes in a row.
      if (this.healthyState === undefined || this.successes >= this.options.successThreshold) {
        this.healthyState = true;
        this.options.onChange(true, `health check passed (${result.detail})`);
      }
    } else if (!result.ok && this.healthyState !== false) {
      // Before any verdict one failure is enough to say "not healthy": nothing is announced yet.
      if (this.healthyState === undefined || this.failures >= this.options.failureThreshold) {
        this.healthyState = false;
        const times = this.failures === 1 ? 'once' : `${this.failures} times in a row`;
        this.options.onChange(false, `health check failed ${times} (last: ${result.detail})`);
      }
    }
  }

  private async tick(): Promise<void> {
    let result: CheckResult;
    try {
      result = await this.options.check();
    } catch (err) {
      result = { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
    if (this.stopped) return;
    this.record(result);
    this.timer = this.clock.setTimeout(() => void this.tick(), this.options.intervalMs);
  }
}
