/**
 * What the operator's alerts need from the status objects, as pure functions of the cached objects:
 * how long ago each BGPSession was last reported by its node (an agent that stopped reporting), and
 * how many next hops each BGPAdvertisedRoute has (a VIP with no path). The controller's metrics
 * read them at scrape time (metrics.ts), so they are never older than the informers' caches.
 */
import type { KubeObject } from './types.js';

export interface SessionReportAge {
  session: string;
  node: string;
  /** Seconds since `status.lastReportTime`, or since creation when the node never reported. */
  ageSeconds: number;
}

export interface RouteNextHopCount {
  route: string;
  prefix: string;
  nextHops: number;
}

function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
  const t = new Date(value).getTime();
  return Number.isNaN(t) ? undefined : t;
}

/** Report age of every BGPSession; never negative (clock skew between nodes reads as 0). */
export function sessionReportAges(sessions: readonly KubeObject[], nowMs: number): SessionReportAge[] {
  const out: SessionReportAge[] = [];
  for (const s of sessions) {
    const spec = (s as { spec?: { nodeName?: unknown } }).spec;
    const status = (s as { status?: { lastReportTime?: unknown } }).status;
    const since = timeOf(status?.lastReportTime) ?? timeOf(s.metadata.creationTimestamp);
    if (since === undefined) continue;
    out.push({
      session: s.metadata.name,
      node: typeof spec?.nodeName === 'string' ? spec.nodeName : '',
      ageSeconds: Math.max(0, (nowMs - since) / 1000),
    });
  }
  return out;
}

/** Next hops of every BGPAdvertisedRoute (0: the VIP is announced by nobody). */
export function routeNextHopCounts(routes: readonly KubeObject[]): RouteNextHopCount[] {
  return routes.map((r) => {
    const spec = (r as { spec?: { prefix?: unknown; nextHops?: unknown } }).spec;
    return {
      route: r.metadata.name,
      prefix: typeof spec?.prefix === 'string' ? spec.prefix : '',
      nextHops: Array.isArray(spec?.nextHops) ? spec.nextHops.length : 0,
    };
  });
}
