/**
 * Durations as operators write them on both command lines (`--check-interval 5s`,
 * `--heartbeat 30s`, `--timeout 1m30s`): parsed once, here.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `30s`, `500ms`, `2m`, `1m30s`, `1.5s`, `1h`, or a bare number of seconds. Returns
 * milliseconds; throws a readable error naming `what` otherwise.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    matched = re.lastIndex;
  }
  if (trimmed === '' || matched !== trimmed.length) {
    throw new Error(`invalid ${what} "${text}": expected e.g. 30s, 500ms, 2m or 1m30s`);
  }
  return Math.round(total);
}

/** `1500` -> `1.5s`, `250` -> `250ms`, for messages. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}
