/**
 * Puts the BGPAdvertisedRoutes into the speaker: collects changes over a short window, plans them
 * (route-plan.ts), and calls setPaths/withdraw only for what changed. Measures how long a change
 * takes to reach the routers (`bgplb_agent_route_update_seconds`: from the change seen here to
 * the first UPDATE sent with it).
 */
import type { Clock } from '@bgplb/bgp-fsm';
import { drainingPath } from '../shared/draining-path.js';
import type { AgentSpeaker, Logger, PathSpec } from '../shared/index.js';
import type { AgentMetrics } from './metrics.js';
import { withoutWithdrawn } from './next-hop-liveness-plan.js';
import type { NextHopChooser } from './next-hops.js';
import { type DesiredRoutes, diffRoutes, pathsFingerprint, planRoutes } from './route-plan.js';

/** What a drained path keeps of the original besides next hop and MED: its link bandwidth. */
function keepExtras(p: PathSpec): Partial<PathSpec> {
  return p.linkBandwidth === undefined ? {} : { linkBandwidth: p.linkBandwidth };
}

/** Next-hop liveness as the applier sees it: what to leave out, and the next hops to check. */
export interface RouteLiveness {
  withdrawn(): ReadonlySet<string>;
  setNextHops(hops: ReadonlySet<string>): void;
}

export interface RouteApplierOptions {
  speaker: Pick<AgentSpeaker, 'setPaths' | 'withdraw'>;
  /** Per-session next-hop choices, forgotten when their prefix is withdrawn. */
  chooser: Pick<NextHopChooser, 'forget'>;
  clock: Clock;
  logger: Logger;
  metrics?: AgentMetrics | undefined;
  /** Window in which changes are collected into one batch, default 50 ms. */
  batchMs?: number | undefined;
  /** Called when a batch window ends; the owner decides whether to `apply()` now. */
  onBatchDue: () => void;
  /** Next-hop liveness (docs/agent.md): its withdrawn next hops are left out of every path list. */
  liveness?: RouteLiveness | undefined;
}

/** A latency sample no UPDATE has closed after this long is dropped (no session up to carry it). */
const PENDING_LATENCY_MAX_MS = 300_000;

export class RouteApplier {
  private routes: readonly unknown[] = [];
  /** prefix -> fingerprint of the paths given to the speaker. */
  private readonly applied = new Map<string, string>();
  /** Prefixes to re-send even when unchanged (their per-session choice changed). */
  private readonly forced = new Set<string>();
  /** When the oldest change not yet applied was seen. */
  private dirtySince: number | undefined;
  private timer: unknown;
  /** prefix -> when its change was seen, until an UPDATE carries it. */
  private readonly pendingLatency = new Map<string, number>();
  private lastProblems = '';
  private plan: DesiredRoutes | undefined;
  private stopped = false;

  constructor(private readonly options: RouteApplierOptions) {}

  /** The BGPAdvertisedRoute objects changed (the whole list). */
  setRoutes(list: readonly unknown[]): void {
    this.routes = list;
    this.dirtySince ??= this.options.clock.now();
    this.schedule();
  }

  /**
   * Graceful shutdown of this speaker (`--on-exit drain`, RFC 8326): every path given to the
   * speaker is sent again with the GRACEFUL_SHUTDOWN community (and the MED increase / AS-path
   * prepend fallback), now. Routers with a graceful-shutdown policy move off our paths while they
   * still work; the caller withdraws after its drain delay.
   */
  drainAll(drain: { medIncrease: number; asPathPrepend: number }): number {
    if (this.plan === undefined) return 0;
    let n = 0;
    for (const prefix of this.applied.keys()) {
      const paths = this.plan.paths.get(prefix);
      if (paths === undefined || paths.length === 0) continue;
      const drained = paths.map((p) => ({ ...drainingPath(p.nextHop, p.med ?? 0, drain), ...keepExtras(p) }));
      this.options.speaker.setPaths(prefix, drained);
      this.applied.set(prefix, pathsFingerprint(drained));
      n++;
    }
    return n;
  }

