import {
  findOverlaps,
  type NumericRange,
  parseAddress,
  parsePoolEntry,
  rangeContains,
} from '@bgplb/floating-ip-allocator';
import { type PathSegment, type Problem, problem } from '../problems.js';
import type { Cluster } from '../schemas/cluster.js';

// Helpers shared by the validation rules: paths, duplicates, pool ranges, the cluster's own addresses.

export const CP_NODES: PathSegment[] = ['spec', 'controlPlane', 'nodePoolSpec', 'nodes'];
export const LB: PathSegment[] = ['spec', 'loadBalancer'];

export interface PoolRange {
  range: NumericRange;
  text: string;
  pool: string;
  path: PathSegment[];
}

export function ref(kind: string, name: string): string {
  return `${kind}/${name}`;
}

/** Reports every address that appears twice in `entries` (at the later occurrence). */
export function duplicates(
  entries: ReadonlyArray<{ value: string; path: PathSegment[] }>,
  what: string,
  object: string,
): Problem[] {
  const seen = new Map<string, PathSegment[]>();
  const out: Problem[] = [];
  for (const { value, path } of entries) {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, path);
    else
      out.push(problem(path, `duplicate ${what} ${value} (already at ${pathText(first)})`, 'error', object));
  }
  return out;
}

export function pathText(path: readonly PathSegment[]): string {
  return problem(path, '').path;
}

export function poolRanges(cluster: Cluster): PoolRange[] {
  const out: PoolRange[] = [];
  cluster.spec.loadBalancer.addressPools.forEach((pool, p) => {
    pool.addresses.forEach((text, a) => {
      const parsed = parsePoolEntry(text);
      if (parsed.ok)
        out.push({
          range: parsed.value,
          text,
          pool: pool.name,
          path: [...LB, 'addressPools', p, 'addresses', a],
        });
    });
  });
  return out;
}

/**
 * Pairs [earlier, later] of pool entries that share addresses: every entry that overlaps an earlier
 * one, with the first it overlaps (the allocator drops exactly these; see {@link findOverlaps}).
 */
export function overlappingPairs(ranges: readonly PoolRange[]): Array<[PoolRange, PoolRange]> {
  return findOverlaps(ranges.map((r) => r.range)).map(([a, b]) => [ranges[a]!, ranges[b]!]);
}

/** Addresses that belong to the cluster itself (nodes and VIPs), with what they are. */
export function ownAddresses(cluster: Cluster): Map<string, string> {
  const lb = cluster.spec.loadBalancer;
  const out = new Map<string, string>();
  out.set(lb.vips.controlPlaneVIP, 'the control-plane VIP');
  if (lb.vips.controlPlaneVIPOtherFamily !== undefined)
    out.set(lb.vips.controlPlaneVIPOtherFamily, 'the control-plane VIP of the other family');
  if (lb.vips.ingressVIP !== undefined) out.set(lb.vips.ingressVIP, 'the ingress VIP');
  for (const n of lb.nodePoolSpec?.nodes ?? []) out.set(n.address, 'the address of a load-balancer node');
  for (const n of cluster.spec.controlPlane.nodePoolSpec.nodes)
    out.set(n.address, 'the address of a control-plane node');
  return out;
}

export function poolOf(ranges: readonly PoolRange[], address: string): PoolRange | undefined {
  const parsed = parseAddress(address);
  return parsed.ok ? ranges.find((r) => rangeContains(r.range, parsed.value)) : undefined;
}

/** The namespace of a cluster's objects: always `cluster-<name>` (the Cluster's own is checked apart). */
export function clusterNamespace(cluster: Cluster | undefined): string | undefined {
  return cluster === undefined ? undefined : `cluster-${cluster.metadata.name}`;
}
