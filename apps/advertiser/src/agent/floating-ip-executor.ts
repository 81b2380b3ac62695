/**
 * Carries out a floating-IP plan (floating-ip-plan.ts) on the node: `ip addr del` for addresses
 * leaving, `ip addr add` and a gratuitous ARP (IPv4) or unsolicited NAs (IPv6) for addresses arriving, with a log line, an Event
 * on the Node and a metric for each. Knows which floating IPs the node holds after each round.
 *
 * Fail-safe order: before an address leaves, `release(ip)` runs (the agent stops the sessions
 * bound to it: withdraw, then Cease), so no session outlives its source address. A failed
 * removal does not stop the round; it is reported in `failures` and the caller retries.
 */
import type { Logger } from '../shared/index.js';
import type { AddressManager } from '../shared/ip-addresses.js';
import type { EventSink } from './event-sink.js';
import { type FloatingIPAction, type FloatingIPPlan, planFloatingIPs } from './floating-ip-plan.js';
import type { AgentMetrics } from './metrics.js';

export interface FloatingIPExecutorOptions {
  node: string;
  addresses: AddressManager;
  logger: Logger;
  metrics?: AgentMetrics | undefined;
  events?: EventSink | undefined;
}

/** What one round left behind. */
export interface FloatingIPRound {
  /** Floating IPs on an interface of this node now. */
  held: Set<string>;
  /** Floating IPs assigned to this node that are not on an interface, with why. */
  problems: Map<string, string>;
  /** Removals that failed (the round is to be retried). */
  failures: string[];
}

type RemoveAction = Extract<FloatingIPAction, { kind: 'remove' }>;
type AddAction = Extract<FloatingIPAction, { kind: 'add' }>;

export class FloatingIPExecutor {
  private held = new Set<string>();
  /** Plan problems already logged (logged when they appear or change, not every round). */
  private reportedProblems = new Map<string, string>();

  constructor(private readonly options: FloatingIPExecutorOptions) {}

  /** Floating IPs this node holds, sorted. */
  heldIPs(): string[] {
    return [...this.held].sort();
  }

  /** Runs `plan`: removals first (each after `release(ip, reason)`), then additions. */
  async apply(
    plan: FloatingIPPlan,
    release: (ip: string, reason: string) => Promise<void>,
  ): Promise<FloatingIPRound> {
    const staying = new Set<string>(plan.held);
    for (const a of plan.actions) if (a.kind === 'add') staying.add(a.ip);
    const failures: string[] = [];
    for (const action of plan.actions) {
      if (action.kind !== 'remove') continue;
      // An address moving between interfaces stays on the node: its sessions keep running.
      if (!staying.has(action.ip)) await release(action.ip, action.reason);
      try {
        await this.remove(action);
      } catch (err) {
        failures.push(
          `cannot remove floating IP ${action.ip} from ${action.ifname}: ${(err as Error).message}`,
        );
      }
    }
    const held = new Set(plan.held);
    const problems = new Map(plan.problems);
    for (const action of plan.actions) {
      if (action.kind !== 'add') continue;
      const why = await this.add(action);
      if (why === undefined) held.add(action.ip);
      else problems.set(action.ip, why);
    }
    this.logNewProblems(plan.problems);
    this.held = held;
    this.options.metrics?.setHeld([...held]);
    return { held, problems, failures };
  }

  /**
   * Removes every floating IP the agent put on this node (shutdown). Errors are logged, never
   * thrown: the agent is stopping either way.
   */
  async removeAll(floatingIPs: readonly string[], reason: string): Promise<void> {
    try {
      const plan = planFloatingIPs({
        node: this.options.node,
        assignments: {},
        floatingIPs,
        observed: await this.options.addresses.list(),
      });
      for (const action of plan.actions) {
        if (action.kind === 'remove') await this.remove({ ...action, reason });
      }
    } catch (err) {
      this.options.logger.error(
        { err },
        `removing floating IPs at shutdown failed: ${(err as Error).message}`,
      );
    }
    this.held.clear();
    this.options.metrics?.setHeld([]);
  }

  /** Adds the address and starts a gratuitous ARP; resolves with why it failed, if it did. */
  private async add(action: AddAction): Promise<string | undefined> {
    const { addresses, logger: log, node } = this.options;
    try {
      await addresses.add(action);
    } catch (err) {
      const why = `cannot add floating IP ${action.ip} to ${action.ifname}: ${(err as Error).message}`;
      log.error({ ip: action.ip, err }, why);
      this.event('Warning', 'FloatingIPFailed', why);
      return why;
    }
    this.options.metrics?.floatingIPChanges.inc({ action: 'add' });
    log.info(
      { ip: action.ip, interface: action.ifname, label: action.label },
      `floating IP ${action.ip} added to ${action.ifname}`,
    );
    this.event(
      'Normal',
      'FloatingIPAdded',
      `floating IP ${action.ip} added to ${action.ifname} on node ${node}`,
    );
    // Not awaited: announcing takes seconds, and the address works before neighbours hear of it.
    const what = action.ip.includes(':') ? 'unsolicited neighbor advertisement' : 'gratuitous ARP';
    addresses.announce(action.ip, action.ifname).then(
      () => log.debug({ ip: action.ip, interface: action.ifname }, `${what} sent`),
      (err: unknown) =>
        log.warn({ ip: action.ip, err }, `${what} for ${action.ip} failed: ${(err as Error).message}`),
    );
    return undefined;
  }

  private async remove(action: RemoveAction): Promise<void> {
    const { addresses, logger: log, node } = this.options;
    try {
      await addresses.remove(action);
    } catch (err) {
      log.error({ ip: action.ip, err }, `cannot remove floating IP ${action.ip}: ${(err as Error).message}`);
      throw err;
    }
    this.options.metrics?.floatingIPChanges.inc({ action: 'remove' });
    log.info(
      { ip: action.ip, interface: action.ifname, reason: action.reason },
      `floating IP ${action.ip} removed from ${action.ifname}: ${action.reason}`,
    );
    this.event(
      'Normal',
      'FloatingIPRemoved',
      `floating IP ${action.ip} removed from ${action.ifname} on node ${node}: ${action.reason}`,
    );
  }

  private logNewProblems(problems: ReadonlyMap<string, string>): void {
    for (const [ip, why] of problems) {
      if (this.reportedProblems.get(ip) === why) continue;
      this.options.logger.warn({ ip }, why);
      this.event('Warning', 'FloatingIPFailed', why);
    }
    this.reportedProblems = new Map(problems);
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.options.events?.record({
      type,
      reason,
      message,
      involved: { apiVersion: 'v1', kind: 'Node', name: this.options.node },
    });
  }
}
