/**
 * Next-hop liveness decisions in BGPAdvertisedRoute status (an extension, docs/fast-failover.md):
 * each holder writes its own entry, `status.nextHopLiveness.<node>`, listing the route's next hops
 * it does not announce as the route says (withdrawn, in hold-down, or kept by the self-isolation
 * guard) with the reason and since when. A JSON merge patch of that one key, so holders never
 * overwrite each other; `null` removes the entry once nothing is withheld.
 *
 * Writes are paced (at most `writesPerSecond`, default 10, per agent) and coalesced per route: a
 * failed next hop touches every route it serves, and the API server must not see thousands of
 * writes at once. Events and metrics report the decision at once; the status follows.
 */
import { GROUP, RESOURCES, STATUS_NAMESPACE, VERSION } from '@bgplb/api-types';
import { ApiError, type Clock, describeError, type KubeClient, paths, WorkQueue } from '@bgplb/kube-runtime';
import type { Logger } from '../shared/index.js';
import { AGENT_FIELD_MANAGER } from './status-writer.js';

/** How one next hop stands in this holder's announcements, when not simply announced. */
export interface HopStanding {
  state: 'withdrawn' | 'hold-down' | 'kept';
  reason: string;
  /** When it began (ms). */
  since: number;
}

/** `status.nextHopLiveness.<node>` of a BGPAdvertisedRoute. */
export interface RouteLivenessEntry {
  withheld: { nextHop: string; state: HopStanding['state']; reason: string; since: string }[];
  isolationSuspected?: true;
}

/** The entry for a route with these next hops, or null when this holder withholds none of them. */
export function routeLivenessEntry(
  nextHops: readonly string[],
  standing: ReadonlyMap<string, HopStanding>,
  isolationSuspected: boolean,
): RouteLivenessEntry | null {
  const withheld = [...nextHops].sort().flatMap((hop) => {
    const s = standing.get(hop);
    return s === undefined
      ? []
      : [{ nextHop: hop, state: s.state, reason: s.reason, since: new Date(s.since).toISOString() }];
  });
  if (withheld.length === 0 && !isolationSuspected) return null;
  return { withheld, ...(isolationSuspected ? { isolationSuspected: true as const } : {}) };
}

export interface RouteStatusWriter {
  /** Patches `status.nextHopLiveness.<node>` of one BGPAdvertisedRoute; throws `{ status: 404 }` when gone. */
  write(
    name: string,
    node: string,
    entry: (RouteLivenessEntry & { lastReportTime: string }) | null,
  ): Promise<void>;
}

export class KubeRouteStatusWriter implements RouteStatusWriter {
  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string = STATUS_NAMESPACE,
  ) {}

  async write(
    name: string,
    node: string,
    entry: (RouteLivenessEntry & { lastReportTime: string }) | null,
  ): Promise<void> {
    const path = paths.group(
      GROUP,
      VERSION,
      RESOURCES.BGPAdvertisedRoute.plural,
      this.namespace,
      name,
      'status',
    );
    await this.client.mergePatch(`${path}?fieldManager=${AGENT_FIELD_MANAGER}`, {
      status: { nextHopLiveness: { [node]: entry } },
    });
  }
}

export interface RouteLivenessReporterOptions {
  node: string;
  writer: RouteStatusWriter;
  clock: Clock;
  logger: Logger;
  writesPerSecond?: number;
}

export class RouteLivenessReporter {
  /** route name -> the entry wanted now (null: none). */
  private readonly wanted = new Map<string, RouteLivenessEntry | null>();
  /** route name -> fingerprint of the entry written (routes with no entry written are absent). */
  private readonly written = new Map<string, string>();
  private readonly queue: WorkQueue;
  private readonly gapMs: number;
  private stopped = false;

  constructor(private readonly options: RouteLivenessReporterOptions) {
    this.gapMs = 1000 / (options.writesPerSecond ?? 10);
    this.queue = new WorkQueue(
      (name) => this.sync(name),
      { clock: options.clock, baseDelayMs: 500, maxDelayMs: 30_000 },
      (name, err, retryInMs) =>
        options.logger.warn(
          { route: name, retryInMs },
          `writing next-hop liveness status of BGPAdvertisedRoute ${name} failed: ${describeError(err)}; retrying`,
        ),
    );
    this.queue.start();
  }

  /**
   * The routes (name -> next hops as the route says) and how each withheld next hop stands.
   * Queues a write for every route whose entry changed.
   */
  update(
    routes: ReadonlyMap<string, readonly string[]>,
    standing: ReadonlyMap<string, HopStanding>,
    isolationSuspected: boolean,
  ): void {
    if (this.stopped) return;
    const names = new Set([...routes.keys(), ...this.written.keys()]);
    for (const name of names) {
      const hops = routes.get(name);
      const entry = hops === undefined ? null : routeLivenessEntry(hops, standing, isolationSuspected);
      const was = this.written.get(name);
      if (hops === undefined && was !== undefined) {
        // The route is gone: nothing to write to.
        this.written.delete(name);
        this.wanted.delete(name);
        continue;
      }
      this.wanted.set(name, entry);
      if ((entry === null ? undefined : JSON.stringify(entry)) !== was) this.queue.add(name);
    }
  }

  /** Resolves when every queued write is done (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** No more writes; resolves when the one running has returned. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue.stop();
  }

  private async sync(name: string): Promise<void> {
    if (this.stopped) return;
    const entry = this.wanted.get(name);
    if (entry === undefined) return;
    const fingerprint = entry === null ? undefined : JSON.stringify(entry);
    if (fingerprint === this.written.get(name)) return;
    const { clock, node, writer } = this.options;
    try {
      await writer.write(
        name,
        node,
        entry === null ? null : { ...entry, lastReportTime: new Date(clock.now()).toISOString() },
      );
    } catch (err) {
      if ((err instanceof ApiError && err.status === 404) || (err as { status?: number }).status === 404) {
        this.wanted.delete(name);
        this.written.delete(name);
        return;
      }
      throw err;
    }
    if (fingerprint === undefined) this.written.delete(name);
    else this.written.set(name, fingerprint);
    // Pacing: one worker, so this bounds the write rate.
    await new Promise<void>((resolve) => clock.setTimeout(resolve, this.gapMs));
  }
}