  /** Re-sends every prefix at the end of the window (the next-hop choice of sessions changed). */
  resendAll(): void {
    for (const prefix of this.applied.keys()) this.forced.add(prefix);
    this.schedule();
  }

  /** BGPAdvertisedRoute name -> its next hops as the route says (before liveness), from the last apply. */
  routeNextHops(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (this.plan === undefined) return out;
    for (const [prefix, names] of this.plan.sources) {
      const hops = (this.plan.paths.get(prefix) ?? []).map((p) => p.nextHop);
      for (const name of names) out.set(name, hops);
    }
    return out;
  }

  /** Prefixes given to the speaker. */
  size(): number {
    return this.applied.size;
  }

  /**
   * Brings the speaker's routes to the current list. `measure`: time this change until an UPDATE
   * carries it (only when a session is up: the initial table waiting for sessions is not latency).
   */
  apply(measure: boolean): void {
    if (this.stopped) return;
    const { speaker, clock, logger: log } = this.options;
    const desired = planRoutes(this.routes);
    this.plan = desired;
    const problemsKey = desired.problems.map((p) => `${p.name}: ${p.message}`).join('\n');
    if (problemsKey !== this.lastProblems) {
      for (const p of desired.problems)
        log.warn({ route: p.name }, `BGPAdvertisedRoute ${p.name}: ${p.message}`);
      this.lastProblems = problemsKey;
    }
    const withdrawn = this.options.liveness?.withdrawn();
    const paths: ReadonlyMap<string, readonly PathSpec[]> =
      withdrawn === undefined || withdrawn.size === 0
        ? desired.paths
        : new Map([...desired.paths].map(([prefix, p]) => [prefix, withoutWithdrawn(p, withdrawn)] as const));
    const diff = diffRoutes(this.applied, paths, this.forced);
    this.forced.clear();
    const since = this.dirtySince ?? clock.now();
    this.dirtySince = undefined;
    const track = (prefix: string): void => {
      if (measure && !this.pendingLatency.has(prefix)) this.pendingLatency.set(prefix, since);
    };
    for (const { prefix, paths } of diff.set) {
      speaker.setPaths(prefix, paths);
      const fingerprint = pathsFingerprint(paths);
      if (this.applied.get(prefix) !== fingerprint) track(prefix);
      this.applied.set(prefix, fingerprint);
    }
    for (const prefix of diff.withdraw) {
      speaker.withdraw(prefix);
      this.applied.delete(prefix);
      this.options.chooser.forget(prefix);
      track(prefix);
    }
    if (diff.set.length + diff.withdraw.length > 0) {
      log.info(
        { announce: diff.set.map((s) => s.prefix), withdraw: diff.withdraw },
        `routes updated: ${diff.set.length} announced, ${diff.withdraw.length} withdrawn`,
      );
    }
    this.options.metrics?.routes.set(this.applied.size);
    if (this.options.liveness !== undefined) {
      const hops = new Set<string>();
      for (const list of desired.paths.values()) for (const p of list) hops.add(p.nextHop);
      this.options.liveness.setNextHops(hops);
    }
    const cutoff = clock.now() - PENDING_LATENCY_MAX_MS;
    for (const [prefix, t] of this.pendingLatency) if (t < cutoff) this.pendingLatency.delete(prefix);
  }

  /** An UPDATE went out: closes the latency measurement of the prefixes it carries. */
  updateSent(nlri: readonly string[], withdrawn: readonly string[]): void {
    if (this.pendingLatency.size === 0) return;
    const now = this.options.clock.now();
    for (const prefix of [...nlri, ...withdrawn]) {
      const t = this.pendingLatency.get(prefix);
      if (t === undefined) continue;
      this.pendingLatency.delete(prefix);
      this.options.metrics?.routeUpdateSeconds.observe((now - t) / 1000);
    }
  }

  /** No more batches (shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      this.options.onBatchDue();
    }, this.options.batchMs ?? 50);
  }
}
