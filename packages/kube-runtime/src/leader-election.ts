/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: the holder renews
 * every retry period; a candidate takes the lease over only when it has not seen the lease
 * record change for a whole lease duration (measured on its own clock, so clock skew between
 * replicas does not matter); every write carries the resourceVersion it read, so two candidates
 * racing for an expired lease cannot both win. A leader that cannot renew within the renew
 * deadline stops leading.
 */
import type { Logger } from 'pino';
import type { KubeClient } from './client.js';
import { type Clock, systemClock } from './clock.js';
import { describeError } from './errors.js';
import { type Lease, LeaseClient, type LeaseSpec, newLease } from './lease.js';
import { microTime } from './time.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  clock?: Clock;
}

export class LeaderElector {
  private leader = false;
  private stopped = true;
  private timer: unknown;
  /** The acquire/renew round in flight, if any: stop() waits for it before releasing. */
  private round: Promise<boolean> | undefined;
  private observedRecord = '';
  private observedAt = 0;
  private lastRenew = 0;
  private readonly clock: Clock;
  private readonly leases: LeaseClient;

  constructor(
    client: KubeClient,
    private readonly o: LeaderElectionOptions,
  ) {
    this.clock = o.clock ?? systemClock;
    this.leases = new LeaseClient(client);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopped = false;
    void this.loop();
  }

  /**
   * Stops; a leader releases the lease so a standby takes over at once. A round in flight is
   * waited for first: its renewal would otherwise land between the release's read and write (the
   * release then lost on 409 and the lease stayed held by a stopped leader for a lease duration),
   * or, started before the stop, read the released lease and take it again.
   */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const inFlight = await this.round?.catch(() => false);
    if (release && (this.leader || inFlight === true)) await this.release();
    this.setLeader(false);
  }

  /** Clears the holder if it is still us; another writer in between (a 409) makes it re-read. */
  private async release(): Promise<void> {
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const lease = await this.leases.get(this.o.namespace, this.o.name);
        if (lease === undefined || lease.spec.holderIdentity !== this.o.identity) return;
        lease.spec = {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          renewTime: microTime(this.clock.now()),
        };
        if ((await this.leases.replace(lease)).ok) return;
      }
      this.o.log.warn('could not release the leader lease: it kept changing');
    } catch (err) {
      this.o.log.warn({ err: describeError(err) }, 'could not release the leader lease');
    }
  }

  private setLeader(value: boolean): void {
    if (value === this.leader) return;
    this.leader = value;
    this.o.log.info(
      { identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}` },
      value ? 'became leader' : 'stopped leading',
    );
    if (value) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      this.round = this.tryAcquireOrRenew();
      ok = await this.round;
    } catch (err) {
      this.o.log.warn({ err: describeError(err) }, 'leader election: lease request failed');
    }
    if (this.stopped) return;
    const now = this.clock.now();
    if (ok) this.lastRenew = now;
    if (ok && !this.leader) this.setLeader(true);
    else if (!ok && this.leader && now - this.lastRenew > this.o.renewDeadlineSeconds * 1000)
      this.setLeader(false);
    this.timer = this.clock.setTimeout(() => void this.loop(), this.o.retryPeriodSeconds * 1000);
  }

  /** One round: returns true when we hold the lease after it. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: this.o.leaseDurationSeconds,
      renewTime: microTime(now),
    };
    const lease: Lease | undefined = await this.leases.get(this.o.namespace, this.o.name);
    if (lease === undefined) {
      const created = await this.leases.create(
        newLease(this.o.namespace, this.o.name, {
          ...mine,
          acquireTime: microTime(now),
          leaseTransitions: 0,
        }),
      );
      return created.ok;
    }
    const record = JSON.stringify([
      lease.spec.holderIdentity,
      lease.spec.renewTime,
      lease.spec.leaseDurationSeconds,
    ]);
    if (record !== this.observedRecord) {
      // When the answer came, not when the request went (client-go's observedTime): a renewal
      // that reached the server while our GET waited is at most now old, never a latency older.
      this.observedRecord = record;
      this.observedAt = this.clock.now();
    }
    const holder = lease.spec.holderIdentity ?? '';
    const duration = (lease.spec.leaseDurationSeconds ?? this.o.leaseDurationSeconds) * 1000;
    const held = holder !== '' && holder !== this.o.identity && this.observedAt + duration > now;
    if (held) return false;
    const spec: LeaseSpec =
      holder === this.o.identity
        ? { ...lease.spec, ...mine }
        : {
            ...lease.spec,
            ...mine,
            acquireTime: microTime(now),
            leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1,
          };
    // A conflict: another candidate won the race.
    return (await this.leases.replace({ ...lease, spec })).ok;
  }
}
