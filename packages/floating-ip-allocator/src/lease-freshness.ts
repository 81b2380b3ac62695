/**
 * Lease freshness: has the holder of a floating IP renewed that floating IP's Lease recently?
 *
 * The holder renews one Lease per floating IP every renew period. The caller (the controller)
 * records *when it saw* each renewal, on its own clock, the way client-go's leader election does:
 * no timestamp written by another machine is ever compared with local time, so clock offsets
 * between nodes do not matter (only clock rates, which differ by parts per million).
 *
 * A holder that has just been given a floating IP has not claimed its Lease yet (the Lease still
 * names the previous holder): it has the expiry time from when it was given the IP to do so.
 * A floating IP without a Lease at all is left to the slow path (NotReady + grace): its holder
 * runs an agent that does not renew Leases (or the Lease path is off), and moving its IP every
 * expiry period would be worse than waiting.
 *
 * Pure: the current time is an input.
 */
import { formatAddress, parseAddress, toMillis } from './address.js';
import type { TimeInput } from './floating-ips.js';

/** What the caller knows of one floating IP's Lease. */
export interface FloatingIPLease {
  /** The Lease's holderIdentity (the node that claimed or renewed it last), or null. */
  holder: string | null;
  /** When the caller last saw this Lease change (a renewal or a claim), on the caller's clock. */
  renewedAt: TimeInput;
  /**
   * The Lease's leaseDurationSeconds: the holder's own fencing time. The caller never declares a
   * Lease expired before it, so a holder configured with a longer expiry is not overtaken.
   */
  durationSeconds?: number | undefined;
}

export interface LeaseFreshnessInput {
  /** Floating IP -> its current holder (the previous assignment), or null. */
  holders: Readonly<Record<string, string | null | undefined>>;
  /** Floating IP -> its Lease; a floating IP without an entry has no Lease (slow path only). */
  leases: Readonly<Record<string, FloatingIPLease | undefined>>;
  /**
   * Floating IP -> when the caller first saw the current holder hold it (its clock). The holder
   * counts as alive from then, so a fresh holder gets the whole expiry to claim the Lease.
   */
  heldSince?: Readonly<Record<string, TimeInput | undefined>> | undefined;
  /** The controller's `--lease-expiry`; 0 turns the Lease path off. */
  expirySeconds: number;
  now: TimeInput;
}

export interface LeaseFreshness {
  /** Floating IP (canonical text) -> why its holder's Lease is expired. */
  expired: Map<string, string>;
  /** Floating IP (canonical text) -> when its Lease expired (ms): the start of a move's clock. */
  expiredAt: Map<string, number>;
  /** Earliest time (ms) at which a Lease that is fresh now expires, if nothing is renewed; null if none. */
  deadline: number | null;
  /** Problems with the input (bad times, bad expiry); never thrown. */
  warnings: string[];
}

function canonical(ip: string): string {
  const p = parseAddress(ip);
  return p.ok ? formatAddress(p.value.family, p.value.value) : ip;
}

function byCanonicalIP<T>(record: Readonly<Record<string, T | undefined>> | undefined): Map<string, T> {
  const out = new Map<string, T>();
  for (const [ip, v] of Object.entries(record ?? {})) if (v !== undefined) out.set(canonical(ip), v);
  return out;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Which holders have let their floating IP's Lease expire, and when the next one will. */
export function leaseFreshness(input: LeaseFreshnessInput): LeaseFreshness {
  const expired = new Map<string, string>();
  const expiredAt = new Map<string, number>();
  const warnings: string[] = [];
  let deadline: number | null = null;
  const now = toMillis(input.now);
  if (!Number.isFinite(input.expirySeconds) || input.expirySeconds < 0) {
    warnings.push(`lease expiry must be a number >= 0, got ${String(input.expirySeconds)}; Lease path off`);
    return { expired, expiredAt, deadline, warnings };
  }
  if (input.expirySeconds === 0 || now === undefined) return { expired, expiredAt, deadline, warnings };
  const leases = byCanonicalIP(input.leases);
  const heldSince = byCanonicalIP(input.heldSince);
  for (const [ip, holder] of byCanonicalIP(input.holders)) {
    const lease = leases.get(ip);
    if (holder === null || lease === undefined) continue;
    const renewed = lease.holder === holder ? toMillis(lease.renewedAt) : undefined;
    const since = toMillis(heldSince.get(ip));
    if (lease.holder === holder && renewed === undefined)
      warnings.push(`floating IP ${ip}: Lease renewal time ${String(lease.renewedAt)} is not a valid time`);
    // The last sign of life of this holder for this floating IP; none known: nothing is proven.
    const alive = renewed === undefined ? since : since === undefined ? renewed : Math.max(renewed, since);
    if (alive === undefined) continue;
    const duration = Number.isFinite(lease.durationSeconds) ? (lease.durationSeconds as number) : 0;
    const expiryMs = Math.max(input.expirySeconds, duration) * 1000;
    const silent = now - alive;
    if (silent >= expiryMs) {
      expiredAt.set(ip, alive + expiryMs);
      expired.set(
        ip,
        lease.holder === holder
          ? `node ${holder} has not renewed the Lease of floating IP ${ip} for ${seconds(silent)} (expiry ${seconds(expiryMs)})`
          : `node ${holder} has not claimed the Lease of floating IP ${ip} in ${seconds(silent)} (expiry ${seconds(expiryMs)}; held by ${lease.holder ?? 'nobody'})`,
      );
    } else if (deadline === null || alive + expiryMs < deadline) {
      deadline = alive + expiryMs;
    }
  }
  return { expired, expiredAt, deadline, warnings };
}

/**
 * Carries "since when does the current holder hold each floating IP" from one computation to the
 * next: unchanged holders keep their time, new ones start now. `previous` is the last answer.
 */
export function heldSinceOf(
  holders: Readonly<Record<string, string | null | undefined>>,
  previous: ReadonlyMap<string, { holder: string; since: number }> | undefined,
  now: number,
): Map<string, { holder: string; since: number }> {
  const out = new Map<string, { holder: string; since: number }>();
  for (const [raw, holder] of Object.entries(holders)) {
    if (typeof holder !== 'string') continue;
    const ip = canonical(raw);
    const before = previous?.get(ip);
    out.set(ip, before !== undefined && before.holder === holder ? before : { holder, since: now });
  }
  return out;
}
