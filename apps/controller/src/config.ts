/**
 * The configuration in force: the cluster's objects as validated by @bgplb/api-types, with every
 * invalid object replaced by its last good version. An invalid change is refused (reported with an
 * Event and a condition) and the previous state stays in force; nothing else is disturbed.
 */
import { type ParsedClusterObjects, type Problem, parseClusterObjects } from '@bgplb/api-types';

/** The raw configuration objects of the cluster namespace, as read from the API. */
export interface ConfigObjects {
  cluster?: unknown;
  networkGatewayGroup?: unknown;
  bgpLoadBalancer?: unknown;
  bgpPeers: readonly unknown[];
}

/** A refused object: `Kind/name` and the error problems that made it invalid. */
export interface RefusedObject {
  ref: string;
  /** The raw object, when it exists (the Event is about it). */
  object?: unknown;
  problems: Problem[];
}

export interface EffectiveConfig {
  /** The valid configuration in force, or undefined when nothing valid was ever seen. */
  parsed: ParsedClusterObjects | undefined;
  /** Objects whose current version is refused. */
  refused: RefusedObject[];
  /** Warnings about the configuration in force. */
  warnings: Problem[];
  /** The configuration to remember as the last good one (raw objects). */
  lastGood: ConfigObjects | undefined;
  /** True when the whole last good configuration had to be used (a cross-object problem). */
  usedLastGoodEntirely: boolean;
}

interface Meta {
  kind?: unknown;
  metadata?: { name?: unknown };
}

/** `Kind/name` of a raw object, as api-types names it in problems. */
export function refOf(object: unknown): string {
  const m = (object ?? {}) as Meta;
  return `${String(m.kind ?? '?')}/${String(m.metadata?.name ?? '?')}`;
}

function nameOf(object: unknown): string {
  return String((object as Meta | undefined)?.metadata?.name ?? '');
}

function errorsByObject(problems: readonly Problem[]): { byRef: Map<string, Problem[]>; global: Problem[] } {
  const byRef = new Map<string, Problem[]>();
  const global: Problem[] = [];
  for (const p of problems) {
    if (p.severity !== 'error') continue;
    if (p.object === undefined || p.object.endsWith('/?')) {
      global.push(p);
      continue;
    }
    const list = byRef.get(p.object) ?? [];
    list.push(p);
    byRef.set(p.object, list);
  }
  return { byRef, global };
}

/** Replaces every refused object by its last good version (or drops it when there is none). */
function substitute(
  input: ConfigObjects,
  bad: ReadonlySet<string>,
  lastGood: ConfigObjects | undefined,
): ConfigObjects {
  const pick = (current: unknown, previous: unknown): unknown =>
    current !== undefined && bad.has(refOf(current)) ? previous : current;
  const out: ConfigObjects = { bgpPeers: [] };
  const cluster = pick(input.cluster, lastGood?.cluster);
  if (cluster !== undefined) out.cluster = cluster;
  const ngg = pick(input.networkGatewayGroup, lastGood?.networkGatewayGroup);
  if (ngg !== undefined) out.networkGatewayGroup = ngg;
  const lb = pick(input.bgpLoadBalancer, lastGood?.bgpLoadBalancer);
  if (lb !== undefined) out.bgpLoadBalancer = lb;
  const previousPeers = new Map((lastGood?.bgpPeers ?? []).map((p) => [nameOf(p), p]));
  const peers: unknown[] = [];
  for (const peer of input.bgpPeers) {
    const chosen = pick(peer, previousPeers.get(nameOf(peer)));
    if (chosen !== undefined) peers.push(chosen);
  }
  out.bgpPeers = peers;
  return out;
}

function allObjects(input: ConfigObjects): unknown[] {
  return [input.cluster, input.networkGatewayGroup, input.bgpLoadBalancer, ...input.bgpPeers].filter(
    (o) => o !== undefined,
  );
}

function warningsOf(parsed: ParsedClusterObjects): Problem[] {
  return parsed.problems.filter((p) => p.severity === 'warning');
}

/** Validates `input`; refuses invalid objects and keeps their last good versions in force. */
export function effectiveConfig(input: ConfigObjects, lastGood: ConfigObjects | undefined): EffectiveConfig {
  const first = parseClusterObjects(input);
  if (first.ok) {
    return {
      parsed: first,
      refused: [],
      warnings: warningsOf(first),
      lastGood: input,
      usedLastGoodEntirely: false,
    };
  }
  const { byRef, global } = errorsByObject(first.problems);
  const present = new Map(allObjects(input).map((o) => [refOf(o), o]));
  const refused: RefusedObject[] = [];
  for (const [ref, problems] of byRef) {
    const r: RefusedObject = { ref, problems };
    const object = present.get(ref);
    if (object !== undefined) r.object = object;
    refused.push(r);
  }
  if (global.length > 0) refused.push({ ref: '', problems: global });
  refused.sort((a, b) => a.ref.localeCompare(b.ref));

  if (global.length === 0) {
    const candidate = substitute(input, new Set(byRef.keys()), lastGood);
    const second = parseClusterObjects(candidate);
    if (second.ok) {
      return {
        parsed: second,
        refused,
        warnings: warningsOf(second),
        lastGood: candidate,
        usedLastGoodEntirely: false,
      };
    }
  }
  if (lastGood !== undefined) {
    const previous = parseClusterObjects(lastGood);
    if (previous.ok) {
      return {
        parsed: previous,
        refused,
        warnings: warningsOf(previous),
        lastGood,
        usedLastGoodEntirely: true,
      };
    }
  }
  return { parsed: undefined, refused, warnings: [], lastGood, usedLastGoodEntirely: false };
}
