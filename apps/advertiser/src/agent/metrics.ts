/**
 * Node-agent metrics, on top of the shared per-session BGP metrics (bgplb_bgp_session_state, ...):
 *
 * - `bgplb_agent_floating_ip_held{ip}` 1 for every floating IP on this node's interfaces
 * - `bgplb_agent_floating_ip_changes_total{action}` addresses added / removed
 * - `bgplb_agent_sessions{status}` service sessions running / refused
 * - `bgplb_agent_routes` prefixes the agent announces (from BGPAdvertisedRoutes)
 * - `bgplb_agent_route_update_seconds` histogram: a BGPAdvertisedRoute change seen by the agent ->
 *   the first UPDATE carrying it sent on a session
 * - `bgplb_agent_status_writes_total{result}` BGPSession.status writes (ok, error, gone)
 * - `bgplb_agent_reconcile_errors_total` reconcile rounds that hit an error (retried)
 * - next-hop liveness (an extension, docs/agent.md "Next-hop liveness"):
 *   `bgplb_agent_next_hop_withdrawals_total{reason}`, `bgplb_agent_next_hop_announcements_total{reason}`
 *   (re-announcements), `bgplb_agent_next_hops_withdrawn` (now), `bgplb_agent_self_isolation_suspected`
 *   (1 while the guard holds) and `bgplb_agent_self_isolation_total` (times it began)
 * - floating-IP Leases (docs/agent.md "Floating-IP Leases"):
 *   `bgplb_agent_floating_ip_lease_renew_failures_total{reason}` and `bgplb_agent_floating_ip_fenced_total`
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class AgentMetrics {
  readonly floatingIPHeld: Gauge<'ip'>;
  readonly floatingIPChanges: Counter<'action'>;
  readonly sessions: Gauge<'status'>;
  readonly routes: Gauge;
  readonly routeUpdateSeconds: Histogram;
  readonly statusWrites: Counter<'result'>;
  readonly reconcileErrors: Counter;
  readonly nextHopWithdrawals: Counter<'reason'>;
  readonly nextHopAnnouncements: Counter<'reason'>;
  readonly nextHopsWithdrawn: Gauge;
  readonly selfIsolation: Gauge;
  readonly selfIsolationEvents: Counter;
  readonly leaseRenewFailures: Counter<'reason'>;
  readonly leaseFenced: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.floatingIPHeld = new Gauge({
      name: 'bgplb_agent_floating_ip_held',
      help: '1 for each floating IP this node holds on an interface',
      labelNames: ['ip'],
      registers,
    });
    this.leaseRenewFailures = new Counter({
      name: 'bgplb_agent_floating_ip_lease_renew_failures_total',
      help: 'Failed claims or renewals of floating-IP Leases, by reason (error: API unreachable or refused, conflict, lost: another node holds it)',
      labelNames: ['reason'],
      registers,
    });
    this.leaseFenced = new Counter({
      name: 'bgplb_agent_floating_ip_fenced_total',
      help: 'Floating IPs this node dropped because it could not renew their Lease for the expiry time',
      registers,
    });
    this.floatingIPChanges = new Counter({
      name: 'bgplb_agent_floating_ip_changes_total',
      help: 'Floating IP addresses added to or removed from interfaces',
      labelNames: ['action'],
      registers,
    });
    this.sessions = new Gauge({
      name: 'bgplb_agent_sessions',
      help: 'BGPSessions of this node: running, or refused (see their status.lastError)',
      labelNames: ['status'],
      registers,
    });
    this.routes = new Gauge({
      name: 'bgplb_agent_routes',
      help: 'Prefixes announced from BGPAdvertisedRoutes',
      registers,
    });
    this.routeUpdateSeconds = new Histogram({
      name: 'bgplb_agent_route_update_seconds',
      help: 'Time from a BGPAdvertisedRoute change seen by the agent to the first UPDATE sent with it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.statusWrites = new Counter({
      name: 'bgplb_agent_status_writes_total',
      help: 'BGPSession status writes by result (ok, error = retried, gone = object deleted)',
      labelNames: ['result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'bgplb_agent_reconcile_errors_total',
      help: 'Reconcile rounds that failed (they are retried)',
      registers,
    });
    this.nextHopWithdrawals = new Counter({
      name: 'bgplb_agent_next_hop_withdrawals_total',
      help: 'Next hops withdrawn by next-hop liveness, by reason (bfd-down)',
      labelNames: ['reason'],
      registers,
    });
    this.nextHopAnnouncements = new Counter({
      name: 'bgplb_agent_next_hop_announcements_total',
      help: 'Withdrawn next hops announced again, by reason (hold-down-expired, isolation-suspected, peer-admin-down)',
      labelNames: ['reason'],
      registers,
    });
    this.nextHopsWithdrawn = new Gauge({
      name: 'bgplb_agent_next_hops_withdrawn',
      help: 'Next hops left out of the paths by next-hop liveness now (down, or in hold-down)',
      registers,
    });
    this.selfIsolation = new Gauge({
      name: 'bgplb_agent_self_isolation_suspected',
      help: '1 while this node suspects itself of being cut off from most next hops (routes kept)',
      registers,
    });
    this.selfIsolationEvents = new Counter({
      name: 'bgplb_agent_self_isolation_total',
      help: 'Times the self-isolation guard began',
      registers,
    });
  }

  setHeld(ips: readonly string[]): void {
    this.floatingIPHeld.reset();
    for (const ip of ips) this.floatingIPHeld.set({ ip }, 1);
  }
}
