/**
 * An in-memory LeaseStore with the API server's concurrency rules (create conflicts on an existing
 * name, replace needs the current resourceVersion) and a switch that makes every call fail like an
 * unreachable API server. Every successful write is recorded with its time.
 */
import type { Clock } from '@bgplb/bgp-fsm';
import type { Lease, LeaseWrite } from '@bgplb/kube-runtime';
import type { LeaseStore } from '../floating-ip-leases.js';

export class MemoryLeaseStore implements LeaseStore {
  readonly leases = new Map<string, Lease>();
  readonly writes: { at: number; lease: Lease }[] = [];
  unreachable = false;
  private rv = 0;

  constructor(private readonly clock: Clock) {}

  private check(): void {
    if (this.unreachable) throw new Error('connect ECONNREFUSED 10.96.0.1:443');
  }

  private store(lease: Lease): Lease {
    const stored = structuredClone(lease);
    stored.metadata.resourceVersion = String(++this.rv);
    this.leases.set(`${stored.metadata.namespace}/${stored.metadata.name}`, stored);
    this.writes.push({ at: this.clock.now(), lease: structuredClone(stored) });
    return structuredClone(stored);
  }

  /** Writes a Lease as another party would (no precondition). */
  put(lease: Lease): Lease {
    return this.store(lease);
  }

  lease(namespace: string, name: string): Lease | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  async get(namespace: string, name: string): Promise<Lease | undefined> {
    this.check();
    const l = this.leases.get(`${namespace}/${name}`);
    return l === undefined ? undefined : structuredClone(l);
  }

  async create(lease: Lease): Promise<LeaseWrite> {
    this.check();
    if (this.leases.has(`${lease.metadata.namespace}/${lease.metadata.name}`))
      return { ok: false, reason: 'conflict' };
    return { ok: true, lease: this.store(lease) };
  }

  async replace(lease: Lease): Promise<LeaseWrite> {
    this.check();
    const cur = this.leases.get(`${lease.metadata.namespace}/${lease.metadata.name}`);
    if (cur === undefined || cur.metadata.resourceVersion !== lease.metadata.resourceVersion)
      return { ok: false, reason: 'conflict' };
    return { ok: true, lease: this.store(lease) };
  }
}
