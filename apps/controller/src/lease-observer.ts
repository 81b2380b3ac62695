/**
 * What the controller has seen of the per-floating-IP Leases (issue 17): for each floating IP, the
 * Lease's holder and *when this controller saw the Lease change*, on its own clock. Renewal
 * timestamps written by the nodes are never compared with local time (client-go's rule), so a
 * node whose clock is off cannot make its Lease look fresh or stale.
 *
 * Fed by the Lease informer (every renewal) and by direct reads of Leases that look expired
 * (a lagging watch must not move a floating IP: see Controller.verifyExpiredLeases).
 */
import { FLOATING_IP_ANNOTATION, floatingIPLeaseName } from '@bgplb/api-types';
import type { FloatingIPLease } from '@bgplb/floating-ip-allocator';
import type { Lease } from '@bgplb/kube-runtime';

interface Seen {
  record: string;
  holder: string | null;
  renewedAt: number;
  durationSeconds: number | undefined;
}

/** The floating IP a Lease is about: its annotation, checked against the name. */
export function leaseFloatingIP(lease: Pick<Lease, 'metadata'>): string | undefined {
  const ip = lease.metadata.annotations?.[FLOATING_IP_ANNOTATION];
  // A Lease whose annotation does not match its name was not written by an agent: ignored.
  return ip !== undefined && floatingIPLeaseName(ip) === lease.metadata.name ? ip : undefined;
}

export class LeaseObservations {
  private readonly seen = new Map<string, Seen>();

  /**
   * Notes a Lease as read now; returns true when its record changed (a renewal or a claim). `now`
   * is monotonic (performance.now()): a step of the wall clock must not age or refresh a Lease.
   */
  observe(lease: Lease, now: number): boolean {
    const ip = leaseFloatingIP(lease);
    if (ip === undefined) return false;
    const spec = lease.spec ?? {};
    const record = JSON.stringify([
      spec.holderIdentity ?? null,
      spec.renewTime ?? null,
      spec.leaseDurationSeconds,
    ]);
    const before = this.seen.get(ip);
    if (before !== undefined && before.record === record) return false;
    this.seen.set(ip, {
      record,
      holder: spec.holderIdentity ?? null,
      renewedAt: now,
      durationSeconds: typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : undefined,
    });
    return true;
  }

  forget(lease: Pick<Lease, 'metadata'>): void {
    const ip = leaseFloatingIP(lease);
    if (ip !== undefined) this.seen.delete(ip);
  }

  /**
   * The input of the allocator: floating IP -> holder and when its Lease was last seen to change,
   * as a wall time (`wallNow` minus the monotonic age), so the age is exact whatever the wall clock did.
   */
  snapshot(wallNow: number, monoNow: number): Record<string, FloatingIPLease> {
    const out: Record<string, FloatingIPLease> = {};
    for (const [ip, s] of this.seen)
      out[ip] = {
        holder: s.holder,
        renewedAt: wallNow - (monoNow - s.renewedAt),
        durationSeconds: s.durationSeconds,
      };
    return out;
  }
}
