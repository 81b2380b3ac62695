/**
 * coordination.k8s.io/v1 Leases: the object, its paths and the three calls every Lease user makes
 * (read, create, replace with the resourceVersion it read). Leader election and the per-floating-IP
 * Leases of the node agents share it; what a Lease *means* (who may take it over, when) stays
 * with each user.
 */
import { type KubeClient, paths } from './client.js';
import { isStatus } from './errors.js';

export interface LeaseSpec {
  holderIdentity?: string | null;
  /** Whole seconds (int32 in the API). */
  leaseDurationSeconds?: number;
  /** metav1.MicroTime (see microTime()). */
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: LeaseSpec;
}

/** Path of the Leases of a namespace, or of one Lease. */
export function leasePath(namespace: string, name?: string): string {
  return paths.group('coordination.k8s.io', 'v1', 'leases', namespace, name);
}

/** Outcome of a write that carries a resourceVersion: `conflict` when someone wrote in between. */
export type LeaseWrite = { ok: true; lease: Lease } | { ok: false; reason: 'conflict' };

export class LeaseClient {
  constructor(private readonly client: KubeClient) {}

  /** The Lease, or undefined when it does not exist. Other errors are thrown. */
  async get(namespace: string, name: string): Promise<Lease | undefined> {
    try {
      return await this.client.get<Lease>(leasePath(namespace, name));
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Creates `lease`; `conflict` when it exists already (someone else created it first). */
  async create(lease: Lease): Promise<LeaseWrite> {
    try {
      return { ok: true, lease: await this.client.create<Lease>(leasePath(lease.metadata.namespace), lease) };
    } catch (err) {
      if (isStatus(err, 409)) return { ok: false, reason: 'conflict' };
      throw err;
    }
  }

  /**
   * Replaces `lease` (optimistic concurrency: its metadata.resourceVersion must be the current
   * one); `conflict` when it changed since it was read, or was deleted.
   */
  async replace(lease: Lease): Promise<LeaseWrite> {
    try {
      const path = leasePath(lease.metadata.namespace, lease.metadata.name);
      return { ok: true, lease: await this.client.replace<Lease>(path, lease) };
    } catch (err) {
      if (isStatus(err, 409) || isStatus(err, 404)) return { ok: false, reason: 'conflict' };
      throw err;
    }
  }
}

/** A Lease object with the given spec (for create). */
export function newLease(
  namespace: string,
  name: string,
  spec: LeaseSpec,
  labels?: Record<string, string>,
): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(labels === undefined ? {} : { labels }) },
    spec,
  };
}
