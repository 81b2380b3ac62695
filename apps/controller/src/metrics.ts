/** Prometheus metrics of the controller (prom-client), served on /metrics. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { routeNextHopCounts, sessionReportAges } from './status-metrics.js';
import type { KubeObject } from './types.js';

/** The status objects the controller caches, read at scrape time. */
export interface StatusObjectSource {
  sessions(): readonly KubeObject[];
  routes(): readonly KubeObject[];
}

export class ControllerMetrics {
  readonly registry = new Registry();
  readonly poolSize = new Gauge({
    name: 'bgplb_pool_addresses',
    help: 'Addresses in each Service VIP pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly poolUsed = new Gauge({
    name: 'bgplb_pool_addresses_used',
    help: 'Allocated or reserved addresses in each pool',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly floatingIPs = new Gauge({
    name: 'bgplb_floating_ips',
    help: 'Floating IPs by state (assigned to a node or unassigned)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly floatingIPMoves = new Counter({
    name: 'bgplb_floating_ip_moves_total',
    help: 'Floating IPs that changed holder, by reason (lease-expired, node-not-ready, node-removed, ...)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly floatingIPMoveDuration = new Histogram({
    name: 'bgplb_floating_ip_move_duration_seconds',
    help: 'From a floating-IP move becoming due (Lease expiry, or the end of the NotReady grace) to a session of the new holder reporting Established',
    labelNames: ['reason'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120],
    registers: [this.registry],
  });
  readonly floatingIPLeaseChecks = new Counter({
    name: 'bgplb_floating_ip_lease_checks_total',
    help: 'Direct reads of floating-IP Leases that looked expired, by outcome (expired, renewed: the watch lagged, error)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly desiredSessions = new Gauge({
    name: 'bgplb_desired_sessions',
    help: 'BGPSession objects the controller wants',
    registers: [this.registry],
  });
  readonly desiredRoutes = new Gauge({
    name: 'bgplb_desired_routes',
    help: 'BGPAdvertisedRoute objects the controller wants',
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'bgplb_reconcile_duration_seconds',
    help: 'Time of one reconcile (compute, diff and writes)',
    labelNames: ['result'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: 'bgplb_writes_total',
    help: 'API writes by operation',
    labelNames: ['op'],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'bgplb_workqueue_depth',
    help: 'Keys waiting in the work queue',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'bgplb_leader',
    help: '1 while this replica holds the leader lease',
    registers: [this.registry],
  });
  readonly eventsPending = new Gauge({
    name: 'bgplb_events_pending',
    help: 'Events recorded but not yet written to the API',
    registers: [this.registry],
  });
  readonly configRefused = new Gauge({
    name: 'bgplb_config_refused_objects',
    help: 'Configuration objects currently refused as invalid',
    registers: [this.registry],
  });
  readonly floatingIPHolder = new Gauge({
    name: 'bgplb_floating_ip_holder',
    help: '1 for each floating IP and the node that holds it (NetworkGatewayGroup status)',
    labelNames: ['ip', 'node'],
    registers: [this.registry],
  });
  private objects: StatusObjectSource | undefined;
  private now: () => number = Date.now;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: 'bgplb_session_report_age_seconds',
      help: 'Seconds since the node last reported the BGPSession (status.lastReportTime); above 3 heartbeats the agent is not reporting',
      labelNames: ['session', 'node'],
      registers: [this.registry],
      collect() {
        this.reset();
        const sessions = metrics.objects?.sessions() ?? [];
        for (const a of sessionReportAges(sessions, metrics.now()))
          this.set({ session: a.session, node: a.node }, a.ageSeconds);
      },
    });
    // The routes the values were last set from: while the informer's list is the same array (no
    // route changed since), the values stand. Rebuilding them made every scrape at 20k routes
    // replace 20k label sets, old-generation garbage. Weak: an old list must not keep replaced
    // route objects alive between scrapes.
    let counted: WeakRef<readonly KubeObject[]> | undefined;
    new Gauge({
      name: 'bgplb_route_next_hops',
      help: 'Next hops of each BGPAdvertisedRoute; 0 means the VIP has no path',
      labelNames: ['route', 'prefix'],
      registers: [this.registry],
      collect() {
        const routes = metrics.objects?.routes() ?? [];
        if (counted?.deref() === routes) return;
        counted = new WeakRef(routes);
        this.reset();
        for (const r of routeNextHopCounts(routes))
          this.set({ route: r.route, prefix: r.prefix }, r.nextHops);
      },
    });
  }

  /** Where the scrape-time gauges read the BGPSession and BGPAdvertisedRoute objects. */
  observe(objects: StatusObjectSource, now: () => number = Date.now): void {
    this.objects = objects;
    this.now = now;
  }

  /** The floating IP -> node placement of the last full reconcile. */
  setHolders(holders: Readonly<Record<string, string>>): void {
    this.floatingIPHolder.reset();
    for (const [ip, node] of Object.entries(holders)) this.floatingIPHolder.set({ ip, node }, 1);
  }
}
