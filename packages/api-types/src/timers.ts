import { DEFAULT_TIMERS } from './constants.js';
import { type PathSegment, type Problem, problem } from './problems.js';
import type { BGPTimers, ResolvedTimers } from './schemas/session-primitives.js';

/**
 * Fills in timers: later layers override earlier ones (e.g. file-wide, then per peer). A missing
 * keepalive is a third of the hold time, capped at 30 s; defaults are hold 90 s, connect retry 5 s.
 */
export function resolveTimers(...layers: ReadonlyArray<BGPTimers | undefined>): ResolvedTimers {
  let holdTime: number | undefined;
  let keepaliveTime: number | undefined;
  let connectRetryTime: number | undefined;
  for (const layer of layers) {
    if (layer === undefined) continue;
    holdTime = layer.holdTime ?? holdTime;
    keepaliveTime = layer.keepaliveTime ?? keepaliveTime;
    connectRetryTime = layer.connectRetryTime ?? connectRetryTime;
  }
  const hold = holdTime ?? DEFAULT_TIMERS.holdTime;
  return {
    holdTime: hold,
    keepaliveTime: keepaliveTime ?? Math.max(1, Math.min(DEFAULT_TIMERS.keepaliveTime, Math.floor(hold / 3))),
    connectRetryTime: connectRetryTime ?? DEFAULT_TIMERS.connectRetryTime,
  };
}

/**
 * Checks that the keepalive fits the hold time: at or above it is an error (the session would
 * expire between keepalives), above a third of it a warning (one lost keepalive drops the session).
 */
export function timerProblems(
  prefix: readonly PathSegment[],
  ownTimers: BGPTimers,
  resolved: ResolvedTimers,
  object?: string,
): Problem[] {
  if (ownTimers.keepaliveTime === undefined && ownTimers.holdTime === undefined) return [];
  const { holdTime, keepaliveTime } = resolved;
  const at = [...prefix, ownTimers.keepaliveTime !== undefined ? 'keepaliveTime' : 'holdTime'];
  if (keepaliveTime >= holdTime) {
    return [
      problem(
        at,
        `keepaliveTime ${keepaliveTime} must be less than holdTime ${holdTime} (a third of it, ${Math.floor(holdTime / 3)}, is recommended)`,
        'error',
        object,
      ),
    ];
  }
  if (keepaliveTime * 3 > holdTime) {
    return [
      problem(
        at,
        `keepaliveTime ${keepaliveTime} is more than a third of holdTime ${holdTime}: a single lost keepalive can expire the session`,
        'warning',
        object,
      ),
    ];
  }
  return [];
}
