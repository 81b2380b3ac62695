/**
 * The holder's side of the per-floating-IP Leases (issue 17, docs/agent.md "Floating-IP Leases").
 *
 * For every floating IP the NetworkGatewayGroup assigns to this node, the agent claims the Lease
 * `floatingIPLeaseName(ip)` and renews it every renew period. The controller moves the floating IP
 * when it stops seeing renewals for its `--lease-expiry`.
 *
 * Fencing: the agent holds a floating IP only while its last successful renewal was *sent* less
 * than the expiry ago (by its own clock). The controller cannot have seen that write before it
 * was sent, and waits a whole expiry after seeing it, so by the time the controller may move the
 * floating IP this agent has already stopped using it (the bound is in docs/agent.md). A renewal
 * that finds another node holding the Lease loses the floating IP at once, and does not take it
 * back until the assignment changes.
 *
 * No timestamp of another machine is compared with this clock: only the agent's own send times.
 */
import { FLOATING_IP_ANNOTATION, FLOATING_IP_LEASE_LABEL, floatingIPLeaseName } from '@bgplb/api-types';
import { type Clock, systemClock } from '@bgplb/bgp-fsm';
import { describeError, type Lease, type LeaseWrite, microTime, newLease } from '@bgplb/kube-runtime';
import type { Logger } from '../shared/index.js';
import type { AgentMetrics } from './metrics.js';

/**
 * The real clock with a monotonic now(): fencing measures "time since the last successful renewal",
 * and a wall-clock step (NTP) must not make that look shorter or longer than it was.
 */
export const monotonicClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
  clearTimeout: (handle) => systemClock.clearTimeout(handle),
};

/** The Lease calls the holder makes (kube-runtime's LeaseClient; a fake in unit tests). */
export interface LeaseStore {
  get(namespace: string, name: string): Promise<Lease | undefined>;
  create(lease: Lease): Promise<LeaseWrite>;
  replace(lease: Lease): Promise<LeaseWrite>;
}

export interface FloatingIPLeaseSettings {
  /** Namespace of the Leases (the controller's). */
  namespace: string;
  /** Renew period, ms (default 1000). */
  renewMs: number;
  /** Fencing time, ms: no successful renewal for this long and the floating IP is dropped. */
  expiryMs: number;
}

export interface FloatingIPLeasesOptions extends FloatingIPLeaseSettings {
  node: string;
  store: LeaseStore;
  clock: Clock;
  logger: Logger;
  metrics?: AgentMetrics | undefined;
  /** Something changed what this node may hold (a claim, a fence, a lost Lease): reconcile. */
  onChange: () => void;
}

interface Entry {
  ip: string;
  name: string;
  /** The Lease as last written or read (its resourceVersion is the next write's precondition). */
  lease: Lease | undefined;
  /** Send time of the last successful claim or renewal, ms (this agent's clock). */
  okSentAt: number | undefined;
  /** Another node took the Lease: not ours again until a newer assignment says it is. */
  lostTo: string | undefined;
  /** The assignment version current when the Lease was lost. */
  lostAtVersion: number;
  inFlight: Promise<void> | undefined;
  renewTimer: unknown;
  fenceTimer: unknown;
  /** Consecutive failed renewals (logged once when it starts failing). */
  failures: number;
}

/** What one floating IP's Lease allows: held, or why not. */
export type LeaseStanding = { held: true } | { held: false; reason: string };

export class FloatingIPLeases {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;
  private version = 0;

  constructor(private readonly o: FloatingIPLeasesOptions) {}

  /**
   * The floating IPs assigned to this node now. New ones are claimed (awaited, so a round adds an
   * address only after its Lease is ours); ones no longer assigned stop being renewed.
   * `version` counts NetworkGatewayGroup updates: a Lease lost to another node is claimed again
   * when an assignment newer than the loss still names this node (the other node acted on an
   * older one, and will drop it when it sees the newer).
   */
  async setAssigned(ips: readonly string[], version = 0): Promise<void> {
    if (this.stopped) return;
    this.version = Math.max(this.version, version);
    const wanted = new Set(ips);
    for (const [ip, e] of this.entries) {
      if (wanted.has(ip) && !(e.lostTo !== undefined && this.version > e.lostAtVersion)) continue;
      this.clearTimers(e);
      this.entries.delete(ip);
    }
    const claims: Promise<void>[] = [];
    for (const ip of wanted) {
      if (this.entries.has(ip)) continue;
      const e: Entry = {
        ip,
        name: floatingIPLeaseName(ip),
        lease: undefined,
        okSentAt: undefined,
        lostTo: undefined,
        lostAtVersion: 0,
        inFlight: undefined,
        renewTimer: undefined,
        fenceTimer: undefined,
        failures: 0,
      };
      this.entries.set(ip, e);
      claims.push(this.renew(e));
    }
    await Promise.all(claims);
  }

