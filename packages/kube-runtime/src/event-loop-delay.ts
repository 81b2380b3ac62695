/**
 * `bgplb_event_loop_delay_seconds{quantile}`: how late the event loop ran timers, from
 * `perf_hooks.monitorEventLoopDelay`. A stall here delays BGP keepalives (and BFD), so operators
 * alert on it. Quantiles 0.5, 0.9, 0.99 and 1 (the maximum) cover the window since the previous
 * /metrics render (the histogram restarts after each one, like prom-client's own lag metrics).
 *
 * The histogram records the whole interval between two of its timer's runs, sampling period
 * included: an idle loop sampled every 10 ms reads 10.1 ms (prom-client's `nodejs_eventloop_lag_*`
 * report it so). What an operator asks is how late a due timer ran, so the gauge reports the
 * interval minus the sampling period (0.1 ms for that idle loop). The subtraction is monotonic,
 * so each quantile of the lateness is the same quantile of the interval minus the period.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

export const EVENT_LOOP_DELAY_METRIC = 'bgplb_event_loop_delay_seconds';
const QUANTILES = [0.5, 0.9, 0.99, 1] as const;

export interface EventLoopDelayMonitor {
  stop(): void;
}

/**
 * How late a timer due every `resolutionMs` ran, in seconds, from one interval between two of its
 * runs (nanoseconds, as `monitorEventLoopDelay` records it); an empty window (0) and an interval
 * shorter than the period (timer coalescing) read as 0.
 */
export function latenessSeconds(intervalNs: number, resolutionMs: number): number {
  return Math.max(0, intervalNs - resolutionMs * 1e6) / 1e9;
}

/**
 * Starts sampling (every `resolutionMs`, default 10 ms) and registers the gauge in `registry`.
 * Registering twice in one registry reuses the first monitor's gauge and starts no second one.
 */
export function registerEventLoopDelay(registry: Registry, resolutionMs = 10): EventLoopDelayMonitor {
  if (registry.getSingleMetric(EVENT_LOOP_DELAY_METRIC)) return { stop: () => {} };
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  const gauge = new Gauge({
    name: EVENT_LOOP_DELAY_METRIC,
    help: 'Event loop delay since the previous scrape (quantile 1 is the maximum), seconds',
    labelNames: ['quantile'],
    registers: [registry],
    collect() {
      for (const q of QUANTILES) {
        // Nanoseconds; an empty window (no sample yet) reads as 0.
        const ns = histogram.count === 0 ? 0 : q === 1 ? histogram.max : histogram.percentile(q * 100);
        gauge.set({ quantile: String(q) }, latenessSeconds(ns, resolutionMs));
      }
      histogram.reset();
    },
  });
  return {
    stop: () => {
      histogram.disable();
      registry.removeSingleMetric(EVENT_LOOP_DELAY_METRIC);
    },
  };
}
