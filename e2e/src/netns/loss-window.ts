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
  /** How long the request was open, until its answer or its error (ms), when the client says. */
  ms?: number;
  /** The client's error when it failed (`ECONNRESET`, `timeout`, `connect ECONNREFUSED ...`). */
  err?: string;
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

/** A failed request: when it started and how long it was open (ms), and the client's error. */
export interface FailedRequest {
  t: number;
  /** 0 when the client did not say. */
  ms: number;
  err: string;
}

/** The failed requests, in the order they started. */
export function failedRequests(samples: readonly ProbeSample[]): FailedRequest[] {
  return samples
    .filter((s) => !s.ok)
    .map((s) => ({ t: s.t, ms: s.ms ?? 0, err: s.err ?? '(no error text)' }))
    .sort((a, b) => a.t - b.t);
}

/**
 * One line per failed request: its error and its start relative to each named moment
 * (`{ cordon: t0, 'tor1 off': t1 }` -> `read ECONNRESET after 3 ms, started at cordon+2140 ms,
 * tor1 off-12 ms`).
 */
export function describeFailures(
  failed: readonly FailedRequest[],
  moments: Readonly<Record<string, number>>,
): string[] {
  const rel = (d: number) => (d >= 0 ? `+${d}` : `${d}`);
  return failed.map(
    (f) =>
      `${f.err} after ${f.ms} ms, started at ${Object.entries(moments)
        .map(([name, at]) => `${name}${rel(f.t - at)} ms`)
        .join(', ')}`,
  );
}

/**
 * Splits failed requests into the resets an ECMP re-hash explains and the rest. When a router
 * takes a next hop out of its ECMP set (a withdrawal, a drain's lower preference or higher MED),
 * a connection open to that node at that instant is hashed to another node, which does not know
 * it and answers with a reset: the client sees ECONNRESET. `change` brackets the moment of the
 * router's change (after the last look that did not see it, before the first that did); a
 * failure counts as such a reset only when it is an ECONNRESET and the request was open at some
 * instant of that bracket ([t, t + ms] meets [from, to]). Anything else (a timeout, a refusal, a
 * reset of a request that was not open then) is `unexplained`.
 */
export function splitRehashResets(
  failed: readonly FailedRequest[],
  change: { from: number; to: number },
): { resets: FailedRequest[]; unexplained: FailedRequest[] } {
  if (!(change.from <= change.to))
    throw new Error(`the change's bracket must not end before it starts, got [${change.from}, ${change.to}]`);
  const resets: FailedRequest[] = [];
  const unexplained: FailedRequest[] = [];
  for (const f of failed) {
    const openAtChange = f.t <= change.to && f.t + f.ms >= change.from;
    (/\bECONNRESET\b/.test(f.err) && openAtChange ? resets : unexplained).push(f);
  }
  return { resets, unexplained };
}
