import { DEFAULT_DRAIN_DELAY_SECONDS, type DrainSettings } from '@bgplb/api-types/advertiser-config';

/** What `--on-exit drain` does on SIGTERM (RFC 8326): GRACEFUL_SHUTDOWN for `delayMs`, with this fallback. */
export interface ExitDrain {
  delayMs: number;
  medIncrease: number;
  asPathPrepend: number;
}

/** The `--drain-*` flags given on the command line (absent ones are not set). */
export type ExitDrainFlags = Partial<ExitDrain>;

/**
 * The drain `--on-exit drain` runs, per field: the flag when given (a per-node override, e.g. a
 * node known to take longer), else the Cluster's `spec.loadBalancer` setting (one place for every
 * control-plane node, followed live), else the default (15 s, nothing added). Pure.
 */
export function resolveExitDrain(flags: ExitDrainFlags, cluster: DrainSettings | undefined): ExitDrain {
  return {
    delayMs: flags.delayMs ?? secondsToMs(cluster?.drainDelay) ?? DEFAULT_DRAIN_DELAY_SECONDS * 1000,
    medIncrease: flags.medIncrease ?? cluster?.drainMEDIncrease ?? 0,
    asPathPrepend: flags.asPathPrepend ?? cluster?.drainASPathPrepend ?? 0,
  };
}

const secondsToMs = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);

/** True when two drains do the same (a live Cluster change that touches neither is not logged). */
export function sameExitDrain(a: ExitDrain, b: ExitDrain): boolean {
  return a.delayMs === b.delayMs && a.medIncrease === b.medIncrease && a.asPathPrepend === b.asPathPrepend;
}
