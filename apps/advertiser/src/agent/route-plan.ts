/**
 * Route planner: BGPAdvertisedRoute objects -> the paths of every prefix, and the smallest set of
 * speaker calls (setPaths / withdraw) that turns what was applied into what is wanted. Pure.
 *
 * Every next hop becomes a path (MED = the route's metric). The speaker sends all of them where
 * ADD-PATH is negotiated; elsewhere the per-session path selector (next-hops.ts) picks one. A
 * route with `weights` (externalTrafficPolicy: Local, weighted ECMP) gives each path a link
 * bandwidth of weight x LINK_BANDWIDTH_PER_ENDPOINT, so routers split traffic by endpoints.
 * A next hop in `spec.drain` (its node is being drained, RFC 8326) is sent with the
 * GRACEFUL_SHUTDOWN community, its MED raised by `medIncrease` and our AS prepended
 * `asPathPrepend` more times, until the controller removes it.
 */
import { formatProblem, LINK_BANDWIDTH_PER_ENDPOINT, parseBGPAdvertisedRoute } from '@bgplb/api-types';
import { compareAddressText } from '@bgplb/floating-ip-allocator';
import { drainingPath } from '../shared/draining-path.js';
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

/** What one object contributes: its prefix and sorted paths, or why it was skipped. */
type Contribution =
  | { ok: true; name: string; prefix: string; paths: PathSpec[] }
  | { ok: false; name: string; message: string };

// The informer keeps an object's identity until it changes, so each object's contribution is
// computed once: with 10k routes, one change re-validates and re-sorts one object, not 10k.
const contributions = new WeakMap<object, Contribution>();

function sortedPaths(byHop: ReadonlyMap<string, PathSpec>): PathSpec[] {
  return [...byHop.entries()].sort(([a], [b]) => compareAddressText(a, b)).map(([, path]) => path);
}

function contributionOf(raw: unknown): Contribution {
  const cacheable = typeof raw === 'object' && raw !== null;
  const cached = cacheable ? contributions.get(raw) : undefined;
  if (cached !== undefined) return cached;
  const parsed = parseBGPAdvertisedRoute(raw);
  let c: Contribution;
  if (!parsed.ok) {
    c = { ok: false, name: nameOf(raw), message: parsed.problems.map(formatProblem).join('; ') };
  } else {
    const { prefix, nextHops, metric, weights, drain } = parsed.value.spec;
    const draining = new Set(drain?.nextHops ?? []);
    const byHop = new Map(
      nextHops.map(
        (h) =>
          [
            h,
            drain !== undefined && draining.has(h)
              ? drainingPath(h, metric, drain)
              : { nextHop: h, med: metric },
          ] as const,
      ),
    );
    let paths = sortedPaths(byHop);
    if (weights !== undefined)
      paths = paths.map((p) => ({ ...p, linkBandwidth: weights[p.nextHop]! * LINK_BANDWIDTH_PER_ENDPOINT }));
    c = { ok: true, name: parsed.value.metadata.name, prefix, paths };
  }
  if (cacheable) contributions.set(raw, c);
  return c;
}

export function planRoutes(routes: readonly unknown[]): DesiredRoutes {
  const paths = new Map<string, PathSpec[]>();
  const sources = new Map<string, string[]>();
  const merged = new Map<string, Map<string, PathSpec>>();
  const problems: { name: string; message: string }[] = [];
  for (const raw of routes) {
    const c = contributionOf(raw);
    if (!c.ok) {
      problems.push({ name: c.name, message: c.message });
      continue;
    }
    const names = sources.get(c.prefix);
    if (names === undefined) {
      sources.set(c.prefix, [c.name]);
      paths.set(c.prefix, c.paths);
      continue;
    }
    // Two objects for one VIP is a controller bug; announce the union, lowest MED per hop (a hop
    // that one of them does not drain is not drained; no link bandwidth: the two objects' weights
    // do not add up to one split).
    problems.push({
      name: c.name,
      message: `prefix ${c.prefix} is also announced by BGPAdvertisedRoute ${names.join(', ')}; next hops are merged`,
    });
    names.push(c.name);
    let byHop = merged.get(c.prefix);
    if (byHop === undefined) {
      byHop = new Map(
        (paths.get(c.prefix) ?? []).map(({ linkBandwidth: _, ...p }) => [p.nextHop, p] as const),
      );
      merged.set(c.prefix, byHop);
    }
    for (const weighted of c.paths) {
      const { linkBandwidth: _, ...path } = weighted;
      const previous = byHop.get(path.nextHop);
      if (previous === undefined || better(path, previous)) byHop.set(path.nextHop, path);
    }
  }
  for (const [prefix, byHop] of merged) paths.set(prefix, sortedPaths(byHop));
  return { paths, sources, problems };
}

/** Lower MED wins; at equal MED the path without the drain marking. */
function better(a: PathSpec, b: PathSpec): boolean {
  const ma = a.med ?? 0;
  const mb = b.med ?? 0;
  if (ma !== mb) return ma < mb;
  return a.communities === undefined && b.communities !== undefined;
}

const fingerprints = new WeakMap<readonly PathSpec[], string>();

/** Stable text of a path list, to detect changes (cached per list: lists are never mutated). */
export function pathsFingerprint(paths: readonly PathSpec[]): string {
  let text = fingerprints.get(paths);
  if (text === undefined) {
    text = paths
      .map(
        (p) =>
          `${p.nextHop}|${p.med ?? ''}|${p.linkBandwidth ?? ''}|${p.communities?.join(' ') ?? ''}|${p.asPathPrepend ?? ''}`,
      )
      .join(',');
    fingerprints.set(paths, text);
  }
  return text;
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
