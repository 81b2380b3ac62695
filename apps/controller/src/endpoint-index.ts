/**
 * The EndpointSlices of every Service, indexed by Service (`namespace/name`, from the
 * `kubernetes.io/service-name` label), with each Service's ready endpoints per node. The informer
 * feeds it one change at a time; it says which Service's counts changed, so that only that
 * Service is decided again (an endpoint that changes only its address or ports changes nothing).
 */
import type { ChangeType } from '@bgplb/kube-runtime';
import { type EndpointCounts, readyEndpointsByNode } from './desired/local-endpoints.js';
import { objectKey, SERVICE_NAME_LABEL } from './names.js';
import type { EndpointSliceObject } from './types.js';

function sameCounts(a: EndpointCounts | undefined, b: EndpointCounts): boolean {
  if (a === undefined) return b.size === 0;
  if (a.size !== b.size) return false;
  for (const [node, n] of a) if (b.get(node) !== n) return false;
  return true;
}

export class EndpointIndex {
  /** Service key -> slice name -> slice. */
  private readonly slices = new Map<string, Map<string, EndpointSliceObject>>();
  /** Service key -> ready endpoints per node (only Services with at least one slice). */
  private readonly counts = new Map<string, EndpointCounts>();
  /** Slice `namespace/name` -> the Service key it was filed under (its label may change). */
  private readonly serviceOfSlice = new Map<string, string>();

  /** Applies one informer change; returns the Service keys whose counts changed. */
  update(type: ChangeType, slice: EndpointSliceObject): string[] {
    const sliceKey = objectKey(slice.metadata.namespace ?? 'default', slice.metadata.name);
    const before = this.serviceOfSlice.get(sliceKey);
    const label = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    const after =
      type === 'delete' || label === undefined || label === ''
        ? undefined
        : objectKey(slice.metadata.namespace ?? 'default', label);
    const touched = new Set<string>();
    if (before !== undefined && before !== after) {
      this.slices.get(before)?.delete(sliceKey);
      this.serviceOfSlice.delete(sliceKey);
      touched.add(before);
    }
    if (after !== undefined) {
      let of = this.slices.get(after);
      if (of === undefined) {
        of = new Map();
        this.slices.set(after, of);
      }
      of.set(sliceKey, slice);
      this.serviceOfSlice.set(sliceKey, after);
      touched.add(after);
    }
    const changed: string[] = [];
    for (const key of touched) {
      const slices = this.slices.get(key);
      const next = readyEndpointsByNode(slices === undefined ? [] : [...slices.values()]);
      if (slices !== undefined && slices.size === 0) this.slices.delete(key);
      if (sameCounts(this.counts.get(key), next)) continue;
      if (next.size === 0) this.counts.delete(key);
      else this.counts.set(key, next);
      changed.push(key);
    }
    return changed;
  }

  /** A Service's ready endpoints per node, or undefined when it has none. */
  get(serviceKey: string): EndpointCounts | undefined {
    return this.counts.get(serviceKey);
  }

  /** Every Service's counts (a live view: read it before the next update). */
  all(): ReadonlyMap<string, EndpointCounts> {
    return this.counts;
  }
}