  /** Whether this node may hold `ip` now, and if not, why (the reason goes into logs and status). */
  standing(ip: string): LeaseStanding {
    const e = this.entries.get(ip);
    if (e === undefined) return { held: false, reason: `floating IP ${ip} is not assigned to this node` };
    if (e.lostTo !== undefined)
      return { held: false, reason: `the Lease of floating IP ${ip} is held by node ${e.lostTo}` };
    if (e.okSentAt === undefined)
      return { held: false, reason: `the Lease of floating IP ${ip} could not be claimed yet` };
    const silent = this.o.clock.now() - e.okSentAt;
    if (silent >= this.o.expiryMs)
      return {
        held: false,
        reason: `the Lease of floating IP ${ip} could not be renewed for ${(silent / 1000).toFixed(1)} s (expiry ${(this.o.expiryMs / 1000).toFixed(1)} s): fenced`,
      };
    return { held: true };
  }

  /**
   * Stops renewing (shutdown), writing each held Lease one last time:
   * - `release`: holder cleared, so the controller moves the floating IPs at once (their addresses
   *   are gone already);
   * - `{ holdSeconds }`: a graceful restart; leaseDurationSeconds says how long the controller must
   *   wait for the restarted agent before moving anything (the graceful-restart time, the time
   *   routers keep our routes too).
   * Failed writes are logged: the Leases then expire normally.
   */
  async stop(last: 'release' | { holdSeconds: number } | undefined = undefined): Promise<void> {
    this.stopped = true;
    const held = [...this.entries.values()].filter((e) => e.lease !== undefined && e.lostTo === undefined);
    for (const e of this.entries.values()) this.clearTimers(e);
    this.entries.clear();
    if (last === undefined) return;
    await Promise.all(
      held.map(async (e) => {
        await e.inFlight;
        const lease = e.lease!;
        const spec =
          last === 'release'
            ? { ...lease.spec, holderIdentity: null, renewTime: microTime(this.o.clock.now()) }
            : {
                ...lease.spec,
                leaseDurationSeconds: Math.max(
                  Math.ceil(this.o.expiryMs / 1000),
                  Math.ceil(last.holdSeconds),
                ),
                renewTime: microTime(this.o.clock.now()),
              };
        try {
          const r = await this.o.store.replace({ ...lease, spec });
          if (!r.ok) throw new Error('the Lease changed meanwhile');
        } catch (err) {
          this.o.logger.warn(
            { floatingIP: e.ip, err: describeError(err) },
            `could not ${last === 'release' ? 'release' : 'extend'} the Lease of floating IP ${e.ip}; it expires on its own`,
          );
        }
      }),
    );
  }

  private clearTimers(e: Entry): void {
    if (e.renewTimer !== undefined) this.o.clock.clearTimeout(e.renewTimer);
    if (e.fenceTimer !== undefined) this.o.clock.clearTimeout(e.fenceTimer);
    e.renewTimer = undefined;
    e.fenceTimer = undefined;
  }

  private current(e: Entry): boolean {
    return !this.stopped && this.entries.get(e.ip) === e;
  }

  /** One claim or renewal; at most one in flight per Lease. Schedules the next one. */
  private renew(e: Entry): Promise<void> {
    if (e.inFlight !== undefined) return e.inFlight;
    e.inFlight = this.write(e).finally(() => {
      e.inFlight = undefined;
      if (!this.current(e) || e.lostTo !== undefined) return;
      e.renewTimer = this.o.clock.setTimeout(() => {
        e.renewTimer = undefined;
        void this.renew(e);
      }, this.o.renewMs);
    });
    return e.inFlight;
  }

