/**
 * Route planner: BGPAdvertisedRoute objects -> the paths of every prefix, and the smallest set of
 * speaker calls (setPaths / withdraw) that turns what was applied into what is wanted. Pure.
 *
 * Every next hop becomes a path (MED = the route's metric). The speaker sends all of them where
 * ADD-PATH is negotiated; elsewhere the per-session path selector (next-hops.ts) picks one.
 */
import { formatProblem, parseBGPAdvertisedRoute } from '@bgplb/api-types';
import type { PathSpec } from '../shared/index.js';

export interface DesiredRoutes {
  /** prefix -> paths, next hops sorted by address so the text form is stable. */
  paths: Map<string, PathSpec[]>;
  /** prefix -> names of the BGPAdvertisedRoute objects it came from. */
  sources: Map<string, string[]>;
  /** Objects that were skipped, with why. */
  problems: { name: string; message: string }[];
}

function nameOf(raw: unknown): string {
  const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' ? name : '<unnamed>';
}

function addressKey(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

type Parsed = ReturnType<typeof parseBGPAdvertisedRoute>;

// The informer keeps an object's identity until it changes, so validation results can be reused
// across batches: with 10k routes, one change re-validates one object, not 10k.
const parsedCache = new WeakMap<object, Parsed>();

function parseCached(raw: unknown): Parsed {
  if (typeof raw !== 'object' || raw === null) return parseBGPAdvertisedRoute(raw);
  let parsed = parsedCache.get(raw);
  if (parsed === undefined) {
    parsed = parseBGPAdvertisedRoute(raw);
    parsedCache.set(raw, parsed);
  }
  return parsed;
}

export function planRoutes(routes: readonly unknown[]): DesiredRoutes {
  const hops = new Map<string, Map<string, number>>();
  const sources = new Map<string, string[]>();
  const problems: { name: string; message: string }[] = [];
  for (const raw of routes) {
    const parsed = parseCached(raw);
    if (!parsed.ok) {
      problems.push({ name: nameOf(raw), message: parsed.problems.map(formatProblem).join('; ') });
      continue;
    }
    const { prefix, nextHops, metric } = parsed.value.spec;
    const name = parsed.value.metadata.name;
    let byHop = hops.get(prefix);
    if (byHop === undefined) {
      byHop = new Map();
      hops.set(prefix, byHop);
      sources.set(prefix, []);
    } else {
      // Two objects for one VIP is a controller bug; announce the union, lowest MED per hop.
      problems.push({
        name,
        message: `prefix ${prefix} is also announced by BGPAdvertisedRoute ${sources.get(prefix)?.join(', ')}; next hops are merged`,
      });
    }
    sources.get(prefix)?.push(name);
    for (const hop of nextHops) {
      const previous = byHop.get(hop);
      byHop.set(hop, previous === undefined ? metric : Math.min(previous, metric));
    }
  }
  const paths = new Map<string, PathSpec[]>();
  for (const [prefix, byHop] of hops) {
    const list = [...byHop.entries()]
      .sort(([a], [b]) => addressKey(a) - addressKey(b))
      .map(([nextHop, med]) => ({ nextHop, med }));
    paths.set(prefix, list);
  }
  return { paths, sources, problems };
}

/** Stable text of a path list, to detect changes. */
export function pathsFingerprint(paths: readonly PathSpec[]): string {
  return paths.map((p) => `${p.nextHop}|${p.med ?? ''}`).join(',');
}

export interface RouteDiff {
  set: { prefix: string; paths: PathSpec[] }[];
  withdraw: string[];
}

/**
 * Speaker calls that take `applied` (prefix -> fingerprint) to `desired`. A prefix with no next
 * hops left is withdrawn (announcing it with no path would be a black hole). `force` re-sends
 * the given prefixes even when unchanged (e.g. the per-session next-hop choice changed).
 */
export function diffRoutes(
  applied: ReadonlyMap<string, string>,
  desired: ReadonlyMap<string, readonly PathSpec[]>,
  force: ReadonlySet<string> = new Set(),
): RouteDiff {
  const set: { prefix: string; paths: PathSpec[] }[] = [];
  const withdraw: string[] = [];
  for (const [prefix, paths] of desired) {
    if (paths.length === 0) {
      if (applied.has(prefix)) withdraw.push(prefix);
      continue;
    }
    if (force.has(prefix) || applied.get(prefix) !== pathsFingerprint(paths))
      set.push({ prefix, paths: [...paths] });
  }
  for (const prefix of applied.keys()) {
    const paths = desired.get(prefix);
    if (paths === undefined) withdraw.push(prefix);
  }
  set.sort((a, b) => a.prefix.localeCompare(b.prefix));
  withdraw.sort();
  return { set, withdraw };
}

/** Renders problems for a log line. */
export function describeRouteProblems(problems: DesiredRoutes['problems']): string[] {
  return problems.map((p) => `BGPAdvertisedRoute ${p.name}: ${p.message}`);
}
