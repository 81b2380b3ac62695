/**
 * The client-visible loss window of a failover, from the results of a client that starts a
 * request every `intervalMs` (probe.ts `every`): the time from the first failed request to the
 * end of the interval of the last one. With ECMP only the flows hashed to the failed node fail,
 * so failed and successful requests interleave; the window spans them all. Shared by the e2e
 * failover scenarios (a load-balancer node dies, a floating-IP holder dies).
 */
export interface ProbeSample {
  /** When the request started (ms). */
  t: number;
  ok: boolean;
}

export interface LossWindow {
  /** 0 when nothing failed. */
  windowMs: number;
  failed: number;
  total: number;
  /** Start of the first and the last failed request (ms), when any failed. */
  firstFailedAt?: number;
  lastFailedAt?: number;
}

export function lossWindow(samples: readonly ProbeSample[], intervalMs: number): LossWindow {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0)
    throw new Error(`intervalMs must be a positive number of milliseconds, got ${intervalMs}`);
  const failed = samples.filter((s) => !s.ok).map((s) => s.t);
  if (failed.length === 0) return { windowMs: 0, failed: 0, total: samples.length };
  const first = Math.min(...failed);
  const last = Math.max(...failed);
  return {
    windowMs: last - first + intervalMs,
    failed: failed.length,
    total: samples.length,
    firstFailedAt: first,
    lastFailedAt: last,
  };
}