  private async write(e: Entry): Promise<void> {
    const { node, namespace, clock } = this.o;
    const sentAt = clock.now();
    const mine = {
      holderIdentity: node,
      // Whole seconds in the API; rounded up so the controller never waits less than we fence.
      leaseDurationSeconds: Math.ceil(this.o.expiryMs / 1000),
      renewTime: microTime(sentAt),
    };
    try {
      let result: LeaseWrite | undefined;
      if (e.lease !== undefined && e.lease.spec.holderIdentity === node) {
        result = await this.o.store.replace({ ...e.lease, spec: { ...e.lease.spec, ...mine } });
      }
      if (result === undefined || !result.ok) {
        // First claim, or someone wrote in between: read, and claim only on a first claim.
        const live = await this.o.store.get(namespace, e.name);
        const holder = live?.spec.holderIdentity ?? null;
        if (e.okSentAt !== undefined && holder !== null && holder !== node) {
          this.lose(e, holder);
          return;
        }
        if (live === undefined) {
          const created = newLease(
            namespace,
            e.name,
            { ...mine, acquireTime: microTime(sentAt), leaseTransitions: 0 },
            { [FLOATING_IP_LEASE_LABEL]: 'true' },
          );
          created.metadata.annotations = { [FLOATING_IP_ANNOTATION]: e.ip };
          result = await this.o.store.create(created);
        } else {
          const claim =
            holder === node
              ? { ...live.spec, ...mine }
              : {
                  ...live.spec,
                  ...mine,
                  acquireTime: microTime(sentAt),
                  leaseTransitions: (live.spec.leaseTransitions ?? 0) + 1,
                };
          result = await this.o.store.replace({
            ...live,
            metadata: {
              ...live.metadata,
              labels: { ...live.metadata.labels, [FLOATING_IP_LEASE_LABEL]: 'true' },
              annotations: { ...live.metadata.annotations, [FLOATING_IP_ANNOTATION]: e.ip },
            },
            spec: claim,
          });
        }
      }
      if (!this.current(e)) return;
      if (!result.ok) {
        this.failed(e, 'conflict');
        return;
      }
      e.lease = result.lease;
      const wasHeld = this.standing(e.ip).held;
      e.okSentAt = sentAt;
      if (e.failures > 0)
        this.o.logger.info({ floatingIP: e.ip, failures: e.failures }, 'floating-IP Lease renewed again');
      e.failures = 0;
      this.armFence(e);
      if (!wasHeld) this.o.onChange();
    } catch (err) {
      if (this.current(e)) this.failed(e, 'error', err);
    }
  }

  private failed(e: Entry, reason: 'conflict' | 'error', err?: unknown): void {
    e.failures++;
    this.o.metrics?.leaseRenewFailures.inc({ reason });
    if (e.failures === 1)
      this.o.logger.warn(
        { floatingIP: e.ip, lease: e.name, reason, err: err === undefined ? undefined : describeError(err) },
        `could not renew the Lease of floating IP ${e.ip}; dropping it if this lasts ${this.o.expiryMs / 1000} s`,
      );
  }

  private lose(e: Entry, holder: string): void {
    this.clearTimers(e);
    e.lostTo = holder;
    e.lostAtVersion = this.version;
    this.o.metrics?.leaseRenewFailures.inc({ reason: 'lost' });
    this.o.logger.warn(
      { floatingIP: e.ip, lease: e.name, holder },
      `node ${holder} holds the Lease of floating IP ${e.ip}; dropping it`,
    );
    this.o.onChange();
  }

  /** At last-success + expiry the floating IP is fenced unless a renewal succeeded since. */
  private armFence(e: Entry): void {
    if (e.fenceTimer !== undefined) this.o.clock.clearTimeout(e.fenceTimer);
    const at = (e.okSentAt ?? this.o.clock.now()) + this.o.expiryMs;
    e.fenceTimer = this.o.clock.setTimeout(
      () => {
        e.fenceTimer = undefined;
        if (!this.current(e) || this.standing(e.ip).held) return;
        this.o.metrics?.leaseFenced.inc();
        this.o.logger.warn(
          { floatingIP: e.ip, lease: e.name },
          `${(this.standing(e.ip) as { reason: string }).reason}; dropping the floating IP`,
        );
        this.o.onChange();
      },
      Math.max(0, at - this.o.clock.now()),
    );
  }
}
